//! A work directory as a tar.gz stream, written on the blocking pool while
//! the reader takes it: the archive is never held whole in memory or on
//! disk. Symlinks are stored as links, never followed out of the directory.

use std::io::Write;
use std::path::PathBuf;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use tokio::sync::mpsc;

/// Chunks in flight between the writer and the reader; a slow reader
/// makes the writer wait.
const CHUNKS_IN_FLIGHT: usize = 8;
const CHUNK_BYTES: usize = 64 * 1024;

pub type ArchiveStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Streams `dir` (its contents, `.git` included) as a gzip-compressed tar.
pub fn tar_gz(dir: PathBuf) -> ArchiveStream {
    let (sender, receiver) = mpsc::channel::<std::io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
    tokio::task::spawn_blocking(move || {
        let failure = sender.clone();
        if let Err(error) =
            write_archive(&dir, ChunkWriter { sender, buffer: Vec::with_capacity(CHUNK_BYTES) })
        {
            // The reader sees the failure as the stream's last item.
            let _ = failure.blocking_send(Err(error));
        }
    });
    Box::pin(futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    }))
}

fn write_archive(dir: &std::path::Path, out: ChunkWriter) -> std::io::Result<()> {
    let encoder = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    let mut builder = tar::Builder::new(encoder);
    builder.follow_symlinks(false);
    builder.append_dir_all(".", dir)?;
    let encoder = builder.into_inner()?;
    let mut out = encoder.finish()?;
    out.flush()
}

/// Hands what is written to the stream in chunks.
struct ChunkWriter {
    sender: mpsc::Sender<std::io::Result<Bytes>>,
    buffer: Vec<u8>,
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES)));
        self.sender.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the archive's reader went away")
        })
    }
}
