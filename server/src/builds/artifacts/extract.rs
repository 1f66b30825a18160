//! One file out of a stored archive, streamed: the archive is read from
//! storage and unpacked on the blocking pool only as far as the file, whose
//! bytes then flow to the caller chunk by chunk. Nothing is written to disk.
//!
//! Each file being read holds a thread of the blocking pool for as long as
//! its client takes it, so only so many are read at once, and a client that
//! stops taking bytes is left: slow or stalled downloads cannot take the
//! pool the whole server shares.

use std::io::Read;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::storage::{ObjectKey, Storage, StorageError};

const CHUNK_BYTES: usize = 64 * 1024;
const CHUNKS_IN_FLIGHT: usize = 4;

/// How many files are read out of archives at once, and how long they wait.
struct ExtractLimits {
    slots: Arc<Semaphore>,
    /// A request waits this long for a free slot, then is told to come back.
    wait_for_slot: Duration,
    /// A client that takes no chunk for this long is left, its slot freed.
    stalled_client: Duration,
}

/// Files read at once in this process; far fewer than the blocking pool's
/// threads, which archiving, restores and file work need too.
const FILES_READ_AT_ONCE: usize = 16;

fn process_limits() -> &'static ExtractLimits {
    static LIMITS: OnceLock<ExtractLimits> = OnceLock::new();
    LIMITS.get_or_init(|| ExtractLimits {
        slots: Arc::new(Semaphore::new(FILES_READ_AT_ONCE)),
        wait_for_slot: Duration::from_secs(10),
        stalled_client: Duration::from_secs(60),
    })
}

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
    extract_within(process_limits(), storage, key, path).await
}

async fn extract_within(
    limits: &ExtractLimits,
    storage: &Storage,
    key: &ObjectKey,
    path: &str,
) -> Result<Option<ExtractedFile>, StorageError> {
    let slot = tokio::time::timeout(limits.wait_for_slot, limits.slots.clone().acquire_owned())
        .await
        .map_err(|_| StorageError::Busy)?
        .map_err(|_| StorageError::Busy)?;
    let download = storage.download(key, None).await?;
    let bytes = download.body.map_err(std::io::Error::other);
    let reader = SyncIoBridge::new(StreamReader::new(bytes));
    let (found_sender, found) = oneshot::channel();
    let (chunk_sender, chunks) = mpsc::channel::<std::io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    let wanted = path.trim_start_matches("./").to_owned();
    let sender =
        ChunkSender { runtime: Handle::current(), chunks: chunk_sender, patience: limits.stalled_client };
    tokio::task::spawn_blocking(move || {
        // The slot is the thread's: it is free once the thread is.
        let _slot = slot;
        if let Err(error) = find_and_send(reader, &wanted, &sender, found_sender) {
            sender.send(Err(error));
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
    chunks: &ChunkSender,
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
        // A client that hung up before its file was found keeps no slot
        // busy unpacking the rest of the archive.
        if found.is_closed() {
            return Ok(());
        }
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
            if !chunks.send(Ok(Bytes::copy_from_slice(&buffer[..read]))) {
                return Ok(());
            }
        }
    }
    let _ = found.send(Ok(None));
    Ok(())
}

/// Hands chunks to the client's side from the blocking pool, waiting at
/// most `patience` for room.
struct ChunkSender {
    runtime: Handle,
    chunks: mpsc::Sender<std::io::Result<Bytes>>,
    patience: Duration,
}

impl ChunkSender {
    /// Whether the chunk was taken: not when the client went away (it has
    /// what it wanted) or took nothing for `patience` (its download ends
    /// short, and the thread is free).
    fn send(&self, chunk: std::io::Result<Bytes>) -> bool {
        match self.runtime.block_on(tokio::time::timeout(self.patience, self.chunks.send(chunk))) {
            Ok(sent) => sent.is_ok(),
            Err(_) => {
                tracing::info!("left a download whose client took nothing for a while");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::sandbox::archive::{tar_gz, ExcludeRules};
    use crate::storage::signed_url::UrlSigner;
    use crate::storage::StorageBackend;

    /// Local storage holding an archive of one file of 4 MiB that gzip
    /// cannot shrink, under `builds/test/work.tar.gz`.
    async fn storage_with_a_big_file(root: &std::path::Path) -> (Storage, ObjectKey) {
        let work = root.join("work");
        std::fs::create_dir_all(&work).unwrap();
        let noise: Vec<u8> = (0..131_072u32).flat_map(|n| Sha256::digest(n.to_le_bytes())).collect();
        std::fs::write(work.join("big.bin"), noise).unwrap();
        let storage = Storage::open(
            &StorageBackend::Local { root: root.join("storage") },
            UrlSigner::new(vec![7; 32]).unwrap(),
        )
        .unwrap();
        let key = ObjectKey::parse("builds/test/work.tar.gz").unwrap();
        let archive = tar_gz(work, Arc::new(ExcludeRules::new(&[]).unwrap()), u64::MAX);
        storage.upload(&key, archive.stream).await.unwrap();
        (storage, key)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_client_that_stops_reading_is_left_and_frees_its_slot_for_the_next() {
        let root = std::env::temp_dir().join(format!("extract-test-{}", uuid::Uuid::now_v7().simple()));
        let (storage, key) = storage_with_a_big_file(&root).await;
        let limits = ExtractLimits {
            slots: Arc::new(Semaphore::new(1)),
            wait_for_slot: Duration::from_millis(200),
            stalled_client: Duration::from_millis(500),
        };

        let stalled = extract_within(&limits, &storage, &key, "big.bin").await.unwrap().expect("the file");
        let refused = extract_within(&limits, &storage, &key, "big.bin").await;
        assert!(matches!(refused, Err(StorageError::Busy)), "the only slot is taken");

        tokio::time::sleep(Duration::from_millis(800)).await;
        let next = extract_within(&limits, &storage, &key, "big.bin").await;
        let next = next.expect("the stalled client was left").expect("the file");
        let bytes: Vec<Bytes> = next.body.try_collect().await.unwrap();
        assert_eq!(bytes.concat().len(), 4 * 1024 * 1024);
        // The one left gets what was in flight, then its body ends short.
        let partial: usize = stalled
            .body
            .map(|chunk| chunk.map_or(0, |chunk| chunk.len()))
            .collect::<Vec<_>>()
            .await
            .iter()
            .sum();
        assert!(partial < 4 * 1024 * 1024, "{partial} bytes");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
