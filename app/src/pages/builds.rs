//! `/builds`: the user's builds, newest first, filtered by status through
//! the URL (`?status=running`), so a filter survives a reload and works
//! without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::builds::list_builds;
use crate::components::build_status_badge::BuildStatusBadge;
use crate::components::empty_state::{CallToAction, EmptyState};
use crate::components::icons::IconKind;
use crate::components::load_error::LoadError;
use crate::components::page_header::PageHeader;
use crate::format::timestamp;
use crate::model::builds::{BuildQuery, BuildStatus, BuildSummary};

#[component]
pub fn BuildsPage() -> impl IntoView {
    let query = use_query_map();
    // An unknown status reads as no filter, like the "All" link.
    let filter =
        Memo::new(move |_| query.read().get("status").and_then(|status| BuildStatus::parse(&status)));
    // The filter travels with its answer, so the empty message names the
    // filter the list was loaded for.
    let builds = Resource::new(
        move || filter.get(),
        |status| async move { (status, list_builds(BuildQuery { status, spec_id: None, limit: None }).await) },
    );

    view! {
        <Title text="Builds" />
        <PageHeader title="Builds" description="Every build an agent ran or is running, with its log and its result." />
        <nav aria-label="Filter builds by status" class="mb-6 flex flex-wrap gap-2">
            <FilterLink status=None filter />
            {BuildStatus::ALL.into_iter().map(|status| view! { <FilterLink status=Some(status) filter /> }).collect_view()}
        </nav>
        <Transition fallback=|| view! { <BuildListSkeleton /> }>
            {move || Suspend::new(async move {
                match builds.await {
                    (status, Ok(list)) if list.is_empty() => view! { <NoBuilds status /> }.into_any(),
                    (_, Ok(list)) => view! { <BuildList builds=list /> }.into_any(),
                    (_, Err(error)) => view! { <LoadError error retry=Callback::new(move |()| builds.refetch()) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One choice of the status filter: a plain link, so it works without
/// JavaScript and the filter lives in the address.
#[component]
fn FilterLink(status: Option<BuildStatus>, filter: Memo<Option<BuildStatus>>) -> impl IntoView {
    let (href, label) = match status {
        Some(status) => (format!("/builds?status={}", status.as_str()), status.label()),
        None => ("/builds".to_owned(), "All"),
    };
    let is_current = move || filter.get() == status;
    view! {
        <a
            href=href
            aria-current=move || is_current().then_some("page")
            class=move || {
                if is_current() {
                    "rounded-full bg-indigo-600 px-3 py-1 text-sm font-medium text-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
                } else {
                    "rounded-full border border-slate-300 bg-white px-3 py-1 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-300 dark:hover:bg-slate-800"
                }
            }
        >
            {label}
        </a>
    }
}

#[component]
fn NoBuilds(status: Option<BuildStatus>) -> impl IntoView {
    match status {
        None => view! {
            <EmptyState
                icon=IconKind::Builds
                title="No builds yet"
                message="A build turns a spec into a working app inside an isolated sandbox. Open a spec and press Build this app."
                action=CallToAction { label: "Choose a spec", href: "/specs" }
            />
        }
        .into_any(),
        Some(status) => view! {
            <section class="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center text-sm dark:border-slate-700 dark:bg-slate-900">
                <h2 class="text-base font-medium">{format!("No {} builds", status.label().to_lowercase())}</h2>
                <p class="mt-2 text-slate-600 dark:text-slate-400">
                    <a href="/builds" class="font-medium text-indigo-600 hover:underline dark:text-indigo-300">"Show all builds"</a>
                    " or "
                    <A href="/specs" attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-300">"build a spec"</A>
                    "."
                </p>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn BuildList(builds: Vec<BuildSummary>) -> impl IntoView {
    view! {
        <ul
            class="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900"
            data-testid="build-list"
        >
            {builds.into_iter().map(|summary| view! { <BuildRow summary /> }).collect_view()}
        </ul>
    }
}

#[component]
fn BuildRow(summary: BuildSummary) -> impl IntoView {
    let build = summary;
    let features = if build.features_total > 0 {
        format!("{} of {} features", build.features_passing, build.features_total)
    } else {
        "Features not planned yet".to_owned()
    };
    view! {
        <li>
            <A
                href=format!("/builds/{}", build.id)
                attr:class="flex flex-col gap-2 px-5 py-4 hover:bg-slate-50 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-600 sm:flex-row sm:items-center sm:justify-between dark:hover:bg-slate-800"
            >
                <span class="min-w-0">
                    <span class="block truncate font-medium">{build.spec_name}</span>
                    <span class="block text-xs text-slate-500 dark:text-slate-400">
                        <time datetime=build.created_at.to_rfc3339()>{timestamp(build.created_at)}</time>
                    </span>
                </span>
                <span class="flex shrink-0 items-center gap-3 text-sm text-slate-600 dark:text-slate-400">
                    <span class="tabular-nums">{features}</span>
                    <BuildStatusBadge status=build.status />
                </span>
            </A>
        </li>
    }
}

#[component]
fn BuildListSkeleton() -> impl IntoView {
    view! {
        <ul class="space-y-2" aria-busy="true" aria-label="Loading builds">
            {(0..4).map(|_| view! { <li class="h-16 animate-pulse rounded-xl bg-slate-200 dark:bg-slate-800"></li> }).collect_view()}
        </ul>
    }
}
