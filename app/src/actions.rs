//! Helpers for server actions shared by pages.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Counts the successful completions of `action`. A resource that tracks the
/// count reloads after a success only: after a failure the page keeps what is
/// on screen (an edited text, a typed name) next to the error.
pub fn count_successes<S>(action: ServerAction<S>) -> ReadSignal<u32>
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let (count, set_count) = signal(0_u32);
    Effect::new(move |_| {
        if action.value().with(|value| matches!(value, Some(Ok(_)))) {
            set_count.update(|count| *count += 1);
        }
    });
    count
}
