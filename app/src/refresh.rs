//! Reading a page's data again while something on it is still moving (a
//! running build, a pending delivery, an archive on its way).

use std::time::Duration;

use leptos::prelude::*;

/// Adds one to `ticks` `every` so long, for as long as `is_due()` holds: a
/// resource whose source reads `ticks` is then read again. `is_due` is checked
/// afresh whenever what it reads changes (typically that very resource), so
/// the ticking stops by itself once nothing is moving. The timer goes with the
/// calling component; during server rendering nothing is scheduled.
pub fn tick_while(ticks: RwSignal<u32>, every: Duration, is_due: impl Fn() -> bool + 'static) {
    Effect::new(move |_| {
        if !is_due() {
            return;
        }
        let timer = set_timeout_with_handle(
            move || {
                // The page may be gone by the time the timer fires.
                ticks.try_update(|ticks| *ticks += 1);
            },
            every,
        )
        .ok();
        on_cleanup(move || {
            if let Some(timer) = timer {
                timer.clear();
            }
        });
    });
}
