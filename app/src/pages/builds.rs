//! `/builds`: the user's builds, newest first, with status chips, a search
//! by spec name and pages, all in the address (`?status=running&q=todo&page=2`)
//! so they survive a reload and work without JavaScript. While a listed
//! build is queued or running, the list is read again every few seconds.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::api::builds::list_builds;
use crate::components::build_status_badge::BuildStatusBadge;
use crate::components::card::{card_class, CardPadding};
use crate::components::empty_state::{CallToAction, EmptyState};
use crate::components::icons::IconKind;
use crate::components::load_error::LoadError;
use crate::components::page_header::PageHeader;
use crate::components::pager::Pager;
use crate::components::search_box::SearchBox;
use crate::format::{counted, timestamp};
use crate::loaded::load;
use crate::model::accounts::encode_query_value;
use crate::model::builds::{BuildQuery, BuildStatus, BuildSummary};
use crate::refresh::tick_while;

const PAGE_SIZE: u32 = 20;
/// How often a list with a build still going is read again.
const LIVE_REFRESH: Duration = Duration::from_secs(3);

/// What the list shows: the address's filter, search and page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ListView {
    status: Option<BuildStatus>,
    search: String,
    page: u32,
}

impl ListView {
    /// The address of this view with another page.
    fn link(&self, page: u32) -> String {
        let mut parts = Vec::new();
        if let Some(status) = self.status {
            parts.push(format!("status={}", status.as_str()));
        }
        if !self.search.is_empty() {
            parts.push(format!("q={}", encode_query_value(&self.search)));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        match parts.is_empty() {
            true => "/builds".to_owned(),
            false => format!("/builds?{}", parts.join("&")),
        }
    }
}

fn is_going(status: BuildStatus) -> bool {
    matches!(status, BuildStatus::Queued | BuildStatus::Running)
}

#[component]
pub fn BuildsPage() -> impl IntoView {
    let query = use_query_map();
    let view_of_address = Memo::new(move |_| {
        let query = query.read();
        ListView {
            // An unknown status reads as no filter, like the "All" chip.
            status: query.get("status").and_then(|status| BuildStatus::parse(&status)),
            search: query.get("q").unwrap_or_default().trim().to_owned(),
            page: query.get("page").and_then(|page| page.parse::<u32>().ok()).unwrap_or(1).max(1),
        }
    });
    let refreshes = RwSignal::new(0_u32);
    // The view travels with its answer, so the empty message names what was asked.
    let builds = load(
        move || (view_of_address.get(), refreshes.get()),
        |(view, _)| async move {
            let query = BuildQuery {
                status: view.status,
                spec_id: None,
                search: Some(view.search.clone()),
                page: Some(view.page),
                limit: Some(PAGE_SIZE),
            };
            (view, list_builds(query).await)
        },
    );
    tick_while(refreshes, LIVE_REFRESH, move || {
        builds
            .get()
            .and_then(|(_, answer)| answer.ok())
            .is_some_and(|page| page.items.iter().any(|build| is_going(build.status)))
    });
    let search = Signal::derive(move || view_of_address.read().search.clone());
    let keep = Signal::derive(move || {
        view_of_address
            .read()
            .status
            .map(|status| vec![("status", status.as_str().to_owned())])
            .unwrap_or_default()
    });

    view! {
        <Title text="Builds" />
        <PageHeader title="Builds" description="Every build an agent ran or is running, with its log and its result." />
        <nav aria-label="Filter builds by status" class="mb-4 flex flex-wrap gap-2">
            <FilterChip status=None view_of_address />
            {BuildStatus::ALL.into_iter().map(|status| view! { <FilterChip status=Some(status) view_of_address /> }).collect_view()}
        </nav>
        <SearchBox id="build-search" label="Search builds by spec name" placeholder="Search by spec name" value=search keep />
        <Transition fallback=|| view! { <BuildListSkeleton /> }>
            {move || Suspend::new(async move {
                match builds.await {
                    (view, Ok(page)) if page.total == 0 => view! { <NoBuilds view /> }.into_any(),
                    (view, Ok(page)) if page.items.is_empty() => {
                        // Past the last page, e.g. after deleting a build.
                        view! {
                            <p class="text-sm text-slate-600 dark:text-slate-400">
                                {format!("There are only {} pages. ", page.page_count())}
                                <A href=view.link(1) attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-300">"Go to the first page"</A>
                            </p>
                        }
                            .into_any()
                    }
                    (view, Ok(page)) => {
                        let (current, page_count) = (page.page, page.page_count());
                        let total = page.total;
                        view! {
                            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" data-testid="build-count">
                                {counted(usize::try_from(total).unwrap_or_default(), "build", "builds")}
                            </p>
                            <BuildList builds=page.items />
                            <Pager current page_count link=move |page| view.link(page) />
                        }
                            .into_any()
                    }
                    (_, Err(error)) => view! { <LoadError error retry=Callback::new(move |()| builds.refetch()) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One choice of the status filter: a plain link that keeps the search.
#[component]
fn FilterChip(status: Option<BuildStatus>, view_of_address: Memo<ListView>) -> impl IntoView {
    let label = status.map_or("All", BuildStatus::label);
    let href = move || ListView { status, search: view_of_address.read().search.clone(), page: 1 }.link(1);
    let is_current = move || view_of_address.read().status == status;
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
fn NoBuilds(view: ListView) -> impl IntoView {
    if view.status.is_none() && view.search.is_empty() {
        return view! {
            <EmptyState
                icon=IconKind::Builds
                title="No builds yet"
                message="A build turns a spec into a working app inside an isolated sandbox. Open a spec and press Build this app."
                action=CallToAction { label: "Choose a spec", href: "/specs" }
            />
        }
        .into_any();
    }
    let kind = view.status.map(|status| format!("{} ", status.label().to_lowercase())).unwrap_or_default();
    let title = match view.search.is_empty() {
        true => format!("No {kind}builds"),
        false => format!("No {kind}builds of a spec named like \u{201c}{}\u{201d}", view.search),
    };
    view! {
        <section data-testid="no-matches" class="rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center text-sm dark:border-slate-700 dark:bg-slate-900">
            <h2 class="text-base font-medium">{title}</h2>
            <p class="mt-2 text-slate-600 dark:text-slate-400">
                <a href="/builds" class="font-medium text-indigo-600 hover:underline dark:text-indigo-300">"Show all builds"</a>
                " or "
                <A href="/specs" attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-300">"build a spec"</A>
                "."
            </p>
        </section>
    }
    .into_any()
}

#[component]
fn BuildList(builds: Vec<BuildSummary>) -> impl IntoView {
    view! {
        <ul
            class=format!("divide-y divide-slate-200 overflow-hidden dark:divide-slate-800 {}", card_class(CardPadding::Flush))
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
    let progress = (!build.status.is_final() && build.features_total > 0).then(|| {
        let percent = build.features_passing.clamp(0, build.features_total) * 100 / build.features_total;
        view! {
            <span
                role="progressbar"
                aria-label=format!("{} of {} features pass", build.features_passing, build.features_total)
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=percent.to_string()
                class="mt-2 block h-1.5 w-full max-w-xs overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
            >
                <span class="block h-full rounded-full bg-indigo-600" style=format!("width: {percent}%")></span>
            </span>
        }
    });
    let reason = build
        .status_reason
        .filter(|_| matches!(build.status, BuildStatus::Paused | BuildStatus::Failed))
        .map(|reason| view! { <span class="mt-1 block truncate text-xs text-slate-600 dark:text-slate-400">{reason}</span> });
    view! {
        <li data-testid="build-row" data-status=build.status.as_str()>
            <A
                href=format!("/builds/{}", build.id)
                attr:class="flex flex-col gap-2 px-5 py-4 hover:bg-slate-50 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-600 sm:flex-row sm:items-center sm:justify-between dark:hover:bg-slate-800"
            >
                <span class="min-w-0 flex-1">
                    <span class="block truncate font-medium">{build.spec_name}</span>
                    <span class="block text-xs text-slate-600 dark:text-slate-400">
                        <time datetime=build.created_at.to_rfc3339()>{timestamp(build.created_at)}</time>
                    </span>
                    {reason}
                    {progress}
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filter_and_search_and_drop_the_first_page_number() {
        let view = ListView { status: Some(BuildStatus::Running), search: "to do & co".into(), page: 3 };
        assert_eq!(view.link(1), "/builds?status=running&q=to%20do%20%26%20co");
        assert_eq!(view.link(4), "/builds?status=running&q=to%20do%20%26%20co&page=4");
        let all = ListView { status: None, search: String::new(), page: 1 };
        assert_eq!(all.link(1), "/builds");
        assert_eq!(all.link(2), "/builds?page=2");
    }
}
