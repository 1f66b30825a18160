//! The files of a stored archive: a tree (directories open and close) and a
//! read-only viewer with line numbers for the file chosen in it. Files are
//! read one at a time from the archive through `read_build_file`.

use leptos::ev::MouseEvent;
use leptos::prelude::*;
use uuid::Uuid;

use super::file_tree::{file_tree, FileNode};
use crate::api::artifacts::read_build_file;
use crate::components::numbered_text::{LineWrap, NumberedText};
use crate::error::AppError;
use crate::format::{byte_size, group_thousands};
use crate::loaded::{load, Loaded};
use crate::model::artifacts::{BuildFileContent, ManifestFile, MAX_LISTED_FILES};

#[component]
pub(super) fn FileBrowser(id: Uuid, files: Vec<ManifestFile>, is_file_list_cut: bool) -> impl IntoView {
    let file_count = files.len();
    let tree = file_tree(&files);
    let selected = RwSignal::new(None::<String>);
    let content = load(
        move || selected.get(),
        move |path| async move {
            match path {
                Some(path) => read_build_file(id, path).await.map(Some),
                None => Ok(None),
            }
        },
    );

    view! {
        <section
            class="grid overflow-hidden rounded-2xl border border-slate-200 bg-white md:grid-cols-[16rem_1fr] dark:border-slate-800 dark:bg-slate-900"
            aria-labelledby="files-heading"
        >
            <div class="min-w-0 border-b border-slate-200 md:border-r md:border-b-0 dark:border-slate-800">
                <div class="flex items-baseline justify-between gap-2 px-4 pt-4 pb-2">
                    <h2 id="files-heading" class="font-semibold">"Files"</h2>
                    <span class="text-xs tabular-nums text-slate-500 dark:text-slate-400">
                        {match file_count {
                            1 => "1 file".to_owned(),
                            count => format!("{} files", group_thousands(count)),
                        }}
                    </span>
                </div>
                <nav aria-label="Files of the build" data-testid="file-tree" class="max-h-[36rem] overflow-y-auto px-2 pb-3 text-sm">
                    {if tree.is_empty() {
                        view! { <p class="px-2 text-slate-500 dark:text-slate-400">"The archive holds no files."</p> }.into_any()
                    } else {
                        view! { <TreeLevel nodes=tree depth=0 selected /> }.into_any()
                    }}
                </nav>
                {is_file_list_cut.then(|| view! {
                    <p class="border-t border-slate-200 px-4 py-2 text-xs text-amber-800 dark:border-slate-800 dark:text-amber-200" data-testid="file-list-cut">
                        {format!(
                            "Only the first {} files are listed; the archive holds them all.",
                            group_thousands(MAX_LISTED_FILES)
                        )}
                    </p>
                })}
            </div>
            <FileViewer id selected=selected.read_only() content />
        </section>
    }
    .into_any()
}

/// One level of the tree; directories hold the next level, drawn only
/// while open.
#[component]
fn TreeLevel(nodes: Vec<FileNode>, depth: usize, selected: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <ul class="space-y-px">
            {nodes
                .into_iter()
                .map(|node| match node {
                    FileNode::Directory { name, path, file_count, children } => {
                        view! { <DirectoryItem name path file_count children depth selected /> }.into_any()
                    }
                    FileNode::File { name, path, size_bytes, .. } => {
                        view! { <FileItem name path size_bytes depth selected /> }.into_any()
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// Left padding of a tree row: each level a little further in.
fn indent(depth: usize) -> String {
    format!("padding-left: {}rem", 0.5 + depth as f32 * 0.875)
}

/// A row of the tree, a directory's or a file's: a `<button>` indented to
/// its depth, marked while it is the file on show (`aria-current`).
#[component]
fn TreeRow(
    depth: usize,
    path: String,
    title: String,
    // A prop, not a spread `on:click` (see `components::button`).
    #[prop(into)] on_click: Callback<MouseEvent>,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            type="button"
            on:click=move |event| on_click.run(event)
            class="flex w-full items-center gap-1.5 rounded-md py-1 pr-2 text-left hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 aria-[current=true]:bg-indigo-50 aria-[current=true]:text-indigo-800 dark:hover:bg-slate-800 dark:aria-[current=true]:bg-indigo-950 dark:aria-[current=true]:text-indigo-200"
            style=indent(depth)
            data-path=path
            title=title
        >
            {children()}
        </button>
    }
}

#[component]
fn DirectoryItem(
    name: String,
    path: String,
    file_count: usize,
    children: Vec<FileNode>,
    depth: usize,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let is_open = RwSignal::new(false);
    let children = StoredValue::new(children);
    view! {
        <li>
            <TreeRow
                depth
                path=path.clone()
                title=format!("{path}/ · {file_count} files")
                attr:aria-expanded=move || is_open.get().to_string()
                on_click=move |_| is_open.update(|is_open| *is_open = !*is_open)
            >
                <span aria-hidden="true" class="w-3 shrink-0 text-slate-400">{move || if is_open.get() { "▾" } else { "▸" }}</span>
                <span class="truncate font-medium">{name}</span>
            </TreeRow>
            <Show when=move || is_open.get()>
                {move || view! { <TreeLevel nodes=children.get_value() depth=depth + 1 selected /> }}
            </Show>
        </li>
    }
    .into_any()
}

#[component]
fn FileItem(
    name: String,
    path: String,
    size_bytes: i64,
    depth: usize,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let title = format!("{path} · {}", byte_size(size_bytes));
    let is_selected = {
        let path = path.clone();
        Memo::new(move |_| selected.with(|selected| selected.as_deref() == Some(path.as_str())))
    };
    view! {
        <li>
            <TreeRow
                depth
                path=path.clone()
                title
                attr:aria-current=move || is_selected.get().then_some("true")
                on_click=move |_| selected.set(Some(path.clone()))
            >
                // Lines up with the directories' arrows.
                <span aria-hidden="true" class="w-3 shrink-0"></span>
                <span class="truncate font-mono text-xs">{name}</span>
            </TreeRow>
        </li>
    }
}

/// The chosen file, read-only; says what it is when it cannot be shown.
#[component]
fn FileViewer(
    id: Uuid,
    selected: ReadSignal<Option<String>>,
    content: Loaded<Result<Option<BuildFileContent>, AppError>>,
) -> impl IntoView {
    let is_loading = RwSignal::new(false);
    view! {
        <section
            class="min-w-0 p-4"
            aria-label="File viewer"
            aria-busy=move || is_loading.get().to_string()
            data-testid="file-viewer"
        >
            <div class="mb-2 flex min-h-6 items-center justify-between gap-3">
                <p class="truncate font-mono text-xs text-slate-600 dark:text-slate-400" data-testid="viewer-path">
                    {move || selected.get()}
                </p>
                <Show when=move || is_loading.get()>
                    <span class="shrink-0 animate-pulse text-xs text-slate-500 dark:text-slate-400" role="status">"Opening…"</span>
                </Show>
            </div>
            <Transition fallback=|| view! { <ViewerSkeleton /> } set_pending=is_loading.write_only()>
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
                                <button
                                    type="button"
                                    class="mt-3 rounded-lg bg-red-700 px-3 py-1.5 font-medium text-white hover:bg-red-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700"
                                    on:click=move |_| content.refetch()
                                >
                                    "Try again"
                                </button>
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
