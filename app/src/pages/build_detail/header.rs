//! The top of the build page: the spec it builds, its status and why, its
//! facts (model, tokens, times) and the controls (pause, resume, cancel,
//! and delete once it has ended).

use leptos::ev::MouseEvent;
use leptos::prelude::*;
use leptos_router::components::A;

use super::control_form::ControlForm;
use crate::api::builds::{ControlBuild, DeleteBuild};
use crate::build_stream::StreamHealth;
use crate::components::build_status_header::BuildStatusHeader;
use crate::components::button::{Button, ButtonTone};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{FormError, ServerForm};
use crate::error::AppError;
use crate::format::{group_thousands, timestamp};
use crate::model::builds::{BuildControl, BuildDetail, BuildStatus};

#[component]
pub(super) fn BuildHeader(
    detail: ReadSignal<BuildDetail>,
    status: Memo<(BuildStatus, Option<String>)>,
    connection: ReadSignal<Option<StreamHealth>>,
    on_reconnect: Callback<()>,
    control: ServerAction<ControlBuild>,
    delete: ServerAction<DeleteBuild>,
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
    let is_confirming_delete = RwSignal::new(false);
    let is_acting = move || control.pending().get() || delete.pending().get();
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
                        <BuildStatusHeader status=current connection on_reconnect />
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
                <Show when=move || current.get().allows(BuildControl::Pause)>
                    <ControlForm action=control id control=BuildControl::Pause>
                        <Button is_submit=true disabled=Signal::derive(is_acting)>"Pause"</Button>
                    </ControlForm>
                </Show>
                <Show when=move || current.get().allows(BuildControl::Resume)>
                    <ControlForm action=control id control=BuildControl::Resume>
                        <Button tone=ButtonTone::Primary is_submit=true disabled=Signal::derive(is_acting)>"Resume"</Button>
                    </ControlForm>
                </Show>
                <Show when=move || current.get().allows(BuildControl::Cancel)>
                    // A form, so Cancel works without JavaScript too; with it,
                    // the click asks first and the dialog sends.
                    <ControlForm action=control id control=BuildControl::Cancel>
                        <Button
                            tone=ButtonTone::Danger
                            is_submit=true
                            disabled=Signal::derive(is_acting)
                            on_click=move |event: MouseEvent| {
                                event.prevent_default();
                                is_confirming_cancel.set(true);
                            }
                        >
                            "Cancel build"
                        </Button>
                    </ControlForm>
                </Show>
                <Show when=move || current.get().is_final()>
                    // Like Cancel: a plain form that the server answers with
                    // the build list; with JavaScript, the dialog asks first.
                    <ServerForm action=delete arguments=move |_| DeleteBuild { id }>
                        <input type="hidden" name="id" value=id.to_string() />
                        <Button
                            tone=ButtonTone::Danger
                            is_submit=true
                            disabled=Signal::derive(is_acting)
                            on_click=move |event: MouseEvent| {
                                event.prevent_default();
                                is_confirming_delete.set(true);
                            }
                        >
                            {move || if delete.pending().get() { "Deleting…" } else { "Delete build" }}
                        </Button>
                    </ServerForm>
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
                control.dispatch(ControlBuild { id, control: BuildControl::Cancel });
            })
        />
        <ConfirmDialog
            title="Delete this build?"
            message="Its log, its evidence and its archive are deleted for good. Download the archive first if you want to keep the work."
            confirm_label="Delete build"
            dismiss_label="Keep it"
            is_open=is_confirming_delete
            on_confirm=Callback::new(move |()| {
                delete.dispatch(DeleteBuild { id });
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
