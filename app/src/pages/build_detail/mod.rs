//! `/builds/:id`: one build. Its status and controls (cancel, pause,
//! resume), what the agent is doing now (phase, activity, progress, the
//! feature checklist, tests, files, errors) and the full log, live over
//! server-sent events. The server renders the build and the log's first page,
//! so the page reads without JavaScript; after hydration the build stream
//! replays the history and follows the build, and log lines the page already
//! shows are recognised by their sequence numbers. The server also folds the
//! stored events into the build's state, so phase, features, files and
//! errors read the same without JavaScript. Once the build has ended,
//! the page offers what it left behind: the archive to download, its files
//! to read, the evidence, and Delete. The Preview view shows the app itself,
//! running in the build's sandbox, while it builds and after.

mod control_form;
mod download;
mod features;
mod file_browser;
mod header;
mod live;
mod log;
mod notify_me;
mod preview;
mod result;
mod summary;
mod tabs;
mod work;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use leptos_router::params::ParamsMap;
use uuid::Uuid;

use self::features::FeatureChecklist;
use self::header::BuildHeader;
use self::live::{follow_live, LiveParts};
use self::log::{LogPanel, LogState};
use self::notify_me::NotifyMe;
use self::preview::{PreviewData, PreviewView};
use self::result::{BuildResult, ResultData};
use self::summary::SummaryCard;
use self::tabs::{chosen_tab, BuildTab, BuildTabs};
use self::work::WorkDetails;
use crate::actions::LastActionError;
use crate::api::builds::{get_build_log, get_build_page, ControlBuild, DeleteBuild};
use crate::build_stream::StreamHealth;
use crate::components::load_error::{LoadError, SubjectTitle};
use crate::error::AppError;
use crate::loaded::{load, load_subject, Loaded};
use crate::model::build_log::LogPage;
use crate::model::build_view::BuildPage as BuildPageData;
use crate::model::builds::{build_not_found, BuildDetail, BuildStatus, DEFAULT_LOG_PAGE};
use crate::notifications::notify;

