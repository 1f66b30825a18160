//! `/projects`: the user's projects and a form to start one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api::projects::{list_projects, CreateProject};
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::card::{card_class, Card, CardPadding};
use crate::components::empty_state::EmptyState;
use crate::components::form::{FormError, FormFields, ServerForm, TextField};
use crate::components::icons::IconKind;
use crate::components::load_error::LoadError;
use crate::components::page_header::PageHeader;
use crate::format::timestamp;
use crate::loaded::load;
use crate::model::projects::MAX_PROJECT_NAME_CHARS;

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let projects = load(|| (), |_| list_projects());
    view! {
        <Title text="Projects" />
        <PageHeader title="Projects" description="Group related specs and builds." />
        <div class="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
            <Transition fallback=|| view! { <div class="h-40 animate-pulse rounded-2xl bg-slate-100 dark:bg-slate-800"></div> }>
                {move || Suspend::new(async move {
                    match projects.await {
                        Ok(list) if list.is_empty() => view! {
                            <EmptyState
                                icon=IconKind::Projects
                                title="No projects yet"
                                message="Projects keep the specs and builds of one app together. Create one with the form."
                            />
                        }.into_any(),
                        Ok(list) => view! {
                            <ul data-testid="project-list" class="space-y-3">
                                {list.into_iter().map(|project| view! {
                                    <li class=card_class(CardPadding::Compact)>
                                        <A href=format!("/projects/{}", project.id) attr:class="font-medium hover:underline">{project.name}</A>
                                        <p class="mt-1 line-clamp-2 text-sm text-slate-600 dark:text-slate-400">{project.description}</p>
                                        <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">
                                            {format!("{} specs · {} builds · updated {}", project.spec_count, project.build_count, timestamp(project.updated_at))}
                                        </p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <LoadError error retry=Callback::new(move |()| projects.refetch()) /> }.into_any(),
                    }
                })}
            </Transition>
            <NewProjectForm />
        </div>
    }
    .into_any()
}

#[component]
fn NewProjectForm() -> impl IntoView {
    let create = ServerAction::<CreateProject>::new();
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(project)) = create.value().get() {
            navigate(&format!("/projects/{}", project.id), Default::default());
        }
    });
    view! {
        <Card labelled_by="new-project" padding=CardPadding::Compact class="h-fit">
            <h2 id="new-project" class="font-semibold">"New project"</h2>
            <ServerForm action=create arguments=|fields: &FormFields| CreateProject { name: fields.text("name"), description: fields.text("description") } attr:class="mt-4 space-y-4" attr:aria-label="New project">
                <TextField label="Name" name="name" maxlength=MAX_PROJECT_NAME_CHARS as u32 />
                <TextField label="Description" name="description" required=false />
                <FormError error />
                <Button tone=ButtonTone::Primary size=ButtonSize::Large class="w-full" is_submit=true disabled=create.pending()>
                    {move || if create.pending().get() { "Creating…" } else { "Create project" }}
                </Button>
            </ServerForm>
        </Card>
    }
}
