//! CPU-heavy work (parsing or writing megabytes of JSON) kept off the async
//! runtime, whose few threads would otherwise stall every other request.

use std::fmt::Display;

/// Runs `work` on the blocking pool. Its error, or its panic, comes back
/// as words for the caller's log.
pub async fn off_the_runtime<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, String>
where
    T: Send + 'static,
    E: Display + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done.map_err(|error| error.to_string()),
        Err(failed) => Err(failed.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_work_its_error_and_its_panic_each_come_back() {
        assert_eq!(off_the_runtime(|| Ok::<_, String>(6 * 7)).await, Ok(42));
        assert_eq!(off_the_runtime(|| Err::<(), _>("no manifest")).await, Err("no manifest".to_owned()));
        let panicked = off_the_runtime(|| -> Result<(), String> { panic!("corrupt") }).await;
        assert!(panicked.is_err_and(|error| error.contains("panicked")));
    }
}
