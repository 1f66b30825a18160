//! The summary on top, for the person checking in: what the agent is doing,
//! how far the features are, the time worked and left, what it cost, and
//! what needs them.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::control_form::ControlForm;
use crate::api::builds::ControlBuild;
use crate::components::activity_indicator::ActivityIndicator;
use crate::components::button::{Button, ButtonTone};
use crate::components::card::{card_class, CardPadding};
use crate::components::feature_progress::{FeatureCounts, FeatureProgress};
use crate::components::features_chart::FeaturesChart;
use crate::components::shimmer_text::ShimmerText;
use crate::components::time_estimate::{Measured, TimeEstimate};
use crate::format::{token_count, usd};
use crate::model::build_view::BuildView;
use crate::model::builds::{BuildControl, BuildDetail, BuildStatus};

const TILE_LABEL: &str = "text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";

#[component]
pub(super) fn SummaryCard(
    detail: ReadSignal<BuildDetail>,
    live: ReadSignal<BuildView>,
    status: Memo<(BuildStatus, Option<String>)>,
    control: ServerAction<ControlBuild>,
    children: Children,
) -> impl IntoView {
    let current = Memo::new(move |_| status.get().0);
    let is_working = Signal::derive(move || current.get() == BuildStatus::Running);
    view! {
        <section
            class=format!("mb-6 {}", card_class(CardPadding::Compact))
            aria-label="Summary"
            data-testid="build-summary"
        >
            <NeedsYou detail status control />
            <div class="grid gap-6 sm:grid-cols-2 xl:grid-cols-4">
                {view! { <NowTile live current is_working /> }.into_any()}
                {view! { <FeaturesTile detail live /> }.into_any()}
                {view! { <TimeTile detail live is_working has_ended=Signal::derive(move || current.get().is_final()) /> }.into_any()}
                {view! { <SpendTile detail /> }.into_any()}
            </div>
            {children()}
        </section>
    }
    .into_any()
}

/// A paused build waits for a person: why, and the button that resolves it.
#[component]
fn NeedsYou(
    detail: ReadSignal<BuildDetail>,
    status: Memo<(BuildStatus, Option<String>)>,
    control: ServerAction<ControlBuild>,
) -> impl IntoView {
    let id = detail.with_untracked(|detail| detail.id);
    move || {
        let (current, reason) = status.get();
        (current == BuildStatus::Paused).then(|| {
            let waits_for_itself = detail.with(|detail| detail.resume_at.is_some());
            let what = if waits_for_itself {
                "It resumes by itself, or now if you resume it."
            } else {
                "It waits for you: resume it to go on."
            };
            view! {
                <div class="mb-5 flex flex-col gap-3 rounded-xl border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900 sm:flex-row sm:items-center sm:justify-between dark:border-amber-900 dark:bg-amber-950/40 dark:text-amber-100" role="status" data-testid="needs-you">
                    <div>
                        <p class="font-semibold">"Paused"</p>
                        <p>{reason.unwrap_or_default()} " " {what}</p>
                    </div>
                    <ControlForm action=control id control=BuildControl::Resume>
                        <Button tone=ButtonTone::Primary is_submit=true disabled=Signal::derive(move || control.pending().get())>
                            "Resume build"
                        </Button>
                    </ControlForm>
                </div>
            }
        })
    }
}

