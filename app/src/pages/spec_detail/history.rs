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
use crate::format::{byte_size, group_thousands, timestamp};
use crate::loaded::{load, Loaded};
use crate::model::specs::{spec_not_found, LineChange, SpecDiff, SpecVersionSummary, MAX_DIFF_LINES};

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
    /// A restore reloads the spec, which would end an edit and lose its
    /// text: versions are restored once the edit is saved or cancelled.
    #[prop(into)]
    is_editing: Signal<bool>,
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
                                                        <Button tone=ButtonTone::Quiet size=ButtonSize::Small disabled=is_editing attr:title=move || is_editing.get().then_some("Save or cancel the edit to restore a version.") on_click=move |_| { restoring.set(Some(number)); is_confirming.set(true); }>
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
    let mut previous: Option<(Option<i64>, Option<i64>)> = None;
    let lines = diff
        .lines
        .into_iter()
        .map(|line| {
            let (marker, class) = match line.change {
                LineChange::Added => ("+ ", "block bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"),
                LineChange::Removed => ("- ", "block bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200"),
                LineChange::Unchanged => ("  ", "block"),
            };
            let follows_a_gap = follows_left_out_lines(previous, (line.old_line, line.new_line));
            let (last_old, last_new) = previous.unwrap_or_default();
            previous = Some((line.old_line.or(last_old), line.new_line.or(last_new)));
            view! {
                {follows_a_gap.then(|| view! { <span class="block text-slate-400 select-none" aria-label="Unchanged lines left out">"⋯"</span> })}
                <span class=class>{format!("{marker}{}", line.text)}</span>
            }
        })
        .collect_view();
    let left_out = (diff.lines_left_out > 0).then(|| {
        format!(
            "The first {} lines are shown; {} more are left out.",
            group_thousands(MAX_DIFF_LINES),
            group_thousands(diff.lines_left_out as usize)
        )
    });
    view! {
        <div data-testid="version-diff" class="mt-4">
            <p class="text-xs font-medium">
                {format!("v{} → v{}: {} added, {} removed", diff.from_version, diff.to_version, diff.added, diff.removed)}
            </p>
            <pre class="mt-2 max-h-96 overflow-auto rounded-lg bg-slate-50 p-2 font-mono text-xs leading-5 dark:bg-slate-950">
                {lines}
            </pre>
            {left_out.map(|text| view! { <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{text}</p> })}
        </div>
    }
}

/// Whether unchanged lines were left out before a line numbered `next`
/// (in the older and newer version), after one numbered `previous`.
fn follows_left_out_lines(
    previous: Option<(Option<i64>, Option<i64>)>,
    next: (Option<i64>, Option<i64>),
) -> bool {
    let after = |last: Option<i64>, line: Option<i64>| match (last, line) {
        (Some(last), Some(line)) => line > last + 1,
        (None, Some(line)) => line > 1,
        _ => false,
    };
    let (last_old, last_new) = previous.unwrap_or((None, None));
    after(last_old, next.0) || after(last_new, next.1)
}

#[cfg(test)]
mod tests {
    use super::follows_left_out_lines;

    #[test]
    fn a_gap_shows_where_the_line_numbers_jump_in_either_version() {
        assert!(!follows_left_out_lines(None, (Some(1), Some(1))), "the first line");
        assert!(follows_left_out_lines(None, (Some(4), Some(4))), "lines 1 to 3 left out");
        assert!(!follows_left_out_lines(Some((Some(5), Some(5))), (None, Some(6))), "an added line");
        assert!(!follows_left_out_lines(Some((Some(6), Some(5))), (Some(7), Some(6))), "after a removed one");
        assert!(
            follows_left_out_lines(Some((Some(53), Some(53))), (Some(80), Some(80))),
            "between two hunks"
        );
        assert!(follows_left_out_lines(Some((Some(9), Some(3))), (None, Some(9))), "an addition far on");
    }
}
