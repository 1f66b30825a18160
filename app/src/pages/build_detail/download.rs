//! The Download card: the archive of an ended build as its state allows.
//! Stored, a plain link downloads it (no JavaScript needed); on its way, the
//! card says so while the page asks again; failed, it can be retried.

use std::time::Duration;

use leptos::ev::MouseEvent;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::artifacts::RetryBuildArtifact;
use crate::browser::copy_to_clipboard;
use crate::components::button::{Button, ButtonLink, ButtonTone};
use crate::components::form::{FormError, ServerForm};
use crate::components::panel::{Panel, Row};
use crate::components::shimmer_text::ShimmerText;
use crate::format::{byte_size, group_thousands, timestamp};
use crate::model::artifacts::{ArchiveSummary, ArtifactInfo, ArtifactState};

/// How long "Starting download…" shows: the browser tells the page nothing
/// when a download begins.
const STARTING_FOR: Duration = Duration::from_secs(3);

/// Hex digits of the checksum shown; the whole one is in the title and copied.
const SHORT_SHA: usize = 12;

#[component]
pub(super) fn DownloadCard(
    id: Uuid,
    artifact: ArtifactInfo,
    /// What the manifest says of the archive, once it is stored.
    archive: Option<ArchiveSummary>,
    retry: ServerAction<RetryBuildArtifact>,
) -> impl IntoView {
    let state = artifact.state;
    let body = match state {
        ArtifactState::Stored => view! { <StoredArchive id artifact archive /> }.into_any(),
        ArtifactState::Pending | ArtifactState::Uploading => view! {
            <p class="mt-2 text-sm text-indigo-700 dark:text-indigo-300" role="status">
                <ShimmerText is_on=true>"Archiving the work…"</ShimmerText>
            </p>
            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                "The download appears here as soon as the archive is stored and checked."
            </p>
        }
        .into_any(),
        ArtifactState::Failed => view! { <FailedUpload id artifact retry /> }.into_any(),
        ArtifactState::Expired => {
            let when = artifact.expires_at.map(|at| format!(" on {}", timestamp(at))).unwrap_or_default();
            view! {
                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                    {format!("The archive was removed by the retention policy{when}. The log and the evidence stay.")}
                </p>
                {artifact.message.map(|message| view! { <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{message}</p> })}
            }
            .into_any()
        }
        ArtifactState::None => view! {
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                "Nothing to download: this build ended before the agent did any work."
            </p>
        }
        .into_any(),
    };
    view! {
        <Panel title="Download">
            <div data-testid="artifact" data-state=state.as_str() aria-live="polite">{body}</div>
        </Panel>
    }
}

#[component]
fn StoredArchive(id: Uuid, artifact: ArtifactInfo, archive: Option<ArchiveSummary>) -> impl IntoView {
    let is_starting = RwSignal::new(false);
    let start = move |_: MouseEvent| {
        // The link itself downloads; this only says so for a moment.
        is_starting.set(true);
        set_timeout(
            move || {
                is_starting.try_set(false);
            },
            STARTING_FOR,
        );
    };
    let sha = artifact.sha256.clone().unwrap_or_default();
    let short_sha = sha.get(..SHORT_SHA).map_or_else(|| sha.clone(), |short| format!("{short}…"));
    let is_copied = RwSignal::new(false);
    let files = artifact.file_count.map(|count| group_thousands(usize::try_from(count).unwrap_or_default()));
    let git = archive.as_ref().filter(|archive| archive.git_files > 0).map(|archive| {
        format!(
            "Includes the agent's git history ({} files, {}).",
            group_thousands(usize::try_from(archive.git_files).unwrap_or_default()),
            byte_size(archive.git_bytes)
        )
    });
    let excluded = archive
        .filter(|archive| !archive.excluded.is_empty())
        .map(|archive| format!("Left out: {}.", archive.excluded.join(", ")));
    view! {
        <dl class="mt-3 space-y-2 text-sm" data-testid="artifact-facts">
            {artifact.size_bytes.map(|size| view! { <Row label="Size">{byte_size(size)}</Row> })}
            {files.map(|files| view! { <Row label="Files">{files}</Row> })}
            {(!sha.is_empty()).then(|| {
                let full = sha.clone();
                view! {
                    <Row label="SHA-256">
                        <span class="inline-flex items-center gap-2">
                            <code class="font-mono text-xs" title=sha.clone() data-testid="artifact-sha">{short_sha}</code>
                            <button
                                type="button"
                                class="rounded px-1.5 py-0.5 text-xs font-medium text-indigo-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:text-indigo-300 dark:hover:bg-slate-800"
                                aria-label="Copy the full SHA-256"
                                on:click=move |_| {
                                    copy_to_clipboard(&full);
                                    is_copied.set(true);
                                }
                            >
                                {move || if is_copied.get() { "Copied" } else { "Copy" }}
                            </button>
                        </span>
                    </Row>
                }
            })}
            {artifact.stored_at.map(|at| view! { <Row label="Stored">{timestamp(at)}</Row> })}
            {artifact.expires_at.map(|at| view! { <Row label="Kept until">{timestamp(at)}</Row> })}
        </dl>
        <div class="mt-4">
            <ButtonLink
                tone=ButtonTone::Primary
                href=format!("/api/builds/{id}/artifacts")
                attr:download=artifact.file_name.clone()
                attr:rel="external"
                attr:data-testid="download-archive"
                attr:aria-busy=move || is_starting.get().to_string()
                on_click=Callback::new(start)
            >
                {move || if is_starting.get() { "Starting download…" } else { "Download" }}
            </ButtonLink>
            <p class="mt-2 truncate font-mono text-xs text-slate-500 dark:text-slate-400" title=artifact.file_name.clone()>
                {artifact.file_name.clone()}
            </p>
        </div>
        {(git.is_some() || excluded.is_some()).then(|| view! {
            <p class="mt-3 text-xs text-slate-500 dark:text-slate-400">
                {git}
                {excluded.map(|excluded| view! { " " {excluded} })}
            </p>
        })}
    }
}

#[component]
fn FailedUpload(id: Uuid, artifact: ArtifactInfo, retry: ServerAction<RetryBuildArtifact>) -> impl IntoView {
    let message = artifact.message.unwrap_or_else(|| "Storing the archive failed.".to_owned());
    let error = Signal::derive(move || retry.value().get().and_then(Result::err));
    view! {
        <p class="mt-2 text-sm text-red-800 dark:text-red-200" data-testid="artifact-message">{message}</p>
        <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
            "The work directory is kept, so the upload can be tried again."
        </p>
        <div class="mt-3 space-y-2">
            // A form like the header's actions, so it works without JavaScript.
            <ServerForm action=retry arguments=move |_| RetryBuildArtifact { build_id: id }>
                <input type="hidden" name="build_id" value=id.to_string() />
                <Button is_submit=true disabled=Signal::derive(move || retry.pending().get())>
                    {move || if retry.pending().get() { "Retrying…" } else { "Retry upload" }}
                </Button>
            </ServerForm>
            <FormError error />
        </div>
    }
}
