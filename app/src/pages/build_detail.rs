//! `/builds/:id`: one build. Its status and controls (cancel, pause,
//! resume), what the agent is doing now (phase, activity, progress, the
//! feature checklist, tests, files, errors) and the full log, live over
//! server-sent events. The server renders the build and the log's first page,
//! so the page reads without JavaScript; after hydration the build stream
//! replays the history and follows the build, and log lines the page already
//! shows are recognised by their sequence numbers.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use leptos_router::params::ParamsMap;
use server_fn::ServerFn;
use uuid::Uuid;

use crate::api::builds::{
    get_build, get_build_log, BuildDetail, BuildEvent, BuildStatus, BuildView, CancelBuild, EgressVerdict,
    FeatureView, FileChange, LogLine, LogPage, LogStream, NetworkAccess, PauseBuild, ResumeBuild, Severity,
    StoredBuildEvent, StreamedBuildEvent, DEFAULT_LOG_PAGE, MAX_LOG_PAGE,
};
use crate::api::specs::group_thousands;
use crate::components::build_status_badge::BuildStatusBadge;
use crate::components::dialog::ConfirmDialog;
use crate::components::form::FormError;
use crate::components::load_error::LoadError;
use crate::components::shimmer::Shimmer;
use crate::error::AppError;
use crate::format::{duration, timestamp};

