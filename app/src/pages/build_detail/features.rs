//! The features the agent planned, checked off as their tests pass.

use leptos::prelude::*;

use crate::components::panel::Panel;
use crate::components::shimmer_text::ShimmerText;
use crate::model::build_view::{BuildView, FeatureView};
use crate::model::builds::{BuildDetail, BuildStatus};

#[component]
pub(super) fn FeatureChecklist(
    detail: ReadSignal<BuildDetail>,
    live: ReadSignal<BuildView>,
    status: Memo<(BuildStatus, Option<String>)>,
) -> impl IntoView {
    let features = Memo::new(move |_| live.with(|view| (view.features.clone(), view.current_feature)));
    let is_running = Memo::new(move |_| status.get().0 == BuildStatus::Running);
    view! {
        <Panel title="Features">
            {move || {
                let (features, current) = features.get();
                if features.is_empty() {
                    let (passing, total) = detail.with(|detail| (detail.features_passing, detail.features_total));
                    let text = if total > 0 {
                        format!("{passing} of {total} features pass.")
                    } else {
                        "The agent's first session plans the features; they are checked off here one by one.".to_owned()
                    };
                    return view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">{text}</p> }.into_any();
                }
                let is_running = is_running.get();
                view! {
                    <ul class="mt-3 space-y-2 text-sm" data-testid="features">
                        {features.into_iter().map(|feature| {
                            let is_current = is_running && current == Some(feature.index);
                            view! { <FeatureItem feature is_current /> }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </Panel>
    }
    .into_any()
}

#[component]
fn FeatureItem(feature: FeatureView, is_current: bool) -> impl IntoView {
    let (mark, mark_class, state) = match feature.passed {
        Some(true) => ("✓", "text-emerald-600 dark:text-emerald-400", "passed"),
        Some(false) => ("✗", "text-red-600 dark:text-red-400", "failed"),
        None if is_current => ("●", "animate-pulse text-indigo-500", "in progress"),
        None => ("○", "text-slate-400", "not finished"),
    };
    let tests = (feature.tests_passed + feature.tests_failed > 0)
        .then(|| format!("{} tests passed, {} failed", feature.tests_passed, feature.tests_failed));
    view! {
        <li class="flex gap-2" data-passed=feature.passed.map(|passed| passed.to_string())>
            <span class=format!("w-4 shrink-0 text-center font-semibold {mark_class}") aria-hidden="true">{mark}</span>
            <span class="min-w-0">
                <span class="sr-only">{format!("{state}: ")}</span>
                <ShimmerText is_on=is_current>{feature.description}</ShimmerText>
                {tests.map(|tests| view! { <span class="block text-xs text-slate-500 dark:text-slate-400">{tests}</span> })}
            </span>
        </li>
    }
    .into_any()
}