#[component]
fn NowTile(
    live: ReadSignal<BuildView>,
    current: Memo<BuildStatus>,
    is_working: Signal<bool>,
) -> impl IntoView {
    let phase = Memo::new(move |_| live.with(|view| view.phase.map(|phase| (phase, view.session))));
    let activity = Memo::new(move |_| live.with(|view| view.activity.clone()));
    let phase_text = move || match (current.get(), phase.get()) {
        (status, _) if status.is_final() => status.label().to_owned(),
        (BuildStatus::Paused, _) => "Paused".to_owned(),
        (_, Some((phase, session))) if session > 0 => format!("{} · session {session}", phase.label()),
        (_, Some((phase, _))) => phase.label().to_owned(),
        (BuildStatus::Queued, None) => "Waiting for a worker".to_owned(),
        (_, None) => "Starting".to_owned(),
    };
    view! {
        <div class="min-w-0" aria-live="polite">
            <h2 class=TILE_LABEL>"Now"</h2>
            <p class="mt-1 flex items-center gap-2 text-sm font-medium">
                <ActivityIndicator is_active=is_working />
                <span data-testid="phase">{phase_text}</span>
            </p>
            {move || {
                activity.get().filter(|_| is_working.get()).map(|(kind, detail)| {
                    let text = if detail.is_empty() { kind.label().to_owned() } else { format!("{}: {detail}", kind.label()) };
                    let full_text = text.clone();
                    view! {
                        <p class="mt-1 truncate text-sm text-indigo-700 dark:text-indigo-300" data-testid="activity" title=full_text>
                            <ShimmerText is_on=true>{text}</ShimmerText>
                        </p>
                    }
                })
            }}
        </div>
    }
    .into_any()
}

#[component]
fn FeaturesTile(detail: ReadSignal<BuildDetail>, live: ReadSignal<BuildView>) -> impl IntoView {
    // Before the stream has told anything, the build row's counts stand in.
    let counts = Memo::new(move |_| {
        live.with(feature_counts).unwrap_or_else(|| {
            detail.with(|detail| FeatureCounts {
                passed: detail.features_passing,
                failed: 0,
                total: detail.features_total,
            })
        })
    });
    let passed_at = Memo::new(move |_| live.with(passing_times));
    let from = Signal::derive(move || detail.with(|detail| detail.started_at));
    let to = Signal::derive(move || {
        detail.with(|detail| detail.finished_at).or_else(|| live.with(|view| view.progress_at))
    });
    view! {
        <div class="min-w-0">
            <h2 class=TILE_LABEL>"Features"</h2>
            <div class="mt-1">
                <Show
                    when=move || { counts.get().total > 0 }
                    fallback=|| view! { <p class="text-sm text-slate-500 dark:text-slate-400">"Planned by the first session."</p> }
                >
                    <FeatureProgress counts />
                    <FeaturesChart passed_at from to total=Signal::derive(move || counts.get().total) />
                </Show>
            </div>
        </div>
    }
    .into_any()
}

/// The features' counts as the stream tells them, once it has told any.
/// A session may make more features pass than the one it worked on, and a
/// stopped one reports none: the agent's own count of the list rules the
/// passing ones, the features' ends the failing ones.
fn feature_counts(view: &BuildView) -> Option<FeatureCounts> {
    let ended = |passed| view.features.iter().filter(|feature| feature.passed == Some(passed)).count() as i32;
    let (listed_passing, total) =
        view.progress.map_or((0, view.features.len() as i32), |(done, total, ..)| (done, total));
    let passed = ended(true).max(listed_passing).min(total);
    let failed = ended(false).min(total - passed);
    (total > 0).then_some(FeatureCounts { passed, failed, total })
}

/// When each passing feature passed, for the chart: as its end told, and
/// for those a session made pass besides its own, when the agent counted.
fn passing_times(view: &BuildView) -> Vec<DateTime<Utc>> {
    let mut times: Vec<DateTime<Utc>> = view
        .features
        .iter()
        .filter(|feature| feature.passed == Some(true))
        .filter_map(|feature| feature.finished_at)
        .collect();
    let passed = feature_counts(view).map_or(0, |counts| usize::try_from(counts.passed).unwrap_or(0));
    if let Some(counted_at) = view.progress_at {
        times.extend(std::iter::repeat_n(counted_at, passed.saturating_sub(times.len())));
    }
    times.sort();
    times
}

