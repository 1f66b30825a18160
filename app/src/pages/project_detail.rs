//! `/projects/:id`: rename or describe a project, see its specs and builds,
//! delete it (its specs and builds stay, unlinked).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::actions::{count_successes, LastActionError};
use crate::api::projects::{get_project, DeleteProject, UpdateProject};
use crate::components::build_link::BuildLink;
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::card::{card_class, Card, CardPadding};
use crate::components::dialog::ConfirmDialog;
use crate::components::field::{control_class, ControlStyle, Field};
use crate::components::form::{FormError, FormFields, ServerForm};
use crate::components::load_error::{LoadError, SubjectTitle};
use crate::format::{byte_size, timestamp};
use crate::loaded::load_subject;
use crate::model::projects::{project_not_found, ProjectDetail, MAX_PROJECT_NAME_CHARS};

#[component]
pub fn ProjectDetailPage() -> impl IntoView {
    let params = use_params_map();
    let project_id = move || params.read().get("id").and_then(|id| Uuid::parse_str(&id).ok());
    let update = ServerAction::<UpdateProject>::new();
    let updated = count_successes(update);
    let project = load_subject(
        move || (project_id(), updated.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_project(id).await,
                None => Err(project_not_found()),
            }
        },
    );
    view! {
        <SubjectTitle what="Project" subject=project title_of=|project: &ProjectDetail| project.name.clone() />
        <Transition fallback=|| view! { <div class="h-64 animate-pulse rounded-2xl bg-slate-100 dark:bg-slate-800"></div> }>
            {move || Suspend::new(async move {
                match project.await {
                    Ok(project) => view! { <ProjectView project update /> }.into_any(),
                    Err(error) => {
                        view! { <LoadError error retry=Callback::new(move |()| project.refetch()) /> }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn ProjectView(project: ProjectDetail, update: ServerAction<UpdateProject>) -> impl IntoView {
    let id = project.id;
    let delete = ServerAction::<DeleteProject>::new();
    let is_confirming = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            navigate("/projects", Default::default());
        }
    });
    let error = LastActionError::new().follow(update).follow(delete).signal();
    let delete_message = format!(
        "\u{201c}{}\u{201d} will be deleted. Its specs and builds stay, without a project.",
        project.name
    );
    view! {
        <p class="text-sm"><A href="/projects" attr:class="text-indigo-600 hover:underline dark:text-indigo-300">"← Projects"</A></p>
        <h1 class="mt-1 mb-6 text-2xl font-semibold tracking-tight sm:text-3xl">{project.name.clone()}</h1>
        <div class="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
            <div class="space-y-6">
                <section aria-labelledby="project-specs">
                    <h2 id="project-specs" class="font-semibold">"Specs"</h2>
                    {if project.specs.is_empty() {
                        view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"No specs in this project yet. Open a spec and choose this project in its details."</p> }.into_any()
                    } else {
                        view! {
                            <ul data-testid="project-specs" class=format!("mt-2 divide-y divide-slate-200 dark:divide-slate-800 {}", card_class(CardPadding::Flush))>
                                {project.specs.into_iter().map(|spec| view! {
                                    <li class="flex justify-between gap-3 px-4 py-3 text-sm">
                                        <A href=format!("/specs/{}", spec.id) attr:class="font-medium hover:underline">{spec.name}</A>
                                        <span class="text-xs text-slate-500">{format!("{} · {}", byte_size(spec.size_bytes), timestamp(spec.updated_at))}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
                <section aria-labelledby="project-builds">
                    <h2 id="project-builds" class="font-semibold">"Builds"</h2>
                    {if project.builds.is_empty() {
                        view! { <p class="mt-2 text-sm text-slate-500 dark:text-slate-400">"No builds in this project yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="mt-2 space-y-1 text-sm">
                                {project.builds.into_iter().map(|build_ref| view! { <BuildLink build_ref /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            </div>
            <Card labelled_by="project-edit" padding=CardPadding::Compact class="h-fit">
                <h2 id="project-edit" class="font-semibold">"About"</h2>
                <ServerForm action=update arguments=move |fields: &FormFields| UpdateProject { id, name: fields.text("name"), description: fields.text("description") } attr:class="mt-4 space-y-4" attr:aria-label="Edit project">
                    <input type="hidden" name="id" value=id.to_string() />
                    <Field id="project-name" label="Name">
                        <input id="project-name" name="name" required maxlength=MAX_PROJECT_NAME_CHARS.to_string() value=project.name.clone() class=control_class(ControlStyle::Prose) />
                    </Field>
                    <Field id="project-description" label="Description">
                        <textarea id="project-description" name="description" rows="4" class=control_class(ControlStyle::Prose)>{project.description.clone()}</textarea>
                    </Field>
                    <FormError error />
                    <Button tone=ButtonTone::Primary size=ButtonSize::Large class="w-full" is_submit=true>
                        {move || if update.pending().get() { "Saving…" } else { "Save" }}
                    </Button>
                </ServerForm>
                <Button tone=ButtonTone::Danger size=ButtonSize::Large class="mt-4 w-full" on_click=move |_| is_confirming.set(true)>
                    "Delete project"
                </Button>
                <ConfirmDialog
                    title="Delete this project?"
                    message=delete_message
                    confirm_label="Delete project"
                    is_open=is_confirming
                    on_confirm=Callback::new(move |()| {
                        delete.dispatch(DeleteProject { id });
                    })
                />
            </Card>
        </div>
    }
    .into_any()
}
