//! How builds run: read from the environment by `crate::config`,
//! documented in `env.example`.

use std::time::Duration;

use crate::builds::events::EventLimits;
use crate::rate_limits::Quota;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildSettings {
    /// Builds this process runs at once; 0 makes it serve only.
    pub workers: usize,
    /// How long a claimed build stays this process's without a renewal.
    pub lease: Duration,
    /// How often an idle worker looks for builds (it is also woken when one is queued).
    pub poll_every: Duration,
    /// Agent sessions per build, the initializer included.
    pub max_sessions: u32,
    pub max_turns_per_session: u32,
    /// Time the agent may work, pauses excluded.
    pub max_active_time: Duration,
    /// Input and output tokens per build; reaching it pauses the build.
    pub token_budget: u64,
    /// Sessions in a row without a newly passing feature before the build pauses.
    pub max_stalled_sessions: u32,
    /// Repeats of a tool call or of a test failure that end a session.
    pub loop_repeats: u32,
    /// Characters of a tool result the model sees (the log keeps it all).
    pub tool_result_chars: usize,
    /// Output tokens per model response.
    pub max_tokens: u32,
    /// The built-in offline agent's pause before each step.
    pub offline_step_delay: Duration,
    /// Events stored per build; past it (or `max_event_bytes`), command
    /// output is counted instead of stored.
    pub max_events: i64,
    pub max_event_bytes: i64,
    /// Builds a user may start per hour (resuming one is not starting it).
    pub starts_per_user: Quota,
    /// How long a build pauses when the model provider is rate limited or
    /// overloaded (after its own retries) and names no time to come back.
    pub provider_busy_pause: Duration,
}

impl Default for BuildSettings {
    fn default() -> Self {
        Self {
            workers: 2,
            lease: Duration::from_secs(30),
            poll_every: Duration::from_secs(2),
            max_sessions: 100,
            max_turns_per_session: 80,
            max_active_time: Duration::from_secs(6 * 3600),
            token_budget: 5_000_000,
            max_stalled_sessions: 3,
            loop_repeats: 3,
            tool_result_chars: 16_000,
            max_tokens: 16_000,
            offline_step_delay: Duration::from_millis(700),
            // A busy multi-hour build logs a few hundred thousand lines.
            max_events: 2_000_000,
            max_event_bytes: 1024 * 1024 * 1024,
            starts_per_user: Quota::per_hour(10),
            provider_busy_pause: Duration::from_secs(60),
        }
    }
}

impl BuildSettings {
    pub fn event_limits(&self) -> EventLimits {
        EventLimits { max_events: self.max_events, max_bytes: self.max_event_bytes }
    }

    /// How often a running build's lease is renewed (and its state re-read).
    pub fn renew_every(&self) -> Duration {
        (self.lease / 3).min(Duration::from_secs(2))
    }
}
