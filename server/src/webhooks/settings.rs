//! How webhooks are delivered: read from the environment by `crate::config`,
//! documented in `env.example`.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Whether hooks may point at loopback, private and link-local
    /// addresses. Off by default: a hook is a request this server makes for
    /// its user, and must not become a way into the server's own network.
    pub allow_private_networks: bool,
    /// Attempts per delivery before it is marked failed.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; each later wait is three
    /// times longer, up to `max_retry`.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// How often each process looks for deliveries that are due.
    pub poll_every: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private_networks: false,
            // 10 s, 30 s, 1.5 min, … then hourly: about 8 hours in all.
            max_attempts: 12,
            first_retry: Duration::from_secs(10),
            max_retry: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            poll_every: Duration::from_secs(2),
        }
    }
}

impl WebhookSettings {
    /// The wait before attempt `attempts + 1`, after `attempts` failures.
    pub fn retry_after(&self, attempts: u32) -> Duration {
        let factor = 3_u32.saturating_pow(attempts.saturating_sub(1));
        self.first_retry.saturating_mul(factor).min(self.max_retry)
    }

    /// How long a process owns the deliveries it claims: longer than any
    /// attempt takes, so a live sender is never overtaken.
    pub fn claim_for(&self) -> Duration {
        self.timeout * 3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_triple_after_each_failure_up_to_the_cap() {
        let settings = WebhookSettings::default();
        let waits: Vec<u64> = (1..=7).map(|attempts| settings.retry_after(attempts).as_secs()).collect();
        assert_eq!(waits, [10, 30, 90, 270, 810, 2430, 3600]);
        assert_eq!(settings.retry_after(40).as_secs(), 3600, "no overflow far out");
    }
}
