//! A mark beside a work directory while a checkpoint is unpacked into it. A
//! process that dies midway leaves half a directory behind, which must not
//! pass for the whole when the build is next opened on this machine: a
//! marked directory is removed and restored again instead.

use std::path::{Path, PathBuf};

use uuid::Uuid;

fn mark_of(root: &Path, id: Uuid) -> PathBuf {
    root.join(format!("{id}.restoring"))
}

pub async fn mark(root: &Path, id: Uuid) -> std::io::Result<()> {
    tokio::fs::write(mark_of(root, id), b"").await
}

pub async fn is_marked(root: &Path, id: Uuid) -> bool {
    tokio::fs::try_exists(mark_of(root, id)).await.unwrap_or(false)
}

/// Removes the mark; none is fine.
pub fn unmark_blocking(root: &Path, id: Uuid) -> std::io::Result<()> {
    match std::fs::remove_file(mark_of(root, id)) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}