#[component]
pub fn BuildDetailPage() -> impl IntoView {
    let params = use_params_map();
    let build_id = Memo::new(move |_| build_id_of(&params.read()));
    // Every resource of the page is made here, outside any Suspense
    // (`crate::loaded` says why).
    let build = load_subject(
        move || build_id.get(),
        |id| async move {
            match id {
                Some(id) => get_build_page(id).await,
                None => Err(build_not_found()),
            }
        },
    );
    let first_log = load(
        move || build_id.get(),
        |id| async move {
            match id {
                Some(id) => get_build_log(id, 0, DEFAULT_LOG_PAGE).await,
                None => Err(build_not_found()),
            }
        },
    );

    let tab = chosen_tab();
    let result = ResultData::load(build_id, BuildEnd::new(build));
    let preview = PreviewData::load(build_id, tab);

    view! {
        <SubjectTitle what="Build" subject=build title_of=|page: &BuildPageData| build_title(&page.detail, page.detail.status) />
        <Transition fallback=|| view! { <DetailSkeleton /> }>
            {move || Suspend::new(async move {
                match (build.await, first_log.await) {
                    (Ok(page), Ok(log)) => view! { <BuildPage page log tab result preview /> }.into_any(),
                    (Err(error), _) | (_, Err(error)) => {
                        let retry = Callback::new(move |()| {
                            build.refetch();
                            first_log.refetch();
                        });
                        view! { <LoadError error retry /> }.into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

/// The tab says how the build stands, so it reads from the tab bar.
fn build_title(detail: &BuildDetail, status: BuildStatus) -> String {
    format!("{} · Build of {}", status.label(), detail.spec_name)
}

fn build_id_of(params: &ParamsMap) -> Option<Uuid> {
    params.get("id").and_then(|id| Uuid::parse_str(&id).ok())
}

/// Whether the build has ended, for what exists only then (its result, its
/// files): as the page loaded it, or as the page watched it end, since the
/// build it loaded still says it runs.
#[derive(Clone, Copy)]
struct BuildEnd {
    build: Loaded<Result<BuildPageData, AppError>>,
    watched: RwSignal<bool>,
}

impl BuildEnd {
    fn new(build: Loaded<Result<BuildPageData, AppError>>) -> Self {
        Self { build, watched: RwSignal::new(false) }
    }

    /// Whether the page watched the build end (tracked: a resource that
    /// reads it asks again then).
    fn was_watched(self) -> bool {
        self.watched.get()
    }

    /// Marks the end the page watched.
    fn watch(self) {
        self.watched.set(true);
    }

    /// Whether the build had ended when the page loaded it.
    async fn was_over_when_loaded(self) -> bool {
        self.build.await.is_ok_and(|page| page.detail.status.is_final())
    }
}

/// The loaded build. It owns what changes while the page is open: the build
/// (replaced by each action's answer and by a refetch when the stream reports
/// a new status), the view (folded by the server from the stored events,
/// then from the stream's), and the log.
#[component]
fn BuildPage(
    page: BuildPageData,
    log: LogPage,
    tab: Memo<BuildTab>,
    result: ResultData,
    preview: PreviewData,
) -> impl IntoView {
    let BuildPageData { detail, view: folded } = page;
    let id = detail.id;
    let has_ended_live = !detail.status.is_final();
    let spec_name = detail.spec_name.clone();
    let detail = RwSignal::new(detail);
    let live = RwSignal::new(folded);
    // `None` while not following (during server rendering, after the end).
    let connection = RwSignal::new(None::<StreamHealth>);
    let reconnect = Trigger::new();
    let first_page_lines = log.lines.len();
    let more_after_first_page = log.next_after;
    let log = LogState::new(log.lines, has_ended_live, more_after_first_page.is_none());

    // Pause, resume and cancel.
    let control = ServerAction::<ControlBuild>::new();
    // Answered by a redirect to the build list, which the router follows.
    let delete = ServerAction::<DeleteBuild>::new();
    adopt_answers(control, detail);
    let action_error = LastActionError::new().follow(control).follow(delete).signal();

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

    follow_live(LiveParts { id, detail, live, connection, reconnect, log, more_after_first_page });
    tell_of_news(id, spec_name, status);
    // The tab follows the build as it goes (the title outside the page's
    // Transition has the status it loaded with).
    let title = move || detail.with(|detail| build_title(detail, status.get().0));

    view! {
        <Title text=title />
        <BuildHeader detail=detail.read_only() status connection=connection.read_only() on_reconnect=Callback::new(move |()| reconnect.notify()) control delete action_error />
        {view! {
            <SummaryCard detail=detail.read_only() live=live.read_only() status control>
                <NotifyMe status />
            </SummaryCard>
        }.into_any()}
        <div class="mb-3 mt-6">
            <BuildTabs id tab />
        </div>
        // Each view erased to a plain view: one nested type for the whole page
        // is deeper than the compiler will lay out.
        {move || match tab.get() {
            BuildTab::Activity => view! {
                <div class="grid gap-6 lg:grid-cols-2" aria-label="What the agent did" role="region">
                    <FeatureChecklist detail=detail.read_only() live=live.read_only() status />
                    <WorkDetails live=live.read_only() />
                </div>
            }
            .into_any(),
            BuildTab::Logs => view! { <LogPanel id log first_page_lines more_after_first_page /> }.into_any(),
            BuildTab::Preview => view! { <PreviewView id data=preview /> }.into_any(),
        }}
        // What the build left behind: the archive, its files, the evidence.
        <Show when=move || status.get().0.is_final()>
            <BuildResult id has_ended_live data=result />
        </Show>
    }
    .into_any()
}

/// A build that ends or pauses while its page is open says so in a
/// notification, if the person allowed them (the status and the tab's title
/// change in any case).
fn tell_of_news(id: Uuid, spec_name: String, status: Memo<(BuildStatus, Option<String>)>) {
    Effect::new(move |previous: Option<BuildStatus>| {
        let (current, reason) = status.get();
        let is_news = previous.is_some_and(|previous| previous != current)
            && (current.is_final() || current == BuildStatus::Paused);
        if is_news {
            let title = format!("Build of {spec_name}: {}", current.label().to_lowercase());
            notify(&title, reason.as_deref().unwrap_or_default(), &id.to_string());
        }
        current
    });
}

/// Takes every successful answer of a control (the build as it now is) as the
/// page's build, unless the page already knows a newer one.
fn adopt_answers(action: ServerAction<ControlBuild>, detail: RwSignal<BuildDetail>) {
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

#[component]
fn DetailSkeleton() -> impl IntoView {
    view! {
        <div class="space-y-4" aria-busy="true" aria-label="Loading the build">
            <div class="h-5 w-24 animate-pulse rounded bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-9 w-1/2 animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800"></div>
            <div class="grid grid-cols-1 gap-6 xl:grid-cols-[22rem_minmax(0,1fr)]">
                <div class="h-72 animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800"></div>
                <div class="h-[36rem] animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800"></div>
            </div>
        </div>
    }
}
