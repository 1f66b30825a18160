//! "Now": the phase, what the agent is doing this moment, the progress bar
//! and whether the stream is live.

use leptos::prelude::*;

use crate::components::button::{Button, ButtonSize};
use crate::components::shimmer::Shimmer;
use crate::format::duration;
use crate::model::builds::{BuildDetail, BuildStatus, BuildView};
use crate::notifications::{ask_for_notifications, notification_choice, NotificationChoice};

#[component]
pub(super) fn NowPanel(
    detail: ReadSignal<BuildDetail>,
    live: ReadSignal<BuildView>,
    status: Memo<(BuildStatus, Option<String>)>,
    connection: ReadSignal<Option<bool>>,
) -> impl IntoView {
    let current = move || status.get().0;
    let phase = Memo::new(move |_| live.with(|view| view.phase.map(|phase| (phase, view.session))));
    let activity = Memo::new(move |_| live.with(|view| view.activity.clone()));
    // Before the stream has told anything, the build row's counts stand in.
    let progress = Memo::new(move |_| {
        live.with(|view| {
            view.progress.map(|(done, total, elapsed, remaining)| (done, total, Some(elapsed), remaining))
        })
        .or_else(|| {
            detail.with(|detail| {
                (detail.features_total > 0).then_some((
                    detail.features_passing,
                    detail.features_total,
                    None,
                    None,
                ))
            })
        })
    });
    let phase_text = move || match (current(), phase.get()) {
        (status, _) if status.is_final() => status.label().to_owned(),
        (BuildStatus::Paused, _) => "Paused".to_owned(),
        (_, Some((phase, session))) if session > 0 => format!("{} · session {session}", phase.label()),
        (_, Some((phase, _))) => phase.label().to_owned(),
        (BuildStatus::Queued, None) => "Waiting for a worker".to_owned(),
        (_, None) => "Starting".to_owned(),
    };

    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <div class="flex items-center justify-between gap-3">
                <h2 class="font-semibold">"Now"</h2>
                {move || match connection.get() {
                    Some(true) if !current().is_final() => view! {
                        <span class="inline-flex items-center gap-1.5 text-xs font-medium text-emerald-700 dark:text-emerald-300" data-testid="live">
                            <span class="size-2 animate-pulse rounded-full bg-emerald-500" aria-hidden="true"></span>
                            "Live"
                        </span>
                    }
                    .into_any(),
                    Some(false) => view! {
                        <span class="inline-flex items-center gap-1.5 text-xs font-medium text-amber-700 dark:text-amber-300" role="status" data-testid="reconnecting">
                            <span class="size-2 animate-pulse rounded-full bg-amber-500" aria-hidden="true"></span>
                            "Reconnecting…"
                        </span>
                    }
                    .into_any(),
                    _ => ().into_any(),
                }}
            </div>
            <div aria-live="polite" class="mt-2 space-y-1 text-sm">
                <p data-testid="phase">{phase_text}</p>
                {move || {
                    let is_running = current() == BuildStatus::Running;
                    activity.get().filter(|_| is_running).map(|(kind, detail)| {
                        let text = if detail.is_empty() { kind.label().to_owned() } else { format!("{}: {detail}", kind.label()) };
                        let full_text = text.clone();
                        view! {
                            <p class="truncate text-indigo-700 dark:text-indigo-300" data-testid="activity" title=full_text>
                                <Shimmer is_on=true>{text}</Shimmer>
                            </p>
                        }
                    })
                }}
            </div>
            {move || progress.get().map(|(done, total, elapsed, remaining)| {
                let percent = if total > 0 { (done.clamp(0, total) * 100) / total } else { 0 };
                let time = match (elapsed, remaining) {
                    (Some(elapsed), Some(left)) => format!("{} so far · about {} left", duration(elapsed), duration(left)),
                    (Some(elapsed), None) => format!("{} so far", duration(elapsed)),
                    _ => String::new(),
                };
                view! {
                    <div class="mt-4">
                        <div class="flex justify-between gap-2 text-xs text-slate-600 dark:text-slate-400">
                            <span data-testid="progress">{format!("{done} of {total} features pass")}</span>
                            <span>{time}</span>
                        </div>
                        <div
                            class="mt-1 h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
                            role="progressbar"
                            aria-label="Features passing"
                            aria-valuemin="0"
                            aria-valuemax=total
                            aria-valuenow=done
                        >
                            <div class="h-2 rounded-full bg-indigo-600 transition-[width] duration-500" style=format!("width: {percent}%")></div>
                        </div>
                    </div>
                }
            })}
            <NotifyMe status />
        </section>
    }
    .into_any()
}

/// While the build has not ended: an offer to be notified when it ends or
/// pauses, or what the person already chose.
#[component]
fn NotifyMe(status: Memo<(BuildStatus, Option<String>)>) -> impl IntoView {
    // Only the browser knows; read after hydration so both renders agree.
    let choice = RwSignal::new(NotificationChoice::Unavailable);
    Effect::new(move |_| choice.set(notification_choice()));
    let note = |text: &'static str| {
        view! { <p class="mt-3 text-xs text-slate-500 dark:text-slate-400" data-testid="notify-choice">{text}</p> }.into_any()
    };
    move || {
        if status.get().0.is_final() {
            return ().into_any();
        }
        match choice.get() {
            NotificationChoice::NotAsked => view! {
                <div class="mt-3">
                    <Button size=ButtonSize::Small on_click=move |_| ask_for_notifications(move |answer| choice.set(answer))>
                        "Notify me when it ends"
                    </Button>
                </div>
            }
            .into_any(),
            NotificationChoice::Allowed => note("You will get a notification when it ends or pauses."),
            NotificationChoice::Refused => note("Notifications are blocked for this site in your browser's settings."),
            NotificationChoice::Unavailable => ().into_any(),
        }
    }
}
