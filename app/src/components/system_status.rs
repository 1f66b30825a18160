//! The platform's health, checked on request: the round trip browser →
//! server function → PostgreSQL → browser. An operator's tool, so it lives
//! in Settings rather than on the dashboard.

use leptos::prelude::*;

use crate::api::system::check_system_status;
use crate::error::AppError;
use crate::format::clock_time;
use crate::model::system::SystemStatus;

/// Asks the server how its database is doing; proves the round trip browser →
/// server function → PostgreSQL → browser.
#[component]
pub fn SystemStatusCard() -> impl IntoView {
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
                            None => view! { <p class="text-slate-500 dark:text-slate-400">"Not checked yet."</p> }.into_any(),
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
            <dd>{clock_time(status.server_time)}</dd>
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