#[component]
pub fn BuildDetailPage() -> impl IntoView {
    let params = use_params_map();
    let build_id = Memo::new(move |_| build_id_of(&params.read()));
    let build = Resource::new(
        move || build_id.get(),
        |id| async move {
            match id {
                Some(id) => get_build(id).await,
                None => Err(no_such_build()),
            }
        },
    );
    let first_log = Resource::new(
        move || build_id.get(),
        |id| async move {
            match id {
                Some(id) => get_build_log(id, 0, DEFAULT_LOG_PAGE).await,
                None => Err(no_such_build()),
            }
        },
    );

    view! {
        <Transition fallback=|| view! { <DetailSkeleton /> }>
            {move || Suspend::new(async move {
                match (build.await, first_log.await) {
                    (Ok(detail), Ok(log)) => view! { <BuildPage detail log /> }.into_any(),
                    (Err(error), _) | (_, Err(error)) => {
                        let title = if matches!(error, AppError::NotFound(_)) { "Build not found" } else { "Build" };
                        let retry = Callback::new(move |()| {
                            build.refetch();
                            first_log.refetch();
                        });
                        view! {
                            <Title text=title />
                            <LoadError error retry />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

fn build_id_of(params: &ParamsMap) -> Option<Uuid> {
    params.get("id").and_then(|id| Uuid::parse_str(&id).ok())
}

fn no_such_build() -> AppError {
    AppError::NotFound("There is no such build. It may have been deleted.".into())
}

/// The loaded build. It owns what changes while the page is open: the build
/// (replaced by each action's answer and by a refetch when the stream reports
/// a new status), the view folded from the stream's events, and the log.
#[component]
fn BuildPage(detail: BuildDetail, log: LogPage) -> impl IntoView {
    let id = detail.id;
    let title = format!("Build of {}", detail.spec_name);
    let detail = RwSignal::new(detail);
    let live = RwSignal::new(BuildView::default());
    // `None` while not following (during server rendering, after the end).
    let connection = RwSignal::new(None::<bool>);
    let first_page_lines = log.lines.len();
    let more_after_first_page = log.next_after;
    let chunks = RwSignal::new(LogChunk::from_lines(log.lines).into_iter().collect::<Vec<_>>());
    let log_panel = NodeRef::<leptos::html::Div>::new();
    // Whether the log panel sticks to its end as lines arrive: until the
    // reader scrolls up, and again once they scroll back down.
    let is_following = RwSignal::new(true);

    let cancel = ServerAction::<CancelBuild>::new();
    let pause = ServerAction::<PauseBuild>::new();
    let resume = ServerAction::<ResumeBuild>::new();
    adopt_answers(cancel, detail);
    adopt_answers(pause, detail);
    adopt_answers(resume, detail);
    let action_error = Signal::derive(move || {
        cancel
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| pause.value().get().and_then(Result::err))
            .or_else(|| resume.value().get().and_then(Result::err))
    });

    // The build row and the events are two views of one history; whichever
    // has seen more events tells the status.
    let status = Memo::new(move |_| {
        let (seen, status, reason) =
            detail.with(|detail| (detail.last_event_seq, detail.status, detail.status_reason.clone()));
        live.with(|view| match view.status {
            Some(live_status) if view.last_seq > seen => (live_status, view.status_reason.clone()),
            _ => (status, reason),
        })
    });

    follow_live(LiveParts { id, detail, live, connection, chunks, log_panel, is_following });

    let line_count =
        Memo::new(move |_| chunks.with(|chunks| chunks.iter().map(|chunk| chunk.lines.len()).sum::<usize>()));
    let has_lines = move || line_count.get() != 0;
    let has_more_than_first_page = move || line_count.get() > first_page_lines;

    view! {
        <Title text=title />
        <BuildHeader detail=detail.read_only() status cancel pause resume action_error />
        <div class="grid gap-6 xl:grid-cols-[22rem_1fr]">
            // Each half erased to a plain view: one nested type for the whole page
            // is deeper than the compiler will lay out.
            {view! {
            <aside class="min-w-0 space-y-4" aria-label="What the agent is doing">
                <NowPanel detail=detail.read_only() live=live.read_only() status connection=connection.read_only() />
                <FeatureChecklist detail=detail.read_only() live=live.read_only() status />
                <WorkDetails live=live.read_only() />
            </aside>
            }.into_any()}
            {view! {
            <section class="min-w-0" aria-labelledby="log-heading">
                <div class="mb-2 flex items-center justify-between gap-3">
                    <h2 id="log-heading" class="font-semibold">"Log"</h2>
                    <div class="flex items-center gap-3">
                        <Show when=move || !is_following.get() && has_lines()>
                            <button
                                type="button"
                                class="rounded-lg border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 dark:border-slate-700 dark:hover:bg-slate-800"
                                on:click=move |_| scroll_to_end(log_panel)
                            >
                                "Jump to the end ↓"
                            </button>
                        </Show>
                        <span class="text-xs tabular-nums text-slate-500 dark:text-slate-400" data-testid="log-count">
                            {move || match line_count.get() {
                                1 => "1 line".to_owned(),
                                count => format!("{} lines", group_thousands(count)),
                            }}
                        </span>
                    </div>
                </div>
                <div
                    node_ref=log_panel
                    role="region"
                    aria-label="Build log"
                    tabindex="0"
                    data-testid="build-log"
                    class="h-[36rem] overflow-y-auto rounded-2xl bg-slate-950 p-4 font-mono text-xs leading-5 text-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
                    on:scroll=move |_| {
                        if let Some(panel) = log_panel.get_untracked() {
                            let is_at_end = panel.scroll_top() + panel.client_height() + 32 >= panel.scroll_height();
                            if is_following.get_untracked() != is_at_end {
                                is_following.set(is_at_end);
                            }
                        }
                    }
                >
                    <Show when=move || !has_lines()>
                        <p class="text-slate-400">"No log lines yet."</p>
                    </Show>
                    <For each=move || chunks.get() key=LogChunk::key let:chunk>
                        {chunk.lines.iter().map(|line| view! { <LogRow line=line.clone() /> }).collect_view()}
                    </For>
                    {more_after_first_page.map(|after| view! {
                        // Only until the stream brings the rest.
                        <Show when=move || !has_more_than_first_page()>
                            <p class="mt-2 text-amber-300">
                                {format!("The first {first_page_lines} lines are shown; with JavaScript on, the rest streams in here. ")}
                                <a
                                    href=format!("/api/builds/{id}/logs?after={after}&limit={MAX_LOG_PAGE}")
                                    rel="external"
                                    class="underline"
                                >
                                    "Read the next lines as JSON"
                                </a>
                            </p>
                        </Show>
                    })}
                </div>
            </section>
            }.into_any()}
        </div>
    }
    .into_any()
}

/// Takes every successful answer of `action` (the build as it now is) as the
/// page's build, unless the page already knows a newer one.
fn adopt_answers<S>(action: ServerAction<S>, detail: RwSignal<BuildDetail>)
where
    S: ServerFn<Output = BuildDetail, Error = AppError> + Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(fresh)) = action.value().get() {
            adopt(detail, fresh);
        }
    });
}

fn adopt(detail: RwSignal<BuildDetail>, fresh: BuildDetail) {
    detail.try_maybe_update(|current| {
        let is_newer = fresh.last_event_seq >= current.last_event_seq;
        if is_newer {
            *current = fresh;
        }
        (is_newer, ())
    });
}

/// Consecutive log lines shown together: the first page, then each batch
/// from the stream. Appending a batch renders only its own lines.
#[derive(Debug, Clone)]
struct LogChunk {
    lines: Arc<[LogLine]>,
}

impl LogChunk {
    fn from_lines(lines: Vec<LogLine>) -> Option<Self> {
        (!lines.is_empty()).then(|| LogChunk { lines: lines.into() })
    }

    fn key(&self) -> i64 {
        self.lines.first().map_or(0, |line| line.seq)
    }

    fn last_seq(&self) -> i64 {
        self.lines.last().map_or(0, |line| line.seq)
    }
}

/// Scrolls the log to its newest line once the lines just added are drawn.
fn scroll_to_end(log_panel: NodeRef<leptos::html::Div>) {
    request_animation_frame(move || {
        if let Some(panel) = log_panel.try_get_untracked().flatten() {
            panel.set_scroll_top(panel.scroll_height());
        }
    });
}

/// What the stream keeps up to date.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct LiveParts {
    id: Uuid,
    detail: RwSignal<BuildDetail>,
    live: RwSignal<BuildView>,
    connection: RwSignal<Option<bool>>,
    chunks: RwSignal<Vec<LogChunk>>,
    log_panel: NodeRef<leptos::html::Div>,
    is_following: RwSignal<bool>,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl LiveParts {
    /// Folds a batch of events in and appends its new log lines; answers
    /// whether a live (not replayed) status change came with it.
    fn take_in(self, batch: Vec<StreamedBuildEvent>) -> bool {
        let Some(shown_up_to) =
            self.chunks.try_with_untracked(|chunks| chunks.last().map_or(0, LogChunk::last_seq))
        else {
            return false;
        };
        let mut lines = Vec::new();
        let mut has_new_status = false;
        self.live.try_update(|view| {
            for streamed in batch {
                has_new_status |= !streamed.historical && matches!(streamed.event, BuildEvent::Status { .. });
                let stored = StoredBuildEvent { seq: streamed.seq, at: streamed.at, event: streamed.event };
                view.apply(&stored);
                if let BuildEvent::Log { stream, line } = stored.event {
                    if stored.seq > shown_up_to {
                        lines.push(LogLine { seq: stored.seq, at: stored.at, stream, line });
                    }
                }
            }
        });
        if let Some(chunk) = LogChunk::from_lines(lines) {
            self.chunks.try_update(|chunks| chunks.push(chunk));
            if self.is_following.try_get_untracked() == Some(true) {
                scroll_to_end(self.log_panel);
            }
        }
        has_new_status
    }

    /// Loads the build again (its times and tokens moved on); an answer
    /// older than what the page shows is dropped.
    fn refresh(self) {
        let (id, detail) = (self.id, self.detail);
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = get_build(id).await {
                adopt(detail, fresh);
            }
        });
    }
}

/// How long stream events gather before the page shows them: a busy build
/// re-renders a few times a second, not once per log line.
#[cfg(feature = "hydrate")]
const BATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(150);

/// Follows the build stream from the first event for as long as the page is
/// open. Browser only: nothing streams during server rendering.
#[cfg(feature = "hydrate")]
fn follow_live(parts: LiveParts) {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use send_wrapper::SendWrapper;

    use crate::build_stream::follow_build;

    /// Events received since the page last showed any.
    #[derive(Default)]
    struct Arriving {
        events: RefCell<Vec<StreamedBuildEvent>>,
        flush_timer: Cell<Option<TimeoutHandle>>,
    }

    impl Arriving {
        fn cancel_flush(&self) {
            if let Some(timer) = self.flush_timer.take() {
                timer.clear();
            }
        }
    }

    Effect::new(move |_| {
        let arriving = Rc::new(Arriving::default());
        // Answers whether it asked for the build again.
        let flush = {
            let arriving = Rc::clone(&arriving);
            move || {
                arriving.cancel_flush();
                let batch = arriving.events.take();
                let has_new_status = !batch.is_empty() && parts.take_in(batch);
                if has_new_status {
                    parts.refresh();
                }
                has_new_status
            }
        };
        let on_event = {
            let (arriving, flush) = (Rc::clone(&arriving), flush.clone());
            move |streamed: StreamedBuildEvent| {
                arriving.events.borrow_mut().push(streamed);
                if arriving.flush_timer.get().is_none() {
                    let flush = flush.clone();
                    arriving.flush_timer.set(
                        set_timeout_with_handle(
                            move || {
                                flush();
                            },
                            BATCH_EVERY,
                        )
                        .ok(),
                    );
                }
            }
        };
        let on_complete = move |_status: BuildStatus, _reason: Option<String>| {
            let has_refreshed = flush();
            parts.connection.set(None);
            let was_running =
                parts.detail.try_with_untracked(|detail| !detail.status.is_final()) == Some(true);
            if was_running && !has_refreshed {
                parts.refresh();
            }
        };
        let on_connection = move |is_connected: bool| parts.connection.set(Some(is_connected));
        let follower = follow_build(parts.id, on_event, on_complete, on_connection);
        if parts.detail.with_untracked(|detail| !detail.status.is_final()) {
            scroll_to_end(parts.log_panel);
        }
        let held = SendWrapper::new((follower, arriving));
        on_cleanup(move || {
            let (follower, arriving) = held.take();
            drop(follower);
            arriving.cancel_flush();
        });
    });
}

#[cfg(not(feature = "hydrate"))]
fn follow_live(_parts: LiveParts) {}

const SECONDARY_BUTTON: &str = "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800";

#[component]
fn BuildHeader(
    detail: ReadSignal<BuildDetail>,
    status: Memo<(BuildStatus, Option<String>)>,
    cancel: ServerAction<CancelBuild>,
    pause: ServerAction<PauseBuild>,
    resume: ServerAction<ResumeBuild>,
    action_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let (id, spec_id, spec_name) =
        detail.with_untracked(|detail| (detail.id, detail.spec_id, detail.spec_name.clone()));
    let current = Signal::derive(move || status.get().0);
    let reason = move || status.get().1;
    // Only while paused: a resumed build no longer waits.
    let resume_at = move || {
        (current.get() == BuildStatus::Paused).then(|| detail.with(|detail| detail.resume_at)).flatten()
    };
    let is_confirming_cancel = RwSignal::new(false);
    let is_acting = move || cancel.pending().get() || pause.pending().get() || resume.pending().get();
    let spec = match spec_id {
        Some(spec_id) => view! {
            <A href=format!("/specs/{spec_id}") attr:class="text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600 dark:text-indigo-300">{spec_name.clone()}</A>
        }
        .into_any(),
        None => view! { <span>{spec_name.clone()}</span> }.into_any(),
    };

    view! {
        <header class="mb-6 flex flex-col gap-4 lg:flex-row lg:items-start lg:justify-between">
            <div class="min-w-0">
                <p class="text-sm">
                    <a href="/builds" class="text-indigo-600 hover:underline dark:text-indigo-300">"← Builds"</a>
                </p>
                <h1 class="mt-1 text-2xl font-semibold tracking-tight sm:text-3xl">"Build of " {spec}</h1>
                <div class="mt-2 space-y-1" aria-live="polite" data-testid="build-state">
                    <p class="flex flex-wrap items-center gap-2">
                        <BuildStatusBadge status=current />
                        {move || reason().map(|reason| view! {
                            <span class="text-sm text-slate-700 dark:text-slate-300" data-testid="status-reason">{reason}</span>
                        })}
                    </p>
                    {move || resume_at().map(|at| view! {
                        <p class="text-sm text-slate-600 dark:text-slate-400">
                            {format!("Resumes by itself at {}.", timestamp(at))}
                        </p>
                    })}
                </div>
                <BuildFacts detail />
            </div>
            <div class="flex flex-col items-start gap-2 lg:items-end">
            <div class="flex flex-wrap gap-2" role="toolbar" aria-label="Build actions">
                <Show when=move || current.get().can_pause()>
                    <ActionForm action=pause>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button type="submit" class=SECONDARY_BUTTON disabled=is_acting>"Pause"</button>
                    </ActionForm>
                </Show>
                <Show when=move || current.get().can_resume()>
                    <ActionForm action=resume>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button
                            type="submit"
                            class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60"
                            disabled=is_acting
                        >
                            "Resume"
                        </button>
                    </ActionForm>
                </Show>
                <Show when=move || current.get().can_cancel()>
                    // A form, so Cancel works without JavaScript too; with it,
                    // the click asks first and the dialog sends.
                    <ActionForm action=cancel>
                        <input type="hidden" name="id" value=id.to_string() />
                        <button
                            type="submit"
                            class=format!("{SECONDARY_BUTTON} text-red-700 dark:text-red-300")
                            disabled=is_acting
                            on:click=move |event| {
                                event.prevent_default();
                                is_confirming_cancel.set(true);
                            }
                        >
                            "Cancel build"
                        </button>
                    </ActionForm>
                </Show>
            </div>
            <FormError error=action_error />
            </div>
        </header>
        <ConfirmDialog
            title="Cancel this build?"
            message="The agent stops and every process in its sandbox is killed. A cancelled build cannot be resumed; its work so far is kept."
            confirm_label="Cancel build"
            dismiss_label="Keep building"
            is_open=is_confirming_cancel
            on_confirm=Callback::new(move |()| {
                cancel.dispatch(CancelBuild { id });
            })
        />
    }
    .into_any()
}

/// Provider, model, tokens, sessions and times, as a description list.
#[component]
fn BuildFacts(detail: ReadSignal<BuildDetail>) -> impl IntoView {
    let tokens = |count: i64| group_thousands(usize::try_from(count).unwrap_or_default());
    let model = move || Some(detail.with(|detail| format!("{} · {}", detail.provider, detail.model)));
    let used = move || {
        Some(detail.with(|detail| {
            format!("{} in · {} out", tokens(detail.input_tokens), tokens(detail.output_tokens))
        }))
    };
    view! {
        <dl class="mt-3 flex flex-wrap gap-x-5 gap-y-1 text-xs">
            <Fact label="Model" value=model />
            <Fact label="Tokens" value=used />
            <Fact label="Sessions" value=move || Some(detail.with(|detail| detail.sessions.to_string())) />
            <Fact label="Created" value=move || Some(timestamp(detail.with(|detail| detail.created_at))) />
            <Fact label="Started" value=move || detail.with(|detail| detail.started_at).map(timestamp) />
            <Fact label="Finished" value=move || detail.with(|detail| detail.finished_at).map(timestamp) />
        </dl>
    }
    .into_any()
}

/// One entry of [`BuildFacts`]; absent while it has no value.
#[component]
fn Fact(label: &'static str, #[prop(into)] value: Signal<Option<String>>) -> impl IntoView {
    move || {
        value.get().map(|value| {
            view! {
                <div class="flex gap-1">
                    <dt class="text-slate-500 dark:text-slate-400">{label}</dt>
                    <dd class="font-medium text-slate-700 dark:text-slate-300">{value}</dd>
                </div>
            }
        })
    }
}

/// A white card of the side column.
#[component]
fn Panel(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">{title}</h2>
            {children()}
        </section>
    }
    .into_any()
}

