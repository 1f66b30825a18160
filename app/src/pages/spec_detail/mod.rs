//! `/specs/:id`: one spec, rendered or as its source until Edit; copy,
//! download, duplicate and delete (in a menu), move to a project, and its version history
//! with comparisons and restores (`history`).

mod history;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use uuid::Uuid;

use self::history::{History, VersionHistory};
use crate::actions::{count_successes, LastActionError};
use crate::api::builds::StartBuild;
use crate::api::projects::list_projects;
use crate::api::specs::{
    get_spec, DeleteSpec, DuplicateSpec, MoveSpecToProject, RestoreSpecVersion, SaveSpec,
};
use crate::browser::{confirm, copy_to_clipboard, guard_unsaved_changes};
use crate::components::button::{Button, ButtonTone};
use crate::components::card::{card_class, Card, CardPadding};
use crate::components::dialog::ConfirmDialog;
use crate::components::field::{control_class, ControlStyle, Field, LABEL_CLASS};
use crate::components::form::{FormError, FormFields, ServerForm};
use crate::components::load_error::{LoadError, SubjectTitle};
use crate::components::markdown_body::MarkdownBody;
use crate::components::menu::{Menu, MenuItem, MENU_ITEM_CLASS};
use crate::components::numbered_text::NumberedText;
use crate::components::spec_editor::ContentEditor;
use crate::components::view_switch::{ViewLink, ViewSwitch};
use crate::error::AppError;
use crate::format::{byte_size, group_thousands, timestamp};
use crate::loaded::{load, load_subject, Loaded};
use crate::model::projects::ProjectSummary;
use crate::model::specs::{spec_not_found, SpecDetail, SpecPage};

