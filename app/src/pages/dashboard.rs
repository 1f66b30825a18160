use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::system::{check_system_status, SystemStatus};
use crate::components::page_header::PageHeader;
use crate::error::AppError;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard" />
        <PageHeader
            title="Dashboard"
            description="Turn an idea into a working app: write a spec, start a build, watch the agent work, take the result."
        />
        <div class="grid gap-6 lg:grid-cols-3">
            <GettingStarted />
            <SystemStatusCard />
        </div>
    }
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
        <section class="rounded-2xl border border-slate-200 bg-white p-6 lg:col-span-2 dark:border-slate-800 dark:bg-slate-900">
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

/// Asks the server how its database is doing; proves the round trip browser →
/// server function → PostgreSQL → browser.
#[component]
fn SystemStatusCard() -> impl IntoView {
    let check = Action::new(|_: &()| check_system_status());
    let is_checking = check.pending();
    let result = check.value();

    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="text-base font-semibold">"System status"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Checks that the server and its database answer."
            </p>
            <div class="mt-4 min-h-16 text-sm" aria-live="polite" data-testid="system-status">
                {move || {
                    if is_checking.get() {
                        view! {
                            <p class="animate-shimmer bg-gradient-to-r from-slate-500 via-indigo-400 to-slate-500 bg-[length:200%_100%] bg-clip-text text-transparent">
                                "Checking the database…"
                            </p>
                        }
                            .into_any()
                    } else {
                        match result.get() {
                            None => view! { <p class="text-slate-500">"Not checked yet."</p> }.into_any(),
                            Some(Ok(status)) => view! { <StatusReport status /> }.into_any(),
                            Some(Err(error)) => view! { <StatusError error /> }.into_any(),
                        }
                    }
                }}
            </div>
            <button
                type="button"
                class="mt-4 inline-flex items-center rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60"
                disabled=move || is_checking.get()
                on:click=move |_| {
                    check.dispatch(());
                }
            >
                "Check system"
            </button>
        </section>
    }
}

#[component]
fn StatusReport(status: SystemStatus) -> impl IntoView {
    view! {
        <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
            <dt class="text-slate-500">"Database"</dt>
            <dd data-testid="database-version">{format!("PostgreSQL {}", status.database_version)}</dd>
            <dt class="text-slate-500">"Migrations"</dt>
            <dd>{format!("{} applied", status.migrations_applied)}</dd>
            <dt class="text-slate-500">"Round trip"</dt>
            <dd>{format!("{} ms", status.database_latency_ms)}</dd>
            <dt class="text-slate-500">"Checked at"</dt>
            <dd>{status.server_time.format("%H:%M:%S UTC").to_string()}</dd>
        </dl>
    }
}

#[component]
fn StatusError(error: AppError) -> impl IntoView {
    view! {
        <p role="alert" class="rounded-lg bg-red-50 px-3 py-2 text-red-700 dark:bg-red-950 dark:text-red-300">
            {error.to_string()}
        </p>
    }
}
