//! `/specs`: the user's specs as cards, searchable by name, a page at a time,
//! with the ways to make a new one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

use crate::actions::{count_successes, LastActionError};
use crate::api::specs::{list_specs, CreateSpec, DeleteSpec, DuplicateSpec};
use crate::components::button::{classes, Button, ButtonSize, ButtonTone};
use crate::components::card::{card_class, CardPadding};
use crate::components::dialog::{ConfirmDialog, Modal};
use crate::components::empty_state::{CallToAction, EmptyState};
use crate::components::form::{FormError, FormFields, ServerForm, TextField};
use crate::components::icons::IconKind;
use crate::components::load_error::LoadError;
use crate::components::menu::{Menu, MenuItem, MENU_ITEM_CLASS};
use crate::components::pager::Pager;
use crate::components::search_box::SearchBox;
use crate::components::spec_editor::ContentEditor;
use crate::format::{byte_size, timestamp};
use crate::loaded::load;
use crate::model::specs::{SpecSummary, DEFAULT_PAGE_SIZE};

#[component]
pub fn SpecsPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let page = move || query.read().get("page").and_then(|page| page.parse::<u32>().ok()).unwrap_or(1);

    let duplicate = ServerAction::<DuplicateSpec>::new();
    let delete = ServerAction::<DeleteSpec>::new();
    let (duplicated, deleted) = (count_successes(duplicate), count_successes(delete));
    let specs = load(
        move || (search(), page(), duplicated.get(), deleted.get()),
        |(search, page, _, _)| list_specs(Some(search), Some(page), Some(DEFAULT_PAGE_SIZE), None),
    );
    let action_error = LastActionError::new().follow(duplicate).follow(delete).signal();

    view! {
        <Title text="Specs" />
        <header class="mb-6 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight sm:text-3xl">"Specs"</h1>
                <p class="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">
                    "App specifications: the documents builds are made from."
                </p>
            </div>
            <NewSpecMenu />
        </header>
        <SearchBox id="spec-search" label="Search specs by name" placeholder="Search by name" value=Signal::derive(search) />
        <FormError error=action_error />
        <Transition fallback=|| view! { <SpecGridSkeleton /> }>
            {move || Suspend::new(async move {
                match specs.await {
                    Ok(page) if page.total == 0 && search().is_empty() => {
                        view! {
                            <EmptyState
                                icon=IconKind::Specs
                                title="No specs yet"
                                message="A spec describes the app you want: its users, features, pages and quality bar. Write one, or describe your idea in a chat."
                                action=CallToAction { label: "Start a chat", href: "/chat" }
                            />
                        }
                            .into_any()
                    }
                    Ok(page) if page.total == 0 => {
                        view! {
                            <p data-testid="no-matches" class="text-sm text-slate-600 dark:text-slate-400">
                                {format!("No spec name contains \u{201c}{}\u{201d}.", search())}
                            </p>
                        }
                            .into_any()
                    }
                    Ok(page) if page.items.is_empty() => {
                        // Past the last page, e.g. after deleting its last card.
                        view! {
                            <p class="text-sm text-slate-600 dark:text-slate-400">
                                {format!("There are only {} pages. ", page.page_count())}
                                <A href=page_link(1, &search()) attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-300">"Go to the first page"</A>
                            </p>
                        }
                            .into_any()
                    }
                    Ok(page) => {
                        let page_count = page.page_count();
                        let current = page.page;
                        view! {
                            <ul data-testid="spec-grid" class="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
                                {page
                                    .items
                                    .into_iter()
                                    .map(|spec| view! { <SpecCard spec duplicate delete /> })
                                    .collect_view()}
                            </ul>
                            <Pager current page_count link=move |page| page_link(page, &search()) />
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! { <LoadError error retry=Callback::new(move |()| specs.refetch()) /> }.into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

/// "New spec": write one by hand, or have one made in a chat or the wizard.
#[component]
fn NewSpecMenu() -> impl IntoView {
    let is_dialog_open = RwSignal::new(false);
    view! {
        <div>
        <Menu label="New spec" tone=ButtonTone::Primary size=ButtonSize::Large width="w-60">
            <MenuItem on_select=move |()| is_dialog_open.set(true)>"Create manually"</MenuItem>
            <A href="/chat" attr:role="menuitem" attr:class=MENU_ITEM_CLASS>
                "Generate via chat"
            </A>
            <A href="/wizard" attr:role="menuitem" attr:class=MENU_ITEM_CLASS>
                "Generate via wizard"
            </A>
        </Menu>
        <CreateSpecDialog is_open=is_dialog_open />
        </div>
    }
}

/// Name and content; on success, the new spec's page.
#[component]
fn CreateSpecDialog(is_open: RwSignal<bool>) -> impl IntoView {
    let create = ServerAction::<CreateSpec>::new();
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(spec_id)) = create.value().get() {
            navigate(&format!("/specs/{spec_id}"), Default::default());
        }
    });
    view! {
        <Modal title="Create a spec" is_open>
            <ServerForm action=create arguments=|fields: &FormFields| CreateSpec { name: fields.text("name"), content: fields.text("content"), project_id: None } attr:class="space-y-4" attr:aria-label="Create a spec">
                <TextField label="Name" name="name" maxlength=200 />
                <ContentEditor name="content" initial=String::new() />
                <FormError error />
                <div class="flex justify-end gap-3">
                    <Button tone=ButtonTone::Quiet size=ButtonSize::Large on_click=move |_| is_open.set(false)>
                        "Cancel"
                    </Button>
                    <Button tone=ButtonTone::Primary size=ButtonSize::Large is_submit=true disabled=create.pending()>
                        {move || if create.pending().get() { "Creating…" } else { "Create spec" }}
                    </Button>
                </div>
            </ServerForm>
        </Modal>
    }
}

#[component]
fn SpecCard(
    spec: SpecSummary,
    duplicate: ServerAction<DuplicateSpec>,
    delete: ServerAction<DeleteSpec>,
) -> impl IntoView {
    let id: Uuid = spec.id;
    let is_confirming = RwSignal::new(false);
    let name = spec.name.clone();
    view! {
        <li data-testid="spec-card" class=format!("flex flex-col {}", card_class(CardPadding::Compact))>
            <A href=format!("/specs/{id}") attr:class="font-medium hover:underline">
                <h2 class="truncate">{spec.name}</h2>
            </A>
            <pre class="mt-2 line-clamp-4 flex-1 font-sans text-xs whitespace-pre-wrap text-slate-600 dark:text-slate-400">
                {spec.preview}
            </pre>
            <p class="mt-3 text-xs text-slate-500 dark:text-slate-400">
                {format!("{} · v{} · updated {}", byte_size(spec.size_bytes), spec.version, timestamp(spec.updated_at))}
            </p>
            <div class="mt-3 flex gap-1 border-t border-slate-100 pt-3 dark:border-slate-800">
                <A href=format!("/specs/{id}") attr:class=classes(ButtonTone::Quiet, ButtonSize::Small)>"View / Edit"</A>
                <Button tone=ButtonTone::Quiet size=ButtonSize::Small disabled=duplicate.pending() on_click=move |_| { duplicate.dispatch(DuplicateSpec { id }); }>
                    "Duplicate"
                </Button>
                <Button tone=ButtonTone::Danger size=ButtonSize::Small on_click=move |_| is_confirming.set(true)>
                    "Delete"
                </Button>
            </div>
            <ConfirmDialog
                title="Delete this spec?"
                message=format!("\u{201c}{name}\u{201d} and its whole version history will be deleted. This cannot be undone.")
                confirm_label="Delete spec"
                is_open=is_confirming
                on_confirm=Callback::new(move |()| {
                    delete.dispatch(DeleteSpec { id });
                })
            />
        </li>
    }
}

fn page_link(page: u32, search: &str) -> String {
    if search.is_empty() {
        format!("/specs?page={page}")
    } else {
        format!("/specs?q={}&page={page}", crate::model::accounts::encode_query_value(search))
    }
}

#[component]
fn SpecGridSkeleton() -> impl IntoView {
    view! {
        <div class="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" aria-hidden="true">
            {(0..6).map(|_| view! { <div class="h-44 animate-pulse rounded-2xl bg-slate-100 dark:bg-slate-800"></div> }).collect_view()}
        </div>
    }
}
