//! A note beside a work directory of the last build session recorded with
//! it. A build moves between machines (a pause resumed elsewhere, a machine
//! killed mid-build) and each machine keeps its copy of the work directory:
//! the note tells a copy that later sessions elsewhere went past from the
//! current one, so that an old copy is neither resumed nor archived as the
//! build's work. It lies outside the work directory, where the build
//! cannot write.

use std::io::{Error, ErrorKind};
use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;
use uuid::Uuid;

fn note_of(root: &Path, id: Uuid) -> PathBuf {
    root.join(format!("{id}.session"))
}

/// The session noted; `None` when there is no note (a work directory made
/// before notes were kept).
pub async fn read(root: &Path, id: Uuid) -> std::io::Result<Option<i32>> {
    let note = note_of(root, id);
    match tokio::fs::read_to_string(&note).await {
        Ok(text) => text.trim().parse().map(Some).map_err(|_| {
            Error::new(ErrorKind::InvalidData, format!("{} does not hold a session number", note.display()))
        }),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Notes `session`, replacing the earlier note whole: a server killed
/// meanwhile leaves the old note or the new one, never a part. When the
/// new one cannot be written (a full disk), the old one is removed rather
/// than left to say the directory is older than it is.
pub async fn write(root: &Path, id: Uuid, session: i32) -> std::io::Result<()> {
    // Unique, as servers may share the root.
    let partial = root.join(format!("{id}.session.{}.partial", Uuid::now_v7().simple()));
    let written = async {
        let mut file = tokio::fs::File::create(&partial).await?;
        file.write_all(session.to_string().as_bytes()).await?;
        // On disk before it replaces the old one, so a power cut cannot leave it empty.
        file.sync_all().await?;
        tokio::fs::rename(&partial, note_of(root, id)).await
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&partial).await;
        let _ = tokio::fs::remove_file(note_of(root, id)).await;
    }
    written
}

/// Removes the note; none is fine.
pub fn remove_blocking(root: &Path, id: Uuid) -> std::io::Result<()> {
    match std::fs::remove_file(note_of(root, id)) {
        Err(error) if error.kind() != ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("work-session-test-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[tokio::test]
    async fn a_note_reads_back_as_written_and_is_gone_once_removed() {
        let root = scratch();
        let id = Uuid::now_v7();
        assert_eq!(read(&root, id).await.unwrap(), None);
        write(&root, id, 3).await.unwrap();
        write(&root, id, 12).await.unwrap();
        assert_eq!(read(&root, id).await.unwrap(), Some(12));
        // Only the note: no partial file is left beside it.
        assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
        remove_blocking(&root, id).unwrap();
        remove_blocking(&root, id).unwrap();
        assert_eq!(read(&root, id).await.unwrap(), None);
        std::fs::remove_dir(&root).unwrap();
    }

    #[tokio::test]
    async fn a_damaged_note_is_an_error_that_names_it() {
        let root = scratch();
        let id = Uuid::now_v7();
        std::fs::write(note_of(&root, id), "3\0garbage").unwrap();
        let error = read(&root, id).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidData);
        assert!(error.to_string().contains(&format!("{id}.session")), "{error}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
