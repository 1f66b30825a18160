//! A small chart of features passing over time: a step up each time one
//! passes, from the build's start to now (or its end).

use chrono::{DateTime, Utc};
use leptos::prelude::*;

const WIDTH: f64 = 240.0;
const HEIGHT: f64 = 48.0;

/// The chart's line as SVG path data: `passed_at` are the moments features
/// passed, `from`–`to` the span shown, `total` the features planned.
pub fn step_path(passed_at: &[DateTime<Utc>], from: DateTime<Utc>, to: DateTime<Utc>, total: i32) -> String {
    let span = (to - from).num_milliseconds().max(1) as f64;
    let top = f64::from(total.max(1));
    let x = |at: DateTime<Utc>| ((at - from).num_milliseconds() as f64 / span).clamp(0.0, 1.0) * WIDTH;
    let y = |count: usize| HEIGHT - (count as f64 / top).min(1.0) * HEIGHT;
    let mut times = passed_at.to_vec();
    times.sort();
    let mut path = format!("M0 {:.1}", y(0));
    for (index, at) in times.iter().enumerate() {
        let x = x(*at);
        path.push_str(&format!(" H{x:.1} V{:.1}", y(index + 1)));
    }
    path.push_str(&format!(" H{WIDTH:.1}"));
    path
}

#[component]
pub fn FeaturesChart(
    /// When each passing feature passed.
    #[prop(into)]
    passed_at: Signal<Vec<DateTime<Utc>>>,
    #[prop(into)] from: Signal<Option<DateTime<Utc>>>,
    #[prop(into)] to: Signal<Option<DateTime<Utc>>>,
    #[prop(into)] total: Signal<i32>,
) -> impl IntoView {
    let path = move || {
        let passed_at = passed_at.get();
        let from = from.get().or_else(|| passed_at.iter().min().copied())?;
        let to = to.get().or_else(|| passed_at.iter().max().copied()).filter(|to| *to > from)?;
        Some(step_path(&passed_at, from, to, total.get()))
    };
    let summary =
        move || format!("{} of {} features passing over time", passed_at.with(Vec::len), total.get());
    move || {
        path().map(|path| {
            view! {
                <svg
                    viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                    class="mt-2 h-12 w-full text-emerald-500"
                    preserveAspectRatio="none"
                    role="img"
                    aria-label=summary
                    data-testid="features-chart"
                >
                    <path d=path fill="none" stroke="currentColor" stroke-width="2" vector-effect="non-scaling-stroke"></path>
                </svg>
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_passing_feature_is_a_step_up_at_its_moment() {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let at = |seconds| start + chrono::Duration::seconds(seconds);
        // Two of four features pass, a quarter and half-way through.
        let path = step_path(&[at(50), at(25)], start, at(100), 4);
        assert_eq!(path, "M0 48.0 H60.0 V36.0 H120.0 V24.0 H240.0");
        assert_eq!(step_path(&[], start, at(100), 0), "M0 48.0 H240.0");
    }
}