#[component]
fn NowPanel(
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
        </section>
    }
    .into_any()
}

#[component]
fn FeatureChecklist(
    detail: ReadSignal<BuildDetail>,
    live: ReadSignal<BuildView>,
    status: Memo<(BuildStatus, Option<String>)>,
) -> impl IntoView {
    let features = Memo::new(move |_| live.with(|view| (view.features.clone(), view.current_feature)));
    let is_running = Memo::new(move |_| status.get().0 == BuildStatus::Running);
    view! {
        <Panel title="Features">
            {move || {
                let (features, current) = features.get();
                if features.is_empty() {
                    let (passing, total) = detail.with(|detail| (detail.features_passing, detail.features_total));
                    let text = if total > 0 {
                        format!("{passing} of {total} features pass.")
                    } else {
                        "The agent's first session plans the features; they are checked off here one by one.".to_owned()
                    };
                    return view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">{text}</p> }.into_any();
                }
                let is_running = is_running.get();
                view! {
                    <ul class="mt-3 space-y-2 text-sm" data-testid="features">
                        {features.into_iter().map(|feature| {
                            let is_current = is_running && current == Some(feature.index);
                            view! { <FeatureItem feature is_current /> }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </Panel>
    }
    .into_any()
}

#[component]
fn FeatureItem(feature: FeatureView, is_current: bool) -> impl IntoView {
    let (mark, mark_class, state) = match feature.passed {
        Some(true) => ("✓", "text-emerald-600 dark:text-emerald-400", "passed"),
        Some(false) => ("✗", "text-red-600 dark:text-red-400", "failed"),
        None if is_current => ("●", "animate-pulse text-indigo-500", "in progress"),
        None => ("○", "text-slate-400", "not finished"),
    };
    let tests = (feature.tests_passed + feature.tests_failed > 0)
        .then(|| format!("{} tests passed, {} failed", feature.tests_passed, feature.tests_failed));
    view! {
        <li class="flex gap-2" data-passed=feature.passed.map(|passed| passed.to_string())>
            <span class=format!("w-4 shrink-0 text-center font-semibold {mark_class}") aria-hidden="true">{mark}</span>
            <span class="min-w-0">
                <span class="sr-only">{format!("{state}: ")}</span>
                <Shimmer is_on=is_current>{feature.description}</Shimmer>
                {tests.map(|tests| view! { <span class="block text-xs text-slate-500 dark:text-slate-400">{tests}</span> })}
            </span>
        </li>
    }
    .into_any()
}

/// The last test run, the files the agent touched and the errors it met.
#[component]
fn WorkDetails(live: ReadSignal<BuildView>) -> impl IntoView {
    let test_run = Memo::new(move |_| live.with(|view| view.last_test_run.clone()));
    let files = Memo::new(move |_| live.with(|view| view.files.clone()));
    let errors = Memo::new(move |_| live.with(|view| view.errors.clone()));
    let network = Memo::new(move |_| live.with(|view| view.network.clone()));
    view! {
        <Panel title="Work">
            <div class="mt-2 space-y-3 text-sm">
                {move || match test_run.get() {
                    Some((command, passed, failed, exit_code)) => {
                        let outcome = match exit_code {
                            Some(code) => format!("{passed} passed, {failed} failed (exit code {code})"),
                            None => format!("{passed} passed, {failed} failed (no exit code)"),
                        };
                        let tone = if failed == 0 && exit_code == Some(0) {
                            "text-emerald-700 dark:text-emerald-300"
                        } else {
                            "text-red-700 dark:text-red-300"
                        };
                        let full_command = command.clone();
                        view! {
                            <div data-testid="last-test-run">
                                <p class="font-medium">"Last test run"</p>
                                <p class=tone>{outcome}</p>
                                <p class="truncate font-mono text-xs text-slate-500 dark:text-slate-400" title=full_command>{command}</p>
                            </div>
                        }
                        .into_any()
                    }
                    None => view! { <p class="text-slate-500 dark:text-slate-400">"No tests run yet."</p> }.into_any(),
                }}
                <details>
                    <summary class="cursor-pointer font-medium focus-visible:outline-2 focus-visible:outline-indigo-600">
                        {move || format!("Files touched ({})", files.with(Vec::len))}
                    </summary>
                    <ul class="mt-1 max-h-64 space-y-0.5 overflow-y-auto font-mono text-xs">
                        {move || files.get().into_iter().map(|(path, change)| {
                            let (mark, label) = match change {
                                FileChange::Created => ("+", "created"),
                                FileChange::Modified => ("~", "modified"),
                                FileChange::Deleted => ("−", "deleted"),
                            };
                            let title = format!("{label}: {path}");
                            view! {
                                <li class="truncate" title=title>
                                    <span aria-hidden="true" class="mr-1 text-slate-400">{mark}</span>
                                    <span class="sr-only">{format!("{label}: ")}</span>
                                    {path}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </details>
                {move || {
                    let network = network.get();
                    (!network.is_empty()).then(|| view! { <NetworkList network /> })
                }}
                {move || {
                    let errors = errors.get();
                    (!errors.is_empty()).then(|| view! {
                        <div data-testid="build-errors">
                            <p class="font-medium text-red-700 dark:text-red-300">{format!("Errors ({})", errors.len())}</p>
                            <ul class="mt-1 max-h-64 space-y-1 overflow-y-auto text-xs">
                                {errors.into_iter().map(|(severity, message, recovered)| {
                                    let tone = match severity {
                                        Severity::Warning => "text-amber-800 dark:text-amber-200",
                                        Severity::Error => "text-red-800 dark:text-red-200",
                                    };
                                    view! {
                                        <li class=tone>
                                            {message}
                                            {recovered.then_some(view! { <span class="text-slate-500 dark:text-slate-400">" (the build carried on)"</span> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </div>
                    })
                }}
            </div>
        </Panel>
    }
    .into_any()
}

/// The hosts the build tried to reach through the egress proxy.
#[component]
fn NetworkList(network: Vec<NetworkAccess>) -> impl IntoView {
    let denied = network.iter().filter(|access| access.verdict != EgressVerdict::Allowed).count();
    view! {
        <details data-testid="build-network" open=denied > 0>
            <summary class="cursor-pointer font-medium focus-visible:outline-2 focus-visible:outline-indigo-600">
                {format!("Network ({} hosts, {denied} refused or failed)", network.len())}
            </summary>
            <ul class="mt-1 max-h-64 space-y-0.5 overflow-y-auto font-mono text-xs">
                {network.into_iter().map(|access| {
                    let (mark, label, tone) = match access.verdict {
                        EgressVerdict::Allowed => ("✓", "reached", "text-emerald-700 dark:text-emerald-300"),
                        EgressVerdict::Denied => ("✕", "refused", "text-red-700 dark:text-red-300"),
                        EgressVerdict::Failed => ("!", "failed", "text-amber-800 dark:text-amber-200"),
                    };
                    let times = (access.attempts > 1).then(|| format!(" ×{}", access.attempts));
                    let title = access.reason.clone().unwrap_or_else(|| label.to_owned());
                    view! {
                        <li class=tone title=title>
                            <span aria-hidden="true" class="mr-1">{mark}</span>
                            <span class="sr-only">{format!("{label}: ")}</span>
                            {format!("{}:{}", access.host, access.port)}
                            {times}
                            {access.reason.map(|reason| view! { <span class="block truncate text-slate-500 dark:text-slate-400">{reason}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}

#[component]
fn LogRow(line: LogLine) -> impl IntoView {
    let tone = match line.stream {
        LogStream::Stdout => "",
        LogStream::Stderr => "text-red-300",
        LogStream::System => "text-slate-400",
    };
    view! {
        <div class=format!("min-h-5 whitespace-pre-wrap break-all {tone}") data-seq=line.seq data-stream=stream_name(line.stream)>
            {line.line}
        </div>
    }
}

fn stream_name(stream: LogStream) -> &'static str {
    match stream {
        LogStream::Stdout => "stdout",
        LogStream::Stderr => "stderr",
        LogStream::System => "system",
    }
}

#[component]
fn DetailSkeleton() -> impl IntoView {
    view! {
        <div class="space-y-4" aria-busy="true" aria-label="Loading the build">
            <div class="h-5 w-24 animate-pulse rounded bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-9 w-1/2 animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800"></div>
            <div class="grid gap-6 xl:grid-cols-[22rem_1fr]">
                <div class="h-72 animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800"></div>
                <div class="h-[36rem] animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800"></div>
            </div>
        </div>
    }
}