#[component]
fn TimeTile(
    detail: ReadSignal<BuildDetail>,
    live: ReadSignal<BuildView>,
    is_working: Signal<bool>,
    has_ended: Signal<bool>,
) -> impl IntoView {
    // The agent's last measurement, else the build row's worked time.
    let measured = Memo::new(move |_| {
        let row = detail.with(|detail| Measured {
            elapsed_secs: detail.active_secs,
            remaining_secs: None,
            at: Some(detail.updated_at),
        });
        let progress = live.with(|view| {
            view.progress.map(|(_, _, elapsed_secs, remaining_secs)| Measured {
                elapsed_secs,
                remaining_secs,
                at: view.progress_at,
            })
        });
        latest_measurement(row, progress, is_working.get())
    });
    view! {
        <div class="min-w-0">
            <h2 class=TILE_LABEL>"Time"</h2>
            <p class="mt-1 text-sm">
                <TimeEstimate measured is_working has_ended />
            </p>
        </div>
    }
    .into_any()
}

#[component]
fn SpendTile(detail: ReadSignal<BuildDetail>) -> impl IntoView {
    let tokens = move || detail.with(|detail| detail.input_tokens + detail.output_tokens);
    let cost = move || match detail.with(|detail| detail.cost_estimate_micro_usd) {
        Some(micros) => format!("{} (estimate)", usd(micros)),
        None => format!("No price set for {}", detail.with(|detail| detail.model.clone())),
    };
    let budget = Memo::new(move |_| detail.with(|detail| (detail.budget_used, detail.token_budget)));
    let percent = move || {
        let (used, budget) = budget.get();
        if budget > 0 {
            (used.clamp(0, budget) * 100 / budget) as i32
        } else {
            0
        }
    };
    view! {
        <div class="min-w-0">
            <h2 class=TILE_LABEL>"Spend"</h2>
            <p class="mt-1 text-sm">
                <span class="font-medium" data-testid="cost">{cost}</span>
                <span class="text-slate-500 dark:text-slate-400">{move || format!(" · {} tokens", token_count(tokens()))}</span>
            </p>
            <div
                class="mt-1.5 h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
                role="progressbar"
                aria-label="Token budget used"
                aria-valuemin="0"
                aria-valuemax=move || budget.get().1
                aria-valuenow=move || budget.get().0
            >
                <div
                    class="h-2 transition-[width] duration-500"
                    class=("bg-amber-500", move || percent() >= 80)
                    class=("bg-indigo-500", move || percent() < 80)
                    style:width=move || format!("{}%", percent())
                ></div>
            </div>
            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400" data-testid="budget">
                {move || {
                    let (used, budget) = budget.get();
                    format!("{} of its {} token budget", token_count(used), token_count(budget))
                }}
            </p>
        </div>
    }
    .into_any()
}

/// Seconds the clock may run ahead of the row's working time while the
/// build works: the row learns it at each renewal of the run's lease.
const ROW_LAG_SECS: i64 = 15;

