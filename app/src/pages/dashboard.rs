use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::dashboard::get_dashboard;
use crate::components::build_link::BuildLink;
use crate::components::card::{card_class, Card, CardPadding};
use crate::components::load_error::LoadError;
use crate::components::page_header::PageHeader;
use crate::format::{byte_size, timestamp};
use crate::loaded::load;
use crate::model::dashboard::DashboardSummary;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <PageHeader
            title="Dashboard"
            description="Turn an idea into a working app: write a spec, start a build, watch the agent work, take the result."
        />
        <WorkSummary />
        <div class="mt-6">
            <GettingStarted />
        </div>
    }
}

/// Counts, recent specs and recent builds, from one server call.
#[component]
fn WorkSummary() -> impl IntoView {
    let summary = load(|| (), |_| get_dashboard());
    view! {
        <Transition fallback=|| view! { <div class="h-56 animate-pulse rounded-2xl bg-slate-100 dark:bg-slate-800" aria-hidden="true"></div> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(summary) => view! { <SummaryView summary /> }.into_any(),
                    Err(error) => view! { <LoadError error retry=Callback::new(move |()| summary.refetch()) /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn SummaryView(summary: DashboardSummary) -> impl IntoView {
    let build_total: i64 = summary.builds_by_status.iter().map(|(_, count)| count).sum();
    let stat = |label: &'static str, value: i64, href: &'static str| {
        view! {
            <A href=href attr:class=format!("hover:border-indigo-400 {}", card_class(CardPadding::Compact))>
                <span class="block text-sm text-slate-500 dark:text-slate-400">{label}</span>
                <span class="mt-1 block text-3xl font-semibold tabular-nums">{value}</span>
            </A>
        }
    };
    let last_spec = summary.recent_specs.first().cloned();
    view! {
        <div data-testid="dashboard-stats" class="grid gap-4 sm:grid-cols-3">
            {stat("Specs", summary.spec_count, "/specs")}
            {stat("Builds", build_total, "/builds")}
            {stat("Projects", summary.project_count, "/projects")}
        </div>
        <p class="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-500 dark:text-slate-400" data-testid="builds-by-status">
            {summary.builds_by_status.into_iter().map(|(state, count)| view! { <span>{format!("{state}: {count}")}</span> }).collect_view()}
        </p>
        {last_spec.map(|spec| view! {
            <A href=format!("/specs/{}", spec.id) attr:class="mt-4 flex items-center justify-between rounded-2xl bg-gradient-to-r from-indigo-600 to-violet-600 px-5 py-4 text-white shadow-sm hover:opacity-95">
                <span>
                    <span class="block text-xs uppercase tracking-wide opacity-80">"Continue with your last spec"</span>
                    <span class="block font-medium">{spec.name.clone()}</span>
                </span>
                <span aria-hidden="true">"→"</span>
            </A>
        })}
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <Card labelled_by="recent-specs" padding=CardPadding::Compact>
                <h2 id="recent-specs" class="font-semibold">"Recent specs"</h2>
                {if summary.recent_specs.is_empty() {
                    view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"None yet. " <A href="/specs" attr:class="text-indigo-600 hover:underline dark:text-indigo-300">"Write your first spec"</A></p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-2 divide-y divide-slate-100 text-sm dark:divide-slate-800">
                            {summary.recent_specs.into_iter().map(|spec| view! {
                                <li class="flex justify-between gap-3 py-2">
                                    <A href=format!("/specs/{}", spec.id) attr:class="truncate font-medium hover:underline">{spec.name}</A>
                                    <span class="shrink-0 text-xs text-slate-500 dark:text-slate-400">{format!("{} · {}", byte_size(spec.size_bytes), timestamp(spec.updated_at))}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Card>
            <Card labelled_by="recent-builds" padding=CardPadding::Compact>
                <h2 id="recent-builds" class="font-semibold">"Recent builds"</h2>
                {if summary.recent_builds.is_empty() {
                    view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"No builds yet. A build turns a spec into a working app."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-2 space-y-1 text-sm" data-testid="recent-builds">
                            {summary.recent_builds.into_iter().map(|build_ref| view! { <BuildLink build_ref /> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </Card>
        </div>
    }
    .into_any()
}

struct Step {
    title: &'static str,
    text: &'static str,
    href: &'static str,
}

const STEPS: [Step; 4] = [
    Step {
        title: "Spec",
        text: "Chat with an assistant or fill the wizard to get an app specification.",
        href: "/chat",
    },
    Step {
        title: "Build",
        text: "Start a build: an autonomous agent implements the spec in a sandbox.",
        href: "/specs",
    },
    Step {
        title: "Watch",
        text: "Follow the phase, the feature checklist, the tests and the full log live.",
        href: "/builds",
    },
    Step { title: "Take", text: "Download the finished work directory as an archive.", href: "/builds" },
];

#[component]
fn GettingStarted() -> impl IntoView {
    view! {
        <section class=card_class(CardPadding::Roomy)>
            <h2 class="text-base font-semibold">"How it works"</h2>
            <ol class="mt-4 grid gap-4 sm:grid-cols-2">
                {STEPS
                    .iter()
                    .enumerate()
                    .map(|(index, step)| {
                        view! {
                            <li>
                                <A
                                    href=step.href
                                    attr:class="block h-full rounded-xl border border-slate-200 p-4 hover:border-indigo-400 hover:shadow-sm focus-visible:outline-2 focus-visible:outline-indigo-600 dark:border-slate-700"
                                >
                                    <span class="text-xs font-semibold text-indigo-600 dark:text-indigo-300">
                                        {format!("Step {}", index + 1)}
                                    </span>
                                    <span class="mt-1 block font-medium">{step.title}</span>
                                    <span class="mt-1 block text-sm text-slate-600 dark:text-slate-400">
                                        {step.text}
                                    </span>
                                </A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}
