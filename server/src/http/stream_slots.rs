//! Caps on open live streams (a build's events, a chat's reply): per user and
//! for the whole process, so one person's hundred tabs, or a crowd, cannot
//! hold every connection and the memory behind them. A stream lives in one
//! process, so the count is the process's own. A stream past a cap is
//! refused with 429 before it opens; its slot is freed when it closes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use app::error::AppError;
use uuid::Uuid;

use crate::config::StreamLimits;

/// When a refused viewer should try again: streams close as pages do.
const RETRY_AFTER_SECS: u64 = 30;

pub struct StreamSlots {
    limits: StreamLimits,
    open: Mutex<OpenStreams>,
}

#[derive(Default)]
struct OpenStreams {
    total: usize,
    per_user: HashMap<Uuid, usize>,
}

/// An open stream's place; dropping it (the stream closing) frees it.
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    user: Uuid,
}

impl StreamSlots {
    pub fn new(limits: StreamLimits) -> Arc<Self> {
        Arc::new(Self { limits, open: Mutex::default() })
    }

    /// A slot for one more of `user`'s streams, or 429 past a cap.
    pub fn acquire(self: &Arc<Self>, user: Uuid) -> Result<StreamSlot, AppError> {
        // Counting cannot leave the map half-changed, so a poisoned lock is still sound.
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let users = open.per_user.get(&user).copied().unwrap_or(0);
        if users >= self.limits.per_user {
            return Err(AppError::TooManyRequests {
                message: format!(
                    "You have {} live views open (build pages and chat replies), the most at once. \
                     Close some tabs, then reload this page.",
                    self.limits.per_user
                ),
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        if open.total >= self.limits.total {
            tracing::warn!(total = open.total, "refused a live stream: the server's cap is reached");
            return Err(AppError::TooManyRequests {
                message: "The server is showing as many live views as it can right now. Please reload in a \
                          minute."
                    .into(),
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        open.total += 1;
        *open.per_user.entry(user).or_default() += 1;
        Ok(StreamSlot { slots: self.clone(), user })
    }

    /// Streams open now, for tests and metrics.
    pub fn open_streams(&self) -> usize {
        self.open.lock().unwrap_or_else(PoisonError::into_inner).total
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.per_user.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                open.per_user.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_past_their_cap_is_refused_until_one_of_their_streams_closes() {
        let slots = StreamSlots::new(StreamLimits { per_user: 2, total: 10 });
        let (ada, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let first = slots.acquire(ada).unwrap();
        let _second = slots.acquire(ada).unwrap();
        let refused = slots.acquire(ada).err().expect("a third is refused");
        assert_eq!(refused.status_code(), 429);
        assert!(refused.to_string().contains("2 live views open"), "{refused}");
        let _bobs = slots.acquire(bob).expect("another user is not affected");
        drop(first);
        assert!(slots.acquire(ada).is_ok());
    }

    #[test]
    fn the_process_cap_counts_everyone_and_frees_closed_streams() {
        let slots = StreamSlots::new(StreamLimits { per_user: 5, total: 2 });
        let first = slots.acquire(Uuid::now_v7()).unwrap();
        let _second = slots.acquire(Uuid::now_v7()).unwrap();
        assert!(slots.acquire(Uuid::now_v7()).is_err());
        assert_eq!(slots.open_streams(), 2);
        drop(first);
        assert_eq!(slots.open_streams(), 1);
        assert!(slots.acquire(Uuid::now_v7()).is_ok());
    }
}
