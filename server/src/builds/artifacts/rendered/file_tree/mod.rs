//! A stored archive's files as the tree beside the build page's file
//! viewer. Rendered by the server only, to the HTML the page shows as it is
//! (`get_build_result`): directories are `<details>` that open and close by
//! themselves, and each file is a link to the page with that file chosen
//! (`?file=`), so a file has an address to share or reload and the tree
//! works without JavaScript. Thousands of rows cost the browser no
//! hydration, and the files' reader is not in its WASM. The page marks the
//! chosen file's link (`pages/build_detail/file_browser.rs`).

mod nodes;

use leptos::prelude::*;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use uuid::Uuid;

use self::nodes::{file_tree, FileNode};
use app::format::{byte_size, counted, group_thousands};
use app::model::artifacts::ManifestFile;

/// What a file's `file=` value leaves as it is: the path's separators and
/// what file names mostly hold, so an address reads like the path.
const PATH_IN_QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'/').remove(b'-').remove(b'_').remove(b'.');

/// The build page's address with `path` chosen in its files.
pub fn file_address(build_id: Uuid, path: &str) -> String {
    format!("/builds/{build_id}?file={}#files", utf8_percent_encode(path, PATH_IN_QUERY))
}

/// The files' heading with how many the archive holds (`file_count`), the
/// tree of those listed (`files`), and a note if that is not all of them,
/// as HTML (text escaped as any view's).
pub fn file_tree_html(build_id: Uuid, files: &[ManifestFile], file_count: usize) -> String {
    let listed_count = files.len();
    let nodes = file_tree(files);
    view! { <FileTree build_id nodes file_count listed_count /> }.to_html()
}

#[component]
fn FileTree(build_id: Uuid, nodes: Vec<FileNode>, file_count: usize, listed_count: usize) -> impl IntoView {
    view! {
        <div class="flex items-baseline justify-between gap-2 px-4 pt-4 pb-2">
            <h2 id="files-heading" class="font-semibold">"Files"</h2>
            <span class="text-xs tabular-nums text-slate-500 dark:text-slate-400">{counted(file_count, "file", "files")}</span>
        </div>
        <nav aria-label="Files of the build" data-testid="file-tree" class="file-tree max-h-[36rem] overflow-y-auto px-2 pb-3 text-sm">
            {if nodes.is_empty() {
                view! { <p class="px-2 text-slate-500 dark:text-slate-400">"The archive holds no files."</p> }.into_any()
            } else {
                view! { <TreeLevel build_id nodes /> }.into_any()
            }}
        </nav>
        {(listed_count < file_count).then(|| view! {
            <p class="border-t border-slate-200 px-4 py-2 text-xs text-amber-800 dark:border-slate-800 dark:text-amber-200" data-testid="file-list-cut">
                {format!(
                    "{} of {} files are listed; the archive holds them all.",
                    group_thousands(listed_count),
                    group_thousands(file_count)
                )}
            </p>
        })}
    }
}

/// One level of the tree; a directory holds the next, indented by the
/// stylesheet (`.file-tree`).
#[component]
fn TreeLevel(build_id: Uuid, nodes: Vec<FileNode>) -> impl IntoView {
    view! {
        <ul class="space-y-px">
            {nodes
                .into_iter()
                .map(|node| match node {
                    FileNode::Directory { name, path, file_count, children } => view! {
                        <li>
                            <details>
                                <summary class="file-tree-row" title=format!("{path}/ · {}", counted(file_count, "file", "files"))>
                                    <span class="truncate font-medium">{name}</span>
                                </summary>
                                <TreeLevel build_id nodes=children />
                            </details>
                        </li>
                    }
                    .into_any(),
                    FileNode::File { name, path, size_bytes } => view! {
                        <li>
                            // The router keeps the scroll where it is (`data-noscroll`);
                            // a page loaded from the address scrolls to the files.
                            <a
                                class="file-tree-row"
                                href=file_address(build_id, &path)
                                data-noscroll=""
                                title=format!("{path} · {}", byte_size(size_bytes))
                                data-path=path
                            >
                                <span class="truncate font-mono text-xs">{name}</span>
                            </a>
                        </li>
                    }
                    .into_any(),
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> ManifestFile {
        ManifestFile { path: path.into(), size_bytes: 2048, sha256: String::new(), is_text: true }
    }

    #[test]
    fn directories_open_by_themselves_and_files_link_to_their_address() {
        let id = Uuid::nil();
        let html = file_tree_html(id, &[file("src/app.js"), file("README.md")], 2);
        assert!(html.contains("<details><summary"), "{html}");
        assert!(html.contains(r#"title="src/ · 1 file""#), "{html}");
        assert!(html.contains(&format!(r#"href="/builds/{id}?file=src/app.js#files""#)), "{html}");
        assert!(html.contains(r#"data-path="README.md""#), "{html}");
        assert!(html.contains(r#"title="README.md · 2.0 KiB""#), "{html}");
        assert!(html.contains("2 files"), "{html}");
        assert!(!html.contains("file-list-cut"), "{html}");
    }

    #[test]
    fn a_path_is_escaped_in_the_address_and_as_text() {
        let html = file_tree_html(Uuid::nil(), &[file("notes/a b&c?#<x>.md")], 1);
        assert!(html.contains("?file=notes/a%20b%26c%3F%23%3Cx%3E.md#files"), "{html}");
        assert!(html.contains("a b&amp;c?#&lt;x&gt;.md"), "{html}");
        assert!(!html.contains("<x>"), "{html}");
    }

    #[test]
    fn a_list_of_some_of_the_files_says_how_many_the_archive_holds() {
        let html = file_tree_html(Uuid::nil(), &[file("a.md"), file("b.md")], 12_345);
        assert!(html.contains("12,345 files"), "{html}");
        assert!(html.contains("2 of 12,345 files are listed; the archive holds them all."), "{html}");
    }

    #[test]
    fn an_empty_archive_says_so() {
        let html = file_tree_html(Uuid::nil(), &[], 0);
        assert!(html.contains("The archive holds no files."), "{html}");
        assert!(html.contains("0 files"), "{html}");
    }
}
