//! A spec's version history: the versions, a comparison of one with the
//! current text, and a restore (as a new version, so nothing is lost).

use leptos::prelude::*;
use uuid::Uuid;

use crate::api::specs::{diff_spec_versions, list_spec_versions, RestoreSpecVersion};
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::card::{Card, CardPadding};
use crate::components::dialog::ConfirmDialog;
use crate::components::load_error::LoadError;
use crate::error::AppError;
use crate::format::{byte_size, timestamp};
use crate::loaded::{load, Loaded};
use crate::model::specs::{spec_not_found, LineChange, SpecDiff, SpecVersionSummary};

/// The spec's versions and the comparison chosen among them.
#[derive(Clone, Copy)]
pub(super) struct History {
    versions: Loaded<Result<Vec<SpecVersionSummary>, AppError>>,
    /// The version compared, and the current one it is compared with.
    compared: RwSignal<Option<(i32, i32)>>,
    diff: Loaded<Result<Option<SpecDiff>, AppError>>,
}

impl History {
    /// Reads the versions again after each save and each restore.
    pub(super) fn load(
        spec_id: impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static,
        saved: ReadSignal<u32>,
        restore: ServerAction<RestoreSpecVersion>,
    ) -> Self {
        let versions = load(
            move || (spec_id(), saved.get(), restore.version().get()),
            |(id, ..)| async move {
                match id {
                    Some(id) => list_spec_versions(id).await,
                    None => Err(spec_not_found()),
                }
            },
        );
        let compared = RwSignal::new(None::<(i32, i32)>);
        let diff = load(
            move || (spec_id(), compared.get()),
            |chosen| async move {
                match chosen {
                    (Some(id), Some((version, current))) => {
                        diff_spec_versions(id, version, current).await.map(Some)
                    }
                    _ => Ok(None),
                }
            },
        );
        Self { versions, compared, diff }
    }
}

#[component]
pub(super) fn VersionHistory(
    id: Uuid,
    current_version: i32,
    restore: ServerAction<RestoreSpecVersion>,
    history: History,
) -> impl IntoView {
    let History { versions, compared, diff } = history;
    let restoring = RwSignal::new(None::<i32>);
    let is_confirming = RwSignal::new(false);
    view! {
        <Card labelled_by="spec-history" padding=CardPadding::Compact class="text-sm">
            <h2 id="spec-history" class="font-semibold">"History"</h2>
            <Transition fallback=|| view! { <div class="mt-3 h-16 animate-pulse rounded-lg bg-slate-100 dark:bg-slate-800"></div> }>
                {move || Suspend::new(async move {
                    match versions.await {
                        Ok(list) => view! {
                            <ol data-testid="version-list" class="mt-3 space-y-2">
                                {list.into_iter().map(|version| {
                                    let number = version.version;
                                    let is_current = number == current_version;
                                    view! {
                                        <li class="flex items-center justify-between gap-2">
                                            <span>
                                                <span class="font-medium">{format!("v{number}")}</span>
                                                <span class="text-xs text-slate-500 dark:text-slate-400">
                                                    {format!(" · {} · {}", byte_size(version.size_bytes), timestamp(version.created_at))}
                                                </span>
                                            </span>
                                            {if is_current {
                                                view! { <span class="text-xs text-emerald-700 dark:text-emerald-300">"current"</span> }.into_any()
                                            } else {
                                                view! {
                                                    <span class="flex gap-1">
                                                        <Button tone=ButtonTone::Quiet size=ButtonSize::Small on_click=move |_| compared.set(Some((number, current_version)))>
                                                            "Compare"
                                                        </Button>
                                                        <Button tone=ButtonTone::Quiet size=ButtonSize::Small on_click=move |_| { restoring.set(Some(number)); is_confirming.set(true); }>
                                                            "Restore"
                                                        </Button>
                                                    </span>
                                                }.into_any()
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ol>
                        }.into_any(),
                        Err(error) => view! { <LoadError error retry=Callback::new(move |()| versions.refetch()) /> }.into_any(),
                    }
                })}
            </Transition>
            <ConfirmDialog
                title="Restore this version?"
                message=Signal::derive(move || format!(
                    "Version {} becomes the current text, saved as a new version. Nothing is lost: the current text stays in the history.",
                    restoring.get().unwrap_or_default()
                ))
                confirm_label="Restore"
                is_open=is_confirming
                on_confirm=Callback::new(move |()| {
                    if let Some(version) = restoring.get_untracked() {
                        restore.dispatch(RestoreSpecVersion { id, version });
                    }
                })
            />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match diff.await {
                        // A comparison with an earlier current version is over.
                        Ok(Some(diff)) if diff.to_version == current_version => view! { <DiffView diff /> }.into_any(),
                        Ok(_) => ().into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </Card>
    }
    .into_any()
}

#[component]
fn DiffView(diff: SpecDiff) -> impl IntoView {
    view! {
        <div data-testid="version-diff" class="mt-4">
            <p class="text-xs font-medium">
                {format!("v{} → v{}: {} added, {} removed", diff.from_version, diff.to_version, diff.added, diff.removed)}
            </p>
            <pre class="mt-2 max-h-96 overflow-auto rounded-lg bg-slate-50 p-2 font-mono text-xs leading-5 dark:bg-slate-950">
                {diff.lines.into_iter().map(|line| {
                    let (marker, class) = match line.change {
                        LineChange::Added => ("+ ", "block bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"),
                        LineChange::Removed => ("- ", "block bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200"),
                        LineChange::Unchanged => ("  ", "block"),
                    };
                    view! { <span class=class>{format!("{marker}{}", line.text)}</span> }
                }).collect_view()}
            </pre>
        </div>
    }
}
