//! One file out of a stored archive, streamed: the archive is read from
//! storage and unpacked on the blocking pool only as far as the file, whose
//! bytes then flow to the caller chunk by chunk. Nothing is written to disk.

use std::io::Read;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::storage::{ObjectKey, Storage, StorageError};

const CHUNK_BYTES: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

/// A file found in an archive: its size, and its bytes as they are read.
pub struct ExtractedFile {
    pub size_bytes: u64,
    pub body: BoxStream<'static, std::io::Result<Bytes>>,
}

/// The regular file at `path` (relative, as the manifest lists it) in the
/// archive at `key`, or `None` when the archive has no such file.
pub async fn extract_file(
    storage: &Storage,
    key: &ObjectKey,
    path: &str,
) -> Result<Option<ExtractedFile>, StorageError> {
    let download = storage.download(key, None).await?;
    let bytes = download.body.map_err(std::io::Error::other);
    let reader = SyncIoBridge::new(StreamReader::new(bytes));
    let (found_sender, found) = oneshot::channel();
    let (chunk_sender, chunks) = mpsc::channel::<std::io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    let wanted = path.trim_start_matches("./").to_owned();
    tokio::task::spawn_blocking(move || {
        let outcome = find_and_send(reader, &wanted, &chunk_sender, found_sender);
        if let Err(error) = outcome {
            let _ = chunk_sender.blocking_send(Err(error));
        }
    });
    match found.await {
        Ok(Ok(Some(size_bytes))) => {
            let body = futures_util::stream::unfold(chunks, |mut chunks| async move {
                chunks.recv().await.map(|chunk| (chunk, chunks))
            })
            .boxed();
            Ok(Some(ExtractedFile { size_bytes, body }))
        }
        Ok(Ok(None)) => Ok(None),
        Ok(Err(error)) => Err(StorageError::Unavailable(format!("the archive could not be read: {error}"))),
        Err(_) => Err(StorageError::Unavailable("the archive reader stopped".into())),
    }
}

/// Walks the archive to `wanted`; says whether (and how large) it was found
/// through `found`, then sends its bytes until they end or nobody reads.
fn find_and_send(
    reader: impl Read,
    wanted: &str,
    chunks: &mpsc::Sender<std::io::Result<Bytes>>,
    found: oneshot::Sender<std::io::Result<Option<u64>>>,
) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(error) => {
            let _ = found.send(Err(error));
            return Ok(());
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let _ = found.send(Err(error));
                return Ok(());
            }
        };
        let is_wanted = entry.header().entry_type().is_file()
            && entry
                .path()
                .is_ok_and(|entry_path| entry_path.to_string_lossy().trim_start_matches("./") == wanted);
        if !is_wanted {
            continue;
        }
        let _ = found.send(Ok(Some(entry.size())));
        let mut buffer = vec![0u8; CHUNK_BYTES];
        loop {
            let read = entry.read(&mut buffer)?;
            if read == 0 {
                return Ok(());
            }
            if chunks.blocking_send(Ok(Bytes::copy_from_slice(&buffer[..read]))).is_err() {
                // The reader has what it wanted.
                return Ok(());
            }
        }
    }
    let _ = found.send(Ok(None));
    Ok(())
}
