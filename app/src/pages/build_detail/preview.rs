//! The build page's Preview view: the app the agent builds, running in the
//! build's sandbox and served from an origin of its own. "Open preview" and
//! the frame both go through `/api/builds/{id}/preview/open`, which hands
//! the browser a fresh signed link; the frame's reload asks for another.

use std::time::Duration;

use leptos::prelude::*;
use uuid::Uuid;

use super::tabs::BuildTab;
use crate::actions::count_successes;
use crate::api::previews::{get_preview_status, RestartPreview};
use crate::components::button::{classes, Button, ButtonSize, ButtonTone};
use crate::components::card::{card_class, CardPadding};
use crate::components::load_error::LoadError;
use crate::error::AppError;
use crate::loaded::{load, Loaded};
use crate::model::previews::{preview_open_path, PreviewState, PreviewStatus};
use crate::refresh::tick_while;

/// How often the state is read again while the app starts.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// The preview's state, loaded by the page (see `BuildDetailPage`) while
/// the Preview view is shown, and what asks for it again.
#[derive(Clone, Copy)]
pub(super) struct PreviewData {
    status: Loaded<Result<Option<PreviewStatus>, AppError>>,
    restart: ServerAction<RestartPreview>,
    polls: RwSignal<u32>,
}

impl PreviewData {
    pub(super) fn load(build_id: Memo<Option<Uuid>>, tab: Memo<BuildTab>) -> Self {
        let restart = ServerAction::<RestartPreview>::new();
        let restarted = count_successes(restart);
        let polls = RwSignal::new(0_u32);
        let status = load(
            move || (build_id.get(), tab.get() == BuildTab::Preview, restarted.get(), polls.get()),
            |(id, is_shown, _, _)| async move {
                match (id, is_shown) {
                    (Some(id), true) => get_preview_status(id).await.map(Some),
                    _ => Ok(None),
                }
            },
        );
        Self { status, restart, polls }
    }
}

#[component]
pub(super) fn PreviewView(id: Uuid, data: PreviewData) -> impl IntoView {
    let PreviewData { status, restart, polls } = data;
    tick_while(polls, POLL_EVERY, move || {
        status
            .with(|answer| matches!(answer, Some(Ok(Some(status))) if status.state == PreviewState::Starting))
    });

    view! {
        <section aria-labelledby="preview-heading" data-testid="build-preview">
            <h2 id="preview-heading" class="sr-only">"Preview"</h2>
            <Transition fallback=|| view! { <div class="h-96 animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800"></div> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(Some(status)) => view! { <PreviewBody id status restart /> }.into_any(),
                        // Only while the view is being left.
                        Ok(None) => ().into_any(),
                        Err(error) => view! {
                            <LoadError error retry=Callback::new(move |()| status.refetch()) />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn PreviewBody(id: Uuid, status: PreviewStatus, restart: ServerAction<RestartPreview>) -> impl IntoView {
    if !status.can_open() {
        let message = status.message.unwrap_or_else(|| "There is nothing to preview yet.".into());
        return view! {
            <div class="rounded-2xl border border-dashed border-slate-300 p-8 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                <p class="font-medium text-slate-800 dark:text-slate-200">"No preview"</p>
                <p class="mt-1" data-testid="preview-unavailable">{message}</p>
            </div>
        }
        .into_any();
    }
    let open = preview_open_path(id);
    // Each reload asks for a fresh link (the last one may have expired).
    let reloads = RwSignal::new(0_u32);
    let frame_source = {
        let open = open.clone();
        move || match reloads.get() {
            0 => open.clone(),
            count => format!("{open}?reload={count}"),
        }
    };
    let restart_error = move || restart.value().get().and_then(Result::err).map(|error| error.to_string());
    let how = match (&status.command, status.port) {
        (Some(command), Some(port)) => format!("`{command}` on port {port}"),
        _ => String::new(),
    };
    view! {
        <div class=card_class(CardPadding::Flush)>
            <div class="flex flex-wrap items-center gap-2 border-b border-slate-200 p-3 dark:border-slate-800">
                <span class="text-sm font-medium" data-testid="preview-state">{state_label(status.state)}</span>
                <code class="min-w-0 flex-1 truncate text-xs text-slate-500 dark:text-slate-400" title="Where the preview is served">
                    {status.address.clone().unwrap_or_default()}
                </code>
                <Button size=ButtonSize::Small on_click=Callback::new(move |_| reloads.update(|count| *count += 1))>
                    "Reload"
                </Button>
                <Button
                    size=ButtonSize::Small
                    disabled=restart.pending()
                    on_click=Callback::new(move |_| {
                        restart.dispatch(RestartPreview { build_id: id });
                    })
                >
                    "Restart app"
                </Button>
                <a class=classes(ButtonTone::Primary, ButtonSize::Small) href=open target="_blank" rel="noopener">
                    "Open preview"
                </a>
            </div>
            <Show when=move || restart_error().is_some()>
                <p class="px-3 pt-2 text-sm text-red-700 dark:text-red-300" role="alert">{restart_error}</p>
            </Show>
            <iframe
                class="h-[36rem] w-full rounded-b-2xl bg-white"
                title="The app's preview"
                src=frame_source
            ></iframe>
            <p class="px-3 py-2 text-xs text-slate-500 dark:text-slate-400">
                {format!("Runs {how} in the build's sandbox; it stops when nobody has looked for a while and starts again on the next visit. Its output is under App in the log.")}
                {status.message.map(|message| format!(" Last time: {message}"))}
            </p>
        </div>
    }
    .into_any()
}

fn state_label(state: PreviewState) -> &'static str {
    match state {
        PreviewState::Unavailable => "No preview",
        PreviewState::Stopped => "Stopped: starts when opened",
        PreviewState::Starting => "Starting…",
        PreviewState::Running => "Running",
        PreviewState::Failed => "Stopped after a failure",
    }
}
