//! The platform's health, checked on request: the round trip browser →
//! server function → PostgreSQL → browser. An operator's tool, so it lives
//! in Settings rather than on the dashboard.

use leptos::prelude::*;

use crate::api::system::check_system_status;
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::card::{card_class, CardPadding};
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
        <section class=card_class(CardPadding::Roomy)>
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
            <Button
                tone=ButtonTone::Primary
                size=ButtonSize::Large
                class="mt-4"
                disabled=is_checking
                on_click=move |_| {
                    check.dispatch(());
                }
            >
                "Check system"
            </Button>
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
