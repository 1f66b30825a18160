//! "n of m features": a bar with the passing features in green, the failing
//! in red, the rest still to do.

use leptos::prelude::*;

/// Features passing, failing and planned, as the bar shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FeatureCounts {
    pub passed: i32,
    pub failed: i32,
    pub total: i32,
}

impl FeatureCounts {
    /// Percent of the bar each part fills (passing, failing), whole numbers
    /// that never sum past 100.
    pub fn widths(self) -> (i32, i32) {
        if self.total <= 0 {
            return (0, 0);
        }
        let passed = self.passed.clamp(0, self.total) * 100 / self.total;
        let failed = (self.failed.clamp(0, self.total) * 100 / self.total).min(100 - passed);
        (passed, failed)
    }
}

#[component]
pub fn FeatureProgress(#[prop(into)] counts: Signal<FeatureCounts>) -> impl IntoView {
    let label = move || {
        let counts = counts.get();
        match counts.failed {
            0 => format!("{} of {} features pass", counts.passed, counts.total),
            failed => format!("{} of {} features pass, {failed} failing", counts.passed, counts.total),
        }
    };
    view! {
        <div>
            <p class="text-sm font-medium" data-testid="progress">{label}</p>
            <div
                class="mt-1.5 flex h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
                role="progressbar"
                aria-label="Features passing"
                aria-valuemin="0"
                aria-valuemax=move || counts.get().total
                aria-valuenow=move || counts.get().passed
            >
                <div class="h-2 bg-emerald-500 transition-[width] duration-500" style:width=move || format!("{}%", counts.get().widths().0)></div>
                <div class="h-2 bg-red-500 transition-[width] duration-500" style:width=move || format!("{}%", counts.get().widths().1)></div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_share_the_bar_and_never_overflow_it() {
        assert_eq!(FeatureCounts { passed: 1, failed: 1, total: 4 }.widths(), (25, 25));
        assert_eq!(FeatureCounts { passed: 3, failed: 0, total: 3 }.widths(), (100, 0));
        assert_eq!(FeatureCounts { passed: 9, failed: 9, total: 3 }.widths(), (100, 0));
        assert_eq!(FeatureCounts { passed: 0, failed: 0, total: 0 }.widths(), (0, 0));
    }
}