#[component]
pub fn SpecDetailPage() -> impl IntoView {
    let params = use_params_map();
    let spec_id = move || params.read().get("id").and_then(|id| Uuid::parse_str(&id).ok());

    let save = ServerAction::<SaveSpec>::new();
    let restore = ServerAction::<RestoreSpecVersion>::new();
    let move_to_project = ServerAction::<MoveSpecToProject>::new();
    let (saved, restored, moved) =
        (count_successes(save), count_successes(restore), count_successes(move_to_project));
    // Every resource of the page is made here, outside any Suspense
    // (`crate::loaded` says why).
    let spec = load_subject(
        move || (spec_id(), saved.get(), restored.get(), moved.get()),
        |(id, ..)| async move {
            match id {
                Some(id) => get_spec(id).await,
                None => Err(spec_not_found()),
            }
        },
    );
    let projects = load(|| (), |_| list_projects());
    let history = History::load(spec_id, saved, restore);

    view! {
        <SubjectTitle what="Spec" subject=spec title_of=|page: &SpecPage| page.spec.name.clone() />
        <Transition fallback=|| view! { <DetailSkeleton /> }>
            {move || Suspend::new(async move {
                match spec.await {
                    Ok(spec) => view! { <SpecView spec save restore move_to_project projects history /> }.into_any(),
                    Err(error) => {
                        view! { <LoadError error retry=Callback::new(move |()| spec.refetch()) /> }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn SpecView(
    spec: SpecPage,
    save: ServerAction<SaveSpec>,
    restore: ServerAction<RestoreSpecVersion>,
    move_to_project: ServerAction<MoveSpecToProject>,
    projects: Loaded<Result<Vec<ProjectSummary>, AppError>>,
    history: History,
) -> impl IntoView {
    let SpecPage { spec, rendered_html } = spec;
    let id = spec.id;
    // What the editor opened: a save after another one elsewhere is refused.
    let base_version = spec.version;
    let is_editing = RwSignal::new(false);
    let draft = RwSignal::new(spec.content.clone());
    let draft_name = RwSignal::new(spec.name.clone());
    let original = StoredValue::new(spec.content.clone());
    let original_name = StoredValue::new(spec.name.clone());
    let has_unsaved_changes = move || {
        is_editing.get()
            && (draft.with(|draft| *draft != original.get_value())
                || draft_name.with(|name| *name != original_name.get_value()))
    };
    guard_unsaved_changes(Signal::derive(has_unsaved_changes));

    // A successful save ends editing; a failed one keeps the draft on screen.
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            is_editing.set(false);
        }
    });
    let save_error = Signal::derive(move || save.value().get().and_then(Result::err));
    let cancel = move |_| {
        if !has_unsaved_changes() || confirm("Discard your unsaved changes?") {
            draft.set(original.get_value());
            draft_name.set(original_name.get_value());
            is_editing.set(false);
        }
    };

    let duplicate = ServerAction::<DuplicateSpec>::new();
    let delete = ServerAction::<DeleteSpec>::new();
    let start_build = ServerAction::<StartBuild>::new();
    let is_confirming_delete = RwSignal::new(false);
    // A started build opens its page: `start_build` redirects there, and the
    // router follows that redirect (the form follows it without JavaScript).
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(copy_id)) = duplicate.value().get() {
            navigate(&format!("/specs/{copy_id}"), Default::default());
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate("/specs", Default::default());
        }
    });
    let action_error = LastActionError::new()
        .follow(duplicate)
        .follow(delete)
        .follow(restore)
        .follow(move_to_project)
        .follow(start_build)
        .signal();
    let (is_copied, set_copied) = signal(false);
    let content_for_copy = spec.content.clone();
    let name = spec.name.clone();
    let name_in_form = StoredValue::new(spec.name.clone());

    view! {
        <header class="mb-6 flex flex-col gap-4 lg:flex-row lg:items-start lg:justify-between">
            <div class="min-w-0">
                <p class="text-sm"><A href="/specs" attr:class="text-indigo-600 hover:underline dark:text-indigo-300">"← Specs"</A></p>
                <h1 class="mt-1 truncate text-2xl font-semibold tracking-tight sm:text-3xl">{spec.name.clone()}</h1>
            </div>
            <div class="flex flex-wrap items-center gap-2" role="toolbar" aria-label="Spec actions">
                // A form, so it works without JavaScript too (the server redirects to the build).
                <ServerForm action=start_build arguments=move |_| StartBuild { spec_id: id }>
                    <input type="hidden" name="spec_id" value=id.to_string() />
                    <Button tone=ButtonTone::Primary is_submit=true disabled=Signal::derive(move || start_build.pending().get())>
                        {move || if start_build.pending().get() { "Starting…" } else { "Build this app" }}
                    </Button>
                </ServerForm>
                <Show when=move || !is_editing.get()>
                    <Button on_click=move |_| is_editing.set(true)>"Edit"</Button>
                </Show>
                <Menu label="More actions">
                    <MenuItem on_select={
                        let content = content_for_copy.clone();
                        move |()| {
                            copy_to_clipboard(&content);
                            set_copied.set(true);
                        }
                    }>"Copy text"</MenuItem>
                    <a href=format!("/api/specs/{id}/download") rel="external" download="" role="menuitem" class=MENU_ITEM_CLASS>
                        "Download"
                    </a>
                    <MenuItem on_select=move |()| {
                        duplicate.dispatch(DuplicateSpec { id });
                    }>"Duplicate"</MenuItem>
                    <MenuItem is_danger=true on_select=move |()| is_confirming_delete.set(true)>"Delete…"</MenuItem>
                </Menu>
                <Show when=move || is_copied.get()>
                    <span role="status" class="text-xs text-emerald-700 dark:text-emerald-300">"Copied to the clipboard"</span>
                </Show>
            </div>
        </header>
        <FormError error=action_error />
        <ConfirmDialog
            title="Delete this spec?"
            message=format!("\u{201c}{name}\u{201d} and its whole version history will be deleted. This cannot be undone.")
            confirm_label="Delete spec"
            is_open=is_confirming_delete
            on_confirm=Callback::new(move |()| {
                delete.dispatch(DeleteSpec { id });
            })
        />
        <div class="grid grid-cols-1 gap-6 xl:grid-cols-[minmax(0,1fr)_20rem]">
            <div class="min-w-0">
                <Show
                    when=move || is_editing.get()
                    fallback={
                        let content = spec.content.clone();
                        let html = rendered_html.clone();
                        move || view! { <SpecText id content=content.clone() html=html.clone() /> }
                    }
                >
                    <ServerForm action=save arguments=move |fields: &FormFields| SaveSpec { id, name: fields.text("name"), content: fields.text("content"), base_version } attr:class="space-y-4" attr:aria-label="Edit spec">
                        <input type="hidden" name="id" value=id.to_string() />
                        <input type="hidden" name="base_version" value=base_version.to_string() />
                        <Field id="field-name" label="Name">
                            <input
                                id="field-name"
                                name="name"
                                required
                                maxlength="200"
                                value=name_in_form.get_value()
                                on:input=move |event| draft_name.set(event_target_value(&event))
                                class=control_class(ControlStyle::Prose)
                            />
                        </Field>
                        <ContentEditor name="content" initial=original.get_value() text=draft />
                        <FormError error=save_error />
                        <div class="flex justify-end gap-3">
                            <Button on_click=cancel>"Cancel"</Button>
                            <Button tone=ButtonTone::Primary is_submit=true disabled=Signal::derive(move || save.pending().get())>
                                {move || if save.pending().get() { "Saving…" } else { "Save" }}
                            </Button>
                        </div>
                    </ServerForm>
                </Show>
            </div>
            <aside class="space-y-6">
                <Metadata spec=spec.clone() move_to_project projects is_editing />
                <VersionHistory id current_version=spec.version restore history is_editing />
            </aside>
        </div>
    }
    .into_any()
}

/// The spec rendered (headings, lists, tables, code) or as its Markdown
/// source with line numbers; the choice is in the address (`?view=source`),
/// so it survives a reload and works without JavaScript.
#[component]
fn SpecText(id: Uuid, content: String, html: String) -> impl IntoView {
    let query = use_query_map();
    let shows_source = Memo::new(move |_| query.read().get("view").as_deref() == Some("source"));
    let views = vec![
        ViewLink { label: "Rendered", href: format!("/specs/{id}") },
        ViewLink { label: "Source", href: format!("/specs/{id}?view=source") },
    ];
    let current = Signal::derive(move || usize::from(shows_source.get()));
    view! {
        <div class="mb-3">
            <ViewSwitch label="Show the spec" views current />
        </div>
        {move || if shows_source.get() {
            view! { <NumberedText text=content.clone() testid="spec-content" /> }.into_any()
        } else {
            view! {
                <MarkdownBody
                    html=html.clone()
                    testid="spec-rendered"
                    frame=card_class(CardPadding::Compact)
                />
            }
            .into_any()
        }}
    }
    .into_any()
}

#[component]
fn Metadata(
    spec: SpecDetail,
    move_to_project: ServerAction<MoveSpecToProject>,
    projects: Loaded<Result<Vec<ProjectSummary>, AppError>>,
    /// A move reloads the spec, which would end an edit and lose its text:
    /// the spec moves once the edit is saved or cancelled.
    #[prop(into)]
    is_editing: Signal<bool>,
) -> impl IntoView {
    let current_project = spec.project.as_ref().map(|project| project.id);
    let row = |label: &'static str, value: String| {
        view! {
            <div class="flex justify-between gap-3">
                <dt class="text-slate-500 dark:text-slate-400">{label}</dt>
                <dd class="truncate text-right">{value}</dd>
            </div>
        }
    };
    view! {
        <Card labelled_by="spec-details" padding=CardPadding::Compact class="text-sm">
            <h2 id="spec-details" class="font-semibold">"Details"</h2>
            <dl class="mt-3 space-y-2" data-testid="spec-metadata">
                {row("Id", spec.id.to_string())}
                {row("Characters", group_thousands(spec.char_count as usize))}
                {row("Lines", group_thousands(spec.line_count as usize))}
                {row("Size", format!("{} ({} bytes)", byte_size(spec.size_bytes), group_thousands(spec.size_bytes as usize)))}
                {row("Version", spec.version.to_string())}
                {row("Created", timestamp(spec.created_at))}
                {row("Updated", timestamp(spec.updated_at))}
                {spec.chat_id.map(|chat| view! {
                    <div class="flex justify-between gap-3">
                        <dt class="text-slate-500 dark:text-slate-400">"From chat"</dt>
                        <dd><A href=format!("/chat/{chat}") attr:class="text-indigo-600 hover:underline dark:text-indigo-300">"Open chat"</A></dd>
                    </div>
                })}
            </dl>
            <label for="spec-project" class=format!("mt-4 {LABEL_CLASS}")>"Project"</label>
            <Transition fallback=|| view! { <div class="mt-1 h-9 animate-pulse rounded-lg bg-slate-100 dark:bg-slate-800"></div> }>
                {move || Suspend::new(async move {
                    let projects = projects.await.unwrap_or_default();
                    view! {
                        <select
                            id="spec-project"
                            class=control_class(ControlStyle::Prose)
                            disabled=is_editing
                            title=move || is_editing.get().then_some("Save or cancel the edit to move the spec.")
                            on:change=move |event| {
                                let project_id = Uuid::parse_str(&event_target_value(&event)).ok();
                                move_to_project.dispatch(MoveSpecToProject { id: spec.id, project_id });
                            }
                        >
                            <option value="" selected=current_project.is_none()>"No project"</option>
                            {projects
                                .into_iter()
                                .map(|project| {
                                    let is_current = current_project == Some(project.id);
                                    view! { <option value=project.id.to_string() selected=is_current>{project.name}</option> }
                                })
                                .collect_view()}
                        </select>
                    }
                })}
            </Transition>
        </Card>
    }
}

#[component]
fn DetailSkeleton() -> impl IntoView {
    view! {
        <div aria-hidden="true" class="space-y-4">
            <div class="h-9 w-1/3 animate-pulse rounded-lg bg-slate-100 dark:bg-slate-800"></div>
            <div class="h-96 animate-pulse rounded-2xl bg-slate-100 dark:bg-slate-800"></div>
        </div>
    }
}
