//! A build in a short list (the dashboard's recent builds, a project's
//! builds): its status and when it started, linking to its page.

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
    view! {
        <li>
            <A
                href=format!("/builds/{}", build.id)
                attr:class="flex items-center justify-between gap-3 rounded-lg px-2 py-1.5 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:hover:bg-slate-800"
            >
                <span class="text-slate-600 dark:text-slate-400">
                    "Build from "
                    <time datetime=build.created_at.to_rfc3339()>{timestamp(build.created_at)}</time>
                </span>
                {status}
            </A>
        </li>
    }
}
