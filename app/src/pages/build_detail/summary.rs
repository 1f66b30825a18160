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
        let from_view = live.with(|view| {
            let total = view.progress.map_or(view.features.len() as i32, |(_, total, ..)| total);
            let passed = view.features.iter().filter(|feature| feature.passed == Some(true)).count() as i32;
            let failed = view.features.iter().filter(|feature| feature.passed == Some(false)).count() as i32;
            (total > 0).then_some(FeatureCounts { passed, failed, total })
        });
        from_view.unwrap_or_else(|| {
            detail.with(|detail| FeatureCounts {
                passed: detail.features_passing,
                failed: 0,
                total: detail.features_total,
            })
        })
    });
    let passed_at = Memo::new(move |_| {
        live.with(|view| {
            view.features
                .iter()
                .filter(|feature| feature.passed == Some(true))
                .filter_map(|feature| feature.finished_at)
                .collect::<Vec<DateTime<Utc>>>()
        })
    });
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
        match progress {
            // Once the agent stopped, the row may have counted past its last
            // measurement: the end of the run, a session cut short.
            Some(progress) if !is_working.get() && row.elapsed_secs > progress.elapsed_secs => {
                Measured { elapsed_secs: row.elapsed_secs, ..progress }
            }
            Some(progress) => progress,
            None => row,
        }
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
