//! A build's status with how the page knows it: Live (the stream is up),
//! Reconnecting (it dropped; the browser is opening it again) or Historical
//! (the build has ended: what is shown is its record).

use leptos::prelude::*;

use crate::components::build_status_badge::BuildStatusBadge;
use crate::model::builds::BuildStatus;

/// `connection`: `Some(is_up)` while the page follows the build.
#[component]
pub fn BuildStatusHeader(
    #[prop(into)] status: Signal<BuildStatus>,
    #[prop(into)] connection: Signal<Option<bool>>,
) -> impl IntoView {
    let badge = move || {
        match (status.get().is_final(), connection.get()) {
        (true, _) => view! {
            <span class="inline-flex items-center gap-1.5 text-xs font-medium text-slate-500 dark:text-slate-400" data-testid="historical">
                <span class="size-2 rounded-full bg-slate-400" aria-hidden="true"></span>
                "Historical"
            </span>
        }
        .into_any(),
        (false, Some(true)) => view! {
            <span class="inline-flex items-center gap-1.5 text-xs font-medium text-emerald-700 dark:text-emerald-300" data-testid="live">
                <span class="size-2 animate-pulse rounded-full bg-emerald-500" aria-hidden="true"></span>
                "Live"
            </span>
        }
        .into_any(),
        (false, Some(false)) => view! {
            <span class="inline-flex items-center gap-1.5 text-xs font-medium text-amber-700 dark:text-amber-300" role="status" data-testid="reconnecting">
                <span class="size-2 animate-pulse rounded-full bg-amber-500" aria-hidden="true"></span>
                "Reconnecting…"
            </span>
        }
        .into_any(),
        (false, None) => ().into_any(),
    }
    };
    view! {
        <span class="inline-flex items-center gap-3">
            <BuildStatusBadge status />
            {badge}
        </span>
    }
}
