//! The generic cell rate algorithm (GCRA): a quota of `limit` requests per
//! `period` as one timestamp per bucket, the "theoretical arrival time"
//! (TAT). Each request moves it one emission interval (`period / limit`)
//! later; a request is refused when that would put it more than a period
//! ahead of now. So a full allowance can be spent at once, and it comes back
//! evenly, with no burst at a window's edge as fixed windows allow.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// `limit` requests per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub period: Duration,
}

impl Quota {
    pub const fn per_minute(limit: u32) -> Self {
        Self { limit, period: Duration::from_secs(60) }
    }

    pub const fn per_hour(limit: u32) -> Self {
        Self { limit, period: Duration::from_secs(3600) }
    }

    /// How much later each request moves the bucket's TAT.
    pub fn emission_interval(&self) -> TimeDelta {
        TimeDelta::from_std(self.period / self.limit.max(1)).unwrap_or(TimeDelta::MAX)
    }

    pub fn period_delta(&self) -> TimeDelta {
        TimeDelta::from_std(self.period).unwrap_or(TimeDelta::MAX)
    }
}

/// What a quota says about one request, and what the `X-RateLimit-*`
/// headers tell the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub is_allowed: bool,
    pub limit: u32,
    /// Requests that could be made right now after this one.
    pub remaining: u32,
    /// When the whole allowance is back, if nothing more is sent.
    pub reset_at: DateTime<Utc>,
    /// For a refusal: how long until one request is allowed again.
    pub retry_after: Duration,
}

impl Decision {
    /// The decision once the bucket's TAT is `tat`: after this request when it
    /// was allowed (the TAT it moved to), as it stood when it was refused.
    pub fn at(now: DateTime<Utc>, tat: DateTime<Utc>, is_allowed: bool, quota: Quota) -> Self {
        let interval = quota.emission_interval();
        let period = quota.period_delta();
        // The room left within the period ahead of now, in whole requests.
        let room = period - (tat.max(now) - now);
        let remaining = if is_allowed && interval > TimeDelta::zero() {
            u32::try_from(
                room.num_microseconds().unwrap_or(0) / interval.num_microseconds().unwrap_or(1).max(1),
            )
            .unwrap_or(0)
            .min(quota.limit)
        } else {
            0
        };
        // The next request would move the TAT to tat + interval; it is allowed
        // once that is within a period of the clock.
        let retry_after =
            if is_allowed { TimeDelta::zero() } else { (tat.max(now) + interval - period) - now };
        Self {
            is_allowed,
            limit: quota.limit,
            remaining,
            reset_at: tat.max(now),
            retry_after: retry_after.to_std().unwrap_or_default(),
        }
    }

    /// Whole seconds to wait, never 0 for a refusal (a client told "0" would
    /// come straight back).
    pub fn retry_after_secs(&self) -> u64 {
        let secs = self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0);
        if self.is_allowed {
            secs
        } else {
            secs.max(1)
        }
    }
}

/// The TAT after one more request at `now`, if the quota allows it: what the
/// database computes in one statement (see `repo::take`), spelled out here so
/// it can be read and tested.
pub fn next_tat(now: DateTime<Utc>, tat: Option<DateTime<Utc>>, quota: Quota) -> Option<DateTime<Utc>> {
    let next = tat.unwrap_or(now).max(now) + quota.emission_interval();
    (next <= now + quota.period_delta()).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    /// Sends requests at the given seconds; answers which were allowed.
    fn replay(quota: Quota, times: &[i64]) -> Vec<bool> {
        let mut tat = None;
        times
            .iter()
            .map(|&secs| match next_tat(at(secs), tat, quota) {
                Some(next) => {
                    tat = Some(next);
                    true
                }
                None => false,
            })
            .collect()
    }

    #[test]
    fn the_whole_allowance_can_be_spent_at_once_and_no_more() {
        let allowed = replay(Quota::per_minute(100), &[0; 101]);
        assert_eq!(allowed.iter().filter(|allowed| **allowed).count(), 100);
        assert!(!allowed[100]);
    }

    #[test]
    fn the_allowance_comes_back_evenly_not_at_a_windows_edge() {
        // 60 a minute: one comes back each second.
        let quota = Quota::per_minute(60);
        let mut times = vec![0; 60];
        times.extend([0, 1, 1, 30]);
        let allowed = replay(quota, &times);
        assert_eq!(&allowed[60..], &[false, true, false, true]);
    }

    #[test]
    fn a_decision_tells_what_is_left_and_when_to_come_back() {
        let quota = Quota::per_minute(10);
        // The first request of an empty bucket: 9 left, all back in 6 s.
        let first = Decision::at(at(0), at(6), true, quota);
        assert_eq!((first.remaining, first.reset_at, first.retry_after_secs()), (9, at(6), 0));

        // A full bucket (TAT a minute ahead): refused, one comes back in 6 s.
        let refused = Decision::at(at(0), at(60), false, quota);
        assert_eq!((refused.remaining, refused.reset_at), (0, at(60)));
        assert_eq!(refused.retry_after_secs(), 6);
    }

    #[test]
    fn a_refusal_never_says_to_retry_at_once() {
        let quota = Quota { limit: 1_000_000, period: Duration::from_secs(1) };
        let refused = Decision::at(at(0), at(1), false, quota);
        assert_eq!(refused.retry_after_secs(), 1);
    }
}
