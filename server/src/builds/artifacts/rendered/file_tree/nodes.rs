//! The archive's flat file list (`manifest.files`) as a tree: directories
//! first, each level sorted by name.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use app::model::artifacts::ManifestFile;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FileNode {
    Directory {
        name: String,
        /// From the work directory, `/`-separated, without a trailing `/`.
        path: String,
        /// Files anywhere below it.
        file_count: usize,
        children: Vec<FileNode>,
    },
    File {
        name: String,
        path: String,
        size_bytes: i64,
    },
}

impl FileNode {
    pub(super) fn name(&self) -> &str {
        match self {
            FileNode::Directory { name, .. } | FileNode::File { name, .. } => name,
        }
    }

    fn is_directory(&self) -> bool {
        matches!(self, FileNode::Directory { .. })
    }

    fn file_count(&self) -> usize {
        match self {
            FileNode::Directory { file_count, .. } => *file_count,
            FileNode::File { .. } => 1,
        }
    }
}

/// The tree of `files`. Paths are split on `/`; empty segments (a leading
/// `/`, `a//b`) are skipped rather than shown as nameless entries.
pub(super) fn file_tree(files: &[ManifestFile]) -> Vec<FileNode> {
    let mut root = Level::default();
    for file in files {
        let segments: Vec<&str> = file.path.split('/').filter(|segment| !segment.is_empty()).collect();
        if let Some((name, directories)) = segments.split_last() {
            root.insert(directories, name, file);
        }
    }
    root.into_nodes("")
}

/// One directory while the tree is gathered.
#[derive(Default)]
struct Level {
    directories: BTreeMap<String, Level>,
    files: Vec<FileNode>,
}

impl Level {
    fn insert(&mut self, directories: &[&str], name: &str, file: &ManifestFile) {
        match directories.split_first() {
            Some((directory, rest)) => {
                self.directories.entry((*directory).to_owned()).or_default().insert(rest, name, file)
            }
            None => self.files.push(FileNode::File {
                name: name.to_owned(),
                // As the manifest has it: the server finds the file by it.
                path: file.path.clone(),
                size_bytes: file.size_bytes,
            }),
        }
    }

    fn into_nodes(self, parent: &str) -> Vec<FileNode> {
        let mut nodes: Vec<FileNode> = self
            .directories
            .into_iter()
            .map(|(name, level)| {
                let path = if parent.is_empty() { name.clone() } else { format!("{parent}/{name}") };
                let children = level.into_nodes(&path);
                let file_count = children.iter().map(FileNode::file_count).sum();
                FileNode::Directory { name, path, file_count, children }
            })
            .chain(self.files)
            .collect();
        nodes.sort_by(by_kind_then_name);
        nodes
    }
}

/// Directories before files; then names as a person sorts them (case
/// aside), ties broken by the exact name so the order is stable.
fn by_kind_then_name(left: &FileNode, right: &FileNode) -> Ordering {
    right
        .is_directory()
        .cmp(&left.is_directory())
        .then_with(|| left.name().to_lowercase().cmp(&right.name().to_lowercase()))
        .then_with(|| left.name().cmp(right.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> ManifestFile {
        ManifestFile { path: path.into(), size_bytes: 10, sha256: String::new(), is_text: true }
    }

    fn names(nodes: &[FileNode]) -> Vec<&str> {
        nodes.iter().map(FileNode::name).collect()
    }

    #[test]
    fn directories_come_first_and_names_sort_without_regard_to_case() {
        let tree = file_tree(&[file("src/app.js"), file("README.md"), file("Zebra/a"), file("package.json")]);
        assert_eq!(names(&tree), ["src", "Zebra", "package.json", "README.md"]);
    }

    #[test]
    fn nested_files_land_in_their_directories_with_full_paths_and_counts() {
        let tree =
            file_tree(&[file("src/features/add.js"), file("src/app.js"), file("src/features/index.js")]);
        let [FileNode::Directory { path, file_count, children, .. }] = tree.as_slice() else {
            panic!("one directory at the top: {tree:?}");
        };
        assert_eq!((path.as_str(), *file_count), ("src", 3));
        assert_eq!(names(children), ["features", "app.js"]);
        let FileNode::Directory { path, children, .. } = &children[0] else {
            panic!("features is a directory")
        };
        assert_eq!(path, "src/features");
        assert_eq!(names(children), ["add.js", "index.js"]);
        let FileNode::File { path, .. } = &children[0] else { panic!("add.js is a file") };
        assert_eq!(path, "src/features/add.js");
    }

    #[test]
    fn empty_segments_are_skipped() {
        let tree = file_tree(&[file("/a//b.txt"), file("")]);
        let [FileNode::Directory { children, .. }] = tree.as_slice() else {
            panic!("one directory: {tree:?}")
        };
        let [FileNode::File { name, path, .. }] = children.as_slice() else { panic!("one file") };
        assert_eq!((name.as_str(), path.as_str()), ("b.txt", "/a//b.txt"));
    }

    #[test]
    fn an_empty_list_is_an_empty_tree() {
        assert!(file_tree(&[]).is_empty());
    }
}
