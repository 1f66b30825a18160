//! A build in a short list (the dashboard's recent builds, a project's
//! builds): the spec it builds, how far it got, its status and when it
//! started, linking to its page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::build_status_badge::BuildStatusBadge;
use crate::format::timestamp;
use crate::model::builds::BuildStatus;
use crate::model::projects::BuildRef;

#[component]
pub fn BuildLink(build_ref: BuildRef) -> impl IntoView {
    let build = build_ref;
    let status = match BuildStatus::parse(&build.status) {
        Some(status) => view! { <BuildStatusBadge status /> }.into_any(),
        None => view! { <span class="text-xs">{build.status.clone()}</span> }.into_any(),
    };
    // Until the agent has planned the features there is nothing to count.
    let progress = (build.features_total > 0)
        .then(|| format!("{} of {} features", build.features_passing, build.features_total));
    view! {
        <li>
            <A
                href=format!("/builds/{}", build.id)
                attr:class="flex items-center justify-between gap-3 rounded-lg px-2 py-1.5 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:hover:bg-slate-800"
            >
                <span class="min-w-0">
                    <span class="block truncate font-medium" data-testid="build-spec-name">{build.spec_name.clone()}</span>
                    <span class="block text-xs text-slate-500 dark:text-slate-400">
                        {progress.map(|progress| view! { <span data-testid="build-progress">{progress}" · "</span> })}
                        <time datetime=build.created_at.to_rfc3339()>{timestamp(build.created_at)}</time>
                    </span>
                </span>
                {status}
            </A>
        </li>
    }
}
