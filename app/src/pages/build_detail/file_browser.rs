//! The files of a stored archive: the tree the server rendered (each file a
//! link; `server::builds::artifacts::rendered`) and a read-only viewer with
//! line numbers for the file the address chooses (`?file=`). Files are read one at a time
//! from the archive through `read_build_file`.

use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::BuildEnd;
use crate::api::artifacts::read_build_file;
use crate::components::button::{Button, ButtonTone};
use crate::components::card::{card_class, CardPadding};
use crate::components::numbered_text::{LineWrap, NumberedText};
use crate::error::AppError;
use crate::format::byte_size;
use crate::loaded::{load, Loaded};
use crate::model::artifacts::BuildFileContent;

/// The file the address chooses and its content. The page loads it with
/// the build (see `BuildDetailPage`), so a file's address renders the file;
/// it is read once the build has ended, when there are files.
#[derive(Clone, Copy)]
pub(super) struct ChosenFile {
    path: Memo<Option<String>>,
    content: Loaded<Result<Option<BuildFileContent>, AppError>>,
}

impl ChosenFile {
    pub(super) fn load(build_id: Memo<Option<Uuid>>, end: BuildEnd) -> Self {
        let query = use_query_map();
        let path = Memo::new(move |_| query.read().get("file"));
        let content = load(
            move || (build_id.get(), path.get(), end.was_watched()),
            move |chosen| async move {
                match chosen {
                    (Some(id), Some(path), was_watched)
                        if was_watched || end.was_over_when_loaded().await =>
                    {
                        read_build_file(id, path).await.map(Some)
                    }
                    _ => Ok(None),
                }
            },
        );
        Self { path, content }
    }
}

#[component]
pub(super) fn FileBrowser(id: Uuid, tree_html: String, chosen: ChosenFile) -> impl IntoView {
    let tree = NodeRef::<Div>::new();
    mark_chosen(tree, chosen.path);

    view! {
        <section
            id="files"
            class=format!("grid overflow-hidden md:grid-cols-[16rem_1fr] {}", card_class(CardPadding::Flush))
            aria-labelledby="files-heading"
        >
            // The server's HTML, shown as it is (hydration keeps it).
            <div node_ref=tree class="min-w-0 border-b border-slate-200 md:border-r md:border-b-0 dark:border-slate-800" inner_html=tree_html></div>
            <FileViewer id chosen />
        </section>
    }
    .into_any()
}

/// Marks the chosen file's link in the tree (`aria-current`) and opens the
/// directories it is in, so a file opened from its address shows where it
/// is. The tree is the server's HTML, so this finds the link by its path.
#[cfg(feature = "hydrate")]
fn mark_chosen(tree: NodeRef<Div>, chosen: Memo<Option<String>>) {
    use leptos::wasm_bindgen::JsCast;
    use web_sys::Element;

    Effect::new(move |_| {
        let chosen = chosen.get();
        let Some(links) = tree.get().and_then(|tree| tree.query_selector_all("a[data-path]").ok()) else {
            return;
        };
        for index in 0..links.length() {
            let Some(link) = links.item(index).and_then(|node| node.dyn_into::<Element>().ok()) else {
                continue;
            };
            if chosen.is_some() && link.get_attribute("data-path") == chosen {
                let _ = link.set_attribute("aria-current", "true");
                let mut directory = link.closest("details").ok().flatten();
                while let Some(details) = directory {
                    let _ = details.set_attribute("open", "");
                    directory =
                        details.parent_element().and_then(|parent| parent.closest("details").ok().flatten());
                }
            } else {
                let _ = link.remove_attribute("aria-current");
            }
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn mark_chosen(_tree: NodeRef<Div>, _chosen: Memo<Option<String>>) {}

/// The chosen file, read-only; says what it is when it cannot be shown.
#[component]
fn FileViewer(id: Uuid, chosen: ChosenFile) -> impl IntoView {
    let ChosenFile { path, content } = chosen;
    let is_loading = RwSignal::new(false);
    // "Opening…" shows only in the browser: on the server, `Transition` sets
    // its flag from a task while the page renders, so the HTML would say it
    // or not by chance, and hydration expects it not to.
    let set_loading = SignalSetter::map(move |pending| {
        if cfg!(feature = "hydrate") {
            is_loading.set(pending);
        }
    });
    view! {
        <section
            class="min-w-0 p-4"
            aria-label="File viewer"
            aria-busy=move || is_loading.get().to_string()
            data-testid="file-viewer"
        >
            <div class="mb-2 flex min-h-6 items-center justify-between gap-3">
                <p class="truncate font-mono text-xs text-slate-600 dark:text-slate-400" data-testid="viewer-path">
                    {move || path.get()}
                </p>
                <Show when=move || is_loading.get()>
                    <span class="shrink-0 animate-pulse text-xs text-slate-500 dark:text-slate-400" role="status">"Opening…"</span>
                </Show>
            </div>
            <Transition fallback=|| view! { <ViewerSkeleton /> } set_pending=set_loading>
                {move || Suspend::new(async move {
                    match content.await {
                        Ok(None) => view! {
                            <p class="rounded-2xl border border-dashed border-slate-300 px-6 py-16 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
                                "Choose a file to read it here."
                            </p>
                        }
                        .into_any(),
                        Ok(Some(file)) => view! { <FileContent id file /> }.into_any(),
                        Err(error) => view! {
                            <div role="alert" class="rounded-2xl border border-red-200 bg-red-50 p-4 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
                                <p class="font-semibold">"This file could not be opened"</p>
                                <p class="mt-1">{error.to_string()}</p>
                                <Button tone=ButtonTone::Alarm class="mt-3" on_click=move |_| content.refetch()>
                                    "Try again"
                                </Button>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn FileContent(id: Uuid, file: BuildFileContent) -> impl IntoView {
    let size = byte_size(file.size_bytes);
    match file.text {
        Some(text) => view! {
            <NumberedText text testid="file-content" wrap=LineWrap::Scroll frame="max-h-[36rem]" />
            {file.is_truncated.then(|| view! {
                <p class="mt-2 text-xs text-amber-800 dark:text-amber-200" data-testid="file-truncated">
                    {format!(
                        "Only the first {} of {size} are shown; the archive holds the whole file.",
                        byte_size(crate::model::artifacts::MAX_VIEWED_TEXT_BYTES as i64)
                    )}
                </p>
            })}
        }
        .into_any(),
        None => view! {
            <div class="rounded-2xl border border-slate-200 px-6 py-10 text-center text-sm text-slate-600 dark:border-slate-800 dark:text-slate-400" data-testid="file-binary">
                <p>{format!("This is a binary file ({size}); it is not shown here.")}</p>
                <p class="mt-1">
                    "It is in the archive: "
                    <a
                        href=format!("/api/builds/{id}/artifacts")
                        rel="external"
                        download
                        class="font-medium text-indigo-700 underline dark:text-indigo-300"
                    >
                        "download the archive"
                    </a>
                    "."
                </p>
            </div>
        }
        .into_any(),
    }
}

#[component]
fn ViewerSkeleton() -> impl IntoView {
    view! {
        <div class="space-y-2 rounded-2xl border border-slate-200 p-4 dark:border-slate-800" aria-hidden="true">
            <div class="h-3 w-2/3 animate-pulse rounded bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-3 w-1/2 animate-pulse rounded bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-3 w-3/4 animate-pulse rounded bg-slate-200 dark:bg-slate-800"></div>
        </div>
    }
}
