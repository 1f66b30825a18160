//! How builds run: BUILD_* settings.

use std::time::Duration;

use super::reader::{whole, Reader};
use crate::builds::BuildSettings;
use crate::rate_limits::Quota;

/// How builds run: workers, leases, and the limits that keep an agent from
/// running away.
pub(super) fn read_builds(reader: &mut Reader<'_>) -> Option<BuildSettings> {
    let defaults = BuildSettings::default();
    let workers = reader.parsed("BUILD_WORKERS", Some(defaults.workers), |value| whole(value, 0, 64));
    let lease = reader.parsed("BUILD_LEASE_SECS", Some(defaults.lease), |value| {
        whole(value, 3, 3600).map(|secs| Duration::from_secs(secs as u64))
    });
    let max_sessions = reader.parsed("BUILD_MAX_SESSIONS", Some(defaults.max_sessions), |value| {
        whole(value, 1, 10_000).map(|n| n as u32)
    });
    let max_turns =
        reader.parsed("BUILD_MAX_TURNS_PER_SESSION", Some(defaults.max_turns_per_session), |value| {
            whole(value, 1, 10_000).map(|n| n as u32)
        });
    let max_active_time =
        reader.parsed("BUILD_MAX_ACTIVE_MINUTES", Some(defaults.max_active_time), |value| {
            whole(value, 1, 7 * 24 * 60).map(|minutes| Duration::from_secs(minutes as u64 * 60))
        });
    let token_budget = reader.parsed("BUILD_TOKEN_BUDGET", Some(defaults.token_budget), |value| match value
        .parse::<u64>()
    {
        Ok(n) if (1_000..=10_000_000_000).contains(&n) => Ok(n),
        _ => Err("expected a whole number of tokens from 1000 to 10000000000".into()),
    });
    let max_stalled =
        reader.parsed("BUILD_MAX_STALLED_SESSIONS", Some(defaults.max_stalled_sessions), |value| {
            whole(value, 1, 100).map(|n| n as u32)
        });
    let max_events = reader.parsed("BUILD_LOG_MAX_EVENTS", Some(defaults.max_events), |value| {
        whole(value, 1_000, 1_000_000_000).map(|n| n as i64)
    });
    let max_event_bytes = reader.parsed("BUILD_LOG_MAX_MB", Some(defaults.max_event_bytes), |value| {
        whole(value, 1, 1_048_576).map(|mb| mb as i64 * 1024 * 1024)
    });
    let step_delay =
        reader.parsed("OFFLINE_AGENT_STEP_DELAY_MS", Some(defaults.offline_step_delay), |value| {
            whole(value, 0, 60_000).map(|ms| Duration::from_millis(ms as u64))
        });
    let starts = reader.parsed("BUILDS_STARTED_PER_HOUR", Some(defaults.starts_per_user), |value| {
        whole(value, 1, 100_000).map(|limit| Quota::per_hour(limit as u32))
    });
    let busy_pause =
        reader.parsed("BUILD_PROVIDER_BUSY_PAUSE_SECS", Some(defaults.provider_busy_pause), |value| {
            whole(value, 1, 3600).map(|secs| Duration::from_secs(secs as u64))
        });
    Some(BuildSettings {
        workers: workers?,
        lease: lease?,
        max_sessions: max_sessions?,
        max_turns_per_session: max_turns?,
        max_active_time: max_active_time?,
        token_budget: token_budget?,
        max_stalled_sessions: max_stalled?,
        offline_step_delay: step_delay?,
        max_events: max_events?,
        max_event_bytes: max_event_bytes?,
        starts_per_user: starts?,
        provider_busy_pause: busy_pause?,
        ..defaults
    })
}
