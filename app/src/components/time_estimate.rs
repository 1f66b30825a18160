//! Time a build has worked and, as an estimate, how long it has left,
//! counting on every second from the agent's last measurement.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::format::duration;

/// The agent's measurement: worked and left (seconds) at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    pub elapsed_secs: i64,
    pub remaining_secs: Option<i64>,
    pub at: Option<DateTime<Utc>>,
}

/// `measured` carried forward to `now` while the agent works: worked time
/// grows and the time left shrinks, never below zero and never back up
/// until a new measurement arrives (the only reason it may).
pub fn carried_forward(
    measured: Measured,
    now: Option<DateTime<Utc>>,
    is_working: bool,
) -> (i64, Option<i64>) {
    let since = match (is_working, measured.at, now) {
        (true, Some(at), Some(now)) => (now - at).num_seconds().max(0),
        _ => 0,
    };
    (measured.elapsed_secs + since, measured.remaining_secs.map(|left| (left - since).max(0)))
}

/// The words for it: "12 min so far · about 8 min left (estimate)", or
/// "Worked 18 min" once the build has ended.
pub fn describe(elapsed_secs: i64, remaining_secs: Option<i64>, has_ended: bool) -> String {
    if has_ended {
        return format!("Worked {}", duration(elapsed_secs));
    }
    match remaining_secs {
        Some(0) => format!("{} so far · finishing (estimate)", duration(elapsed_secs)),
        Some(left) => format!("{} so far · about {} left (estimate)", duration(elapsed_secs), duration(left)),
        None => format!("{} so far", duration(elapsed_secs)),
    }
}

#[component]
pub fn TimeEstimate(
    #[prop(into)] measured: Signal<Measured>,
    #[prop(into)] is_working: Signal<bool>,
    #[prop(into)] has_ended: Signal<bool>,
) -> impl IntoView {
    // Server and first browser render agree on the measurement itself; the
    // clock starts after hydration.
    let now = RwSignal::new(None::<DateTime<Utc>>);
    Effect::new(move |_| {
        if let Ok(ticker) =
            set_interval_with_handle(move || now.set(crate::browser::now()), Duration::from_secs(1))
        {
            on_cleanup(move || ticker.clear());
        }
    });
    let text = move || {
        let (elapsed, remaining) = carried_forward(measured.get(), now.get(), is_working.get());
        describe(elapsed, remaining, has_ended.get())
    };
    view! { <span data-testid="time-estimate">{text}</span> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0)
    }

    #[test]
    fn while_working_the_time_so_far_grows_and_the_time_left_shrinks_to_zero() {
        let measured = Measured { elapsed_secs: 600, remaining_secs: Some(300), at: at(0) };
        assert_eq!(carried_forward(measured, at(60), true), (660, Some(240)));
        assert_eq!(carried_forward(measured, at(900), true), (1_500, Some(0)));
        assert_eq!(describe(1_500, Some(0), false), "25 min so far · finishing (estimate)");
        assert_eq!(describe(660, Some(240), false), "11 min so far · about 4 min left (estimate)");
        assert_eq!(describe(18, Some(40), true), "Worked 18 s", "an ended build has nothing left");
    }

    #[test]
    fn a_paused_or_ended_build_and_a_clock_before_the_measurement_stand_still() {
        let measured = Measured { elapsed_secs: 600, remaining_secs: Some(300), at: at(0) };
        assert_eq!(carried_forward(measured, at(60), false), (600, Some(300)));
        assert_eq!(carried_forward(measured, None, true), (600, Some(300)));
        assert_eq!(
            carried_forward(measured, at(-30), true),
            (600, Some(300)),
            "a clock behind never adds time"
        );
    }
}
