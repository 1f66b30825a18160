//! What an ended build leaves behind: the download of its work, the files
//! to read in place and the evidence. Loaded with the page, asked for again
//! when the stream reports the end, and every [`POLL_EVERY`] while the
//! archive is on its way.

use std::time::Duration;

use leptos::prelude::*;
use uuid::Uuid;

use super::download::DownloadCard;
use super::file_browser::{ChosenFile, FileBrowser};
use super::BuildEnd;
use crate::actions::count_successes;
use crate::api::artifacts::{get_build_result, RetryBuildArtifact};
use crate::components::load_error::LoadError;
use crate::error::AppError;
use crate::loaded::{load, Loaded};
use crate::model::artifacts::{ArtifactState, BuildResultPage, StoredResult};
use crate::model::builds::build_not_found;
use crate::refresh::tick_while;

/// How often the page asks again while the archive is being made.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// After watching the build end, an answer of `None` may come before the
/// server has queued the archive; the page asks this many times before
/// believing it.
const POLLS_FOR_A_LATE_START: u32 = 5;

/// The result, or `None` while the build has not ended: a running build
/// has none, so the server is not asked.
type ResultAnswer = Result<Option<BuildResultPage>, AppError>;

/// What the result shows, loaded by the page with the build (see
/// `BuildDetailPage`): the result, the file the address chooses, and what
/// asks for the result again (a retried upload, the polls, the end).
#[derive(Clone, Copy)]
pub(super) struct ResultData {
    result: Loaded<ResultAnswer>,
    retry: ServerAction<RetryBuildArtifact>,
    polls: RwSignal<u32>,
    end: BuildEnd,
    chosen: ChosenFile,
}

impl ResultData {
    pub(super) fn load(build_id: Memo<Option<Uuid>>, end: BuildEnd) -> Self {
        let retry = ServerAction::<RetryBuildArtifact>::new();
        let retried = count_successes(retry);
        let polls = RwSignal::new(0_u32);
        let result = load(
            move || (build_id.get(), retried.get(), polls.get(), end.was_watched()),
            move |(id, _, _, was_watched)| async move {
                let Some(id) = id else { return Err(build_not_found()) };
                if was_watched || end.was_over_when_loaded().await {
                    get_build_result(id).await.map(Some)
                } else {
                    Ok(None)
                }
            },
        );
        Self { result, retry, polls, end, chosen: ChosenFile::load(build_id, end) }
    }
}

#[component]
pub(super) fn BuildResult(
    id: Uuid,
    /// The page watched the build end (it was not over when the page opened).
    has_ended_live: bool,
    data: ResultData,
) -> impl IntoView {
    let ResultData { result, retry, polls, end, chosen } = data;
    if has_ended_live {
        // What the page loaded was from before the end; this asks again.
        end.watch();
    }
    poll_while_archiving(result, polls, has_ended_live);

    view! {
        <section class="mt-8" aria-labelledby="result-heading" data-testid="build-result">
            <h2 id="result-heading" class="mb-3 text-lg font-semibold">"The result"</h2>
            <Transition fallback=|| view! { <ResultSkeleton /> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(Some(result)) => view! { <ResultView id result retry chosen /> }.into_any(),
                        // Only for the moment before the end is known here.
                        Ok(None) => view! { <ResultSkeleton /> }.into_any(),
                        Err(error) => view! {
                            <LoadError error retry=Callback::new(move |()| result.refetch()) />
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

/// Asks for the result again after [`POLL_EVERY`] while the archive is
/// pending or uploading, or may still be about to start.
fn poll_while_archiving(result: Loaded<ResultAnswer>, polls: RwSignal<u32>, has_ended_live: bool) {
    tick_while(polls, POLL_EVERY, move || {
        let state = result.with(|answer| match answer {
            Some(Ok(Some(result))) => Some(result.artifact.state),
            _ => None,
        });
        match state {
            Some(state) if state.is_in_progress() => true,
            Some(ArtifactState::None) => has_ended_live && polls.get_untracked() < POLLS_FOR_A_LATE_START,
            _ => false,
        }
    });
}

#[component]
fn ResultView(
    id: Uuid,
    result: BuildResultPage,
    retry: ServerAction<RetryBuildArtifact>,
    chosen: ChosenFile,
) -> impl IntoView {
    let BuildResultPage { artifact, stored } = result;
    let state = artifact.state;
    let archive = stored.as_ref().map(|stored| stored.archive.clone());
    let (files, evidence) = match stored {
        Some(StoredResult { files_html, evidence_html, .. }) => {
            let files = view! { <FileBrowser id tree_html=files_html chosen /> }.into_any();
            // The server's HTML, shown as it is (hydration keeps it).
            (files, Some(view! { <div inner_html=evidence_html></div> }.into_any()))
        }
        None => (view! { <NoFiles state /> }.into_any(), None),
    };
    view! {
        <div class="grid grid-cols-1 gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]">
            <div class="min-w-0">{files}</div>
            <aside class="min-w-0 space-y-4" aria-label="Download and evidence">
                <DownloadCard id artifact archive retry />
                {evidence}
            </aside>
        </div>
    }
    .into_any()
}

/// Where the file browser would be, before there are files to browse.
#[component]
fn NoFiles(state: ArtifactState) -> impl IntoView {
    let text = match state {
        ArtifactState::Pending | ArtifactState::Uploading => {
            "The files can be read here once the work is archived."
        }
        ArtifactState::Failed => "The files can be read here once the archive is stored; retry the upload.",
        ArtifactState::Expired => "The archive was removed, and its files with it.",
        ArtifactState::None | ArtifactState::Stored => "There are no files to show for this build.",
    };
    view! {
        <div class="flex min-h-40 items-center justify-center rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-400">
            <p>{text}</p>
        </div>
    }
}

#[component]
fn ResultSkeleton() -> impl IntoView {
    view! {
        <div class="grid grid-cols-1 gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]" aria-busy="true" aria-label="Loading the result">
            <div class="h-96 animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-48 animate-pulse rounded-2xl bg-slate-200 dark:bg-slate-800"></div>
        </div>
    }
}
