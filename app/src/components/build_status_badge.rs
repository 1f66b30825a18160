//! A build's status as a small coloured badge; a running build's shimmers.

use leptos::prelude::*;

use crate::components::shimmer_text::ShimmerText;
use crate::model::builds::BuildStatus;

#[component]
pub fn BuildStatusBadge(#[prop(into)] status: Signal<BuildStatus>) -> impl IntoView {
    let classes = move || {
        let colours = match status.get() {
            BuildStatus::Queued => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200",
            BuildStatus::Running => "bg-indigo-100 text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200",
            BuildStatus::Paused => "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-200",
            BuildStatus::Completed => {
                "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
            }
            BuildStatus::Failed => "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
            BuildStatus::Cancelled => "bg-slate-200 text-slate-600 dark:bg-slate-800 dark:text-slate-300",
        };
        format!(
            "inline-flex shrink-0 items-center rounded-full px-2.5 py-0.5 text-xs font-semibold {colours}"
        )
    };
    view! {
        <span class=classes data-testid="build-status" data-status=move || status.get().as_str()>
            <ShimmerText is_on=Signal::derive(move || status.get() == BuildStatus::Running) is_subtle=true>
                {move || status.get().label()}
            </ShimmerText>
        </span>
    }
}