/// The agent's measurement (`progress`), or the build's row when that was
/// read after it and tells more. The row's working time rises with each
/// renewal of the run's lease, a few seconds behind, and stands still while
/// the build waits. So the row is the truth once the build stopped (the end
/// of the run, a session cut short), and while it works, after a wait since
/// the measurement: more time went by than was worked, and the pause is
/// neither counted as work nor taken off the time left. Otherwise the
/// measurement carried on by the clock is closer, and never steps back.
fn latest_measurement(row: Measured, progress: Option<Measured>, is_working: bool) -> Measured {
    let Some(progress) = progress else { return row };
    let (Some(row_at), Some(progress_at)) = (row.at, progress.at) else { return progress };
    if row_at <= progress_at {
        return progress;
    }
    let worked_since = (row.elapsed_secs - progress.elapsed_secs).max(0);
    let waited_secs = (row_at - progress_at).num_seconds() - worked_since;
    if is_working && waited_secs <= ROW_LAG_SECS {
        return progress;
    }
    Measured {
        elapsed_secs: progress.elapsed_secs + worked_since,
        remaining_secs: progress.remaining_secs.map(|left| (left - worked_since).max(0)),
        at: row.at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::build_view::FeatureView;

    fn ended(index: i32, passed: bool) -> FeatureView {
        FeatureView {
            index,
            description: format!("feature {index}"),
            category: "functional".into(),
            passed: Some(passed),
            tests_passed: 1,
            tests_failed: i32::from(!passed),
            finished_at: None,
        }
    }

    #[test]
    fn features_a_session_made_pass_besides_its_own_count_as_passing() {
        // Sessions worked on features 0 and 1; the last one made 2 to 8 pass too.
        let view = BuildView {
            features: vec![ended(0, true), ended(1, true), ended(9, false)],
            progress: Some((9, 10, 600, Some(60))),
            ..BuildView::default()
        };
        assert_eq!(feature_counts(&view), Some(FeatureCounts { passed: 9, failed: 1, total: 10 }));
        let all = BuildView { features: vec![ended(0, true)], progress: Some((10, 10, 600, None)), ..view };
        assert_eq!(feature_counts(&all), Some(FeatureCounts { passed: 10, failed: 0, total: 10 }));
    }

    fn measured(elapsed_secs: i64, remaining_secs: Option<i64>, at_secs: i64) -> Measured {
        Measured { elapsed_secs, remaining_secs, at: DateTime::from_timestamp(1_800_000_000 + at_secs, 0) }
    }

    #[test]
    fn a_pause_since_the_agents_measurement_is_neither_worked_nor_taken_off_the_time_left() {
        // Measured at 600 s worked, 300 s left; then paused for an hour and
        // resumed: the row, read 40 worked seconds later, says 640.
        let progress = measured(600, Some(300), 0);
        let row = measured(640, None, 3_640);
        assert_eq!(latest_measurement(row, Some(progress), true), measured(640, Some(260), 3_640));
        // Read on resuming, before any work: the time counts on from there.
        let resumed = measured(600, None, 3_600);
        assert_eq!(latest_measurement(resumed, Some(progress), true), measured(600, Some(300), 3_600));
        assert_eq!(latest_measurement(row, None, true), row, "before any measurement");
    }

    #[test]
    fn while_the_build_works_on_the_measurement_rules_and_once_it_stopped_the_row() {
        let progress = measured(600, Some(300), 0);
        // 30 s on, the row says 27 worked: only its renewals' lag.
        let lagging = measured(627, None, 30);
        assert_eq!(latest_measurement(lagging, Some(progress), true), progress, "never a step back");
        assert_eq!(latest_measurement(lagging, Some(progress), false), measured(627, Some(273), 30));
        // Read before the measurement, the row says nothing newer.
        assert_eq!(latest_measurement(measured(590, None, -10), Some(progress), false), progress);
    }

    #[test]
    fn the_chart_has_a_point_for_every_passing_feature() {
        let at = |secs: i64| DateTime::from_timestamp(1_800_000_000 + secs, 0);
        let mut first = ended(0, true);
        first.finished_at = at(60);
        let view = BuildView {
            features: vec![first, ended(1, false)],
            progress: Some((3, 10, 600, Some(1_400))),
            progress_at: at(600),
            ..BuildView::default()
        };
        // Feature 0 as it ended; two more as the agent counted them.
        let times: Vec<_> = passing_times(&view).into_iter().map(Some).collect();
        assert_eq!(times, [at(60), at(600), at(600)]);
    }

    #[test]
    fn before_the_agents_count_the_features_ends_are_counted() {
        let view = BuildView { features: vec![ended(0, true), ended(1, false)], ..BuildView::default() };
        assert_eq!(feature_counts(&view), Some(FeatureCounts { passed: 1, failed: 1, total: 2 }));
        let counted = BuildView { progress: Some((1, 5, 60, Some(240))), ..view };
        assert_eq!(feature_counts(&counted), Some(FeatureCounts { passed: 1, failed: 1, total: 5 }));
        assert_eq!(feature_counts(&BuildView::default()), None, "nothing told yet");
    }
}
