//! A blocking `Read` over an async byte stream, for a thread that holds a
//! build's [`FileSystemIdentity`](super::identity::FileSystemIdentity).
//! Such a thread must not poll futures itself: a future may start a thread
//! (the blocking pool grows on demand), and a new thread inherits its
//! creator's credentials, so the pool would keep a thread that acts as the
//! build's user for good. A task on the runtime polls the stream instead,
//! and its chunks cross a small channel.

use std::io::Read;

use bytes::{Buf, Bytes};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::archive::ArchiveStream;

/// Chunks read ahead of the reader.
const CHUNKS_AHEAD: usize = 4;

pub struct ChannelReader {
    chunks: mpsc::Receiver<std::io::Result<Bytes>>,
    current: Bytes,
}

impl ChannelReader {
    /// Starts polling `stream` on the runtime; call it from async code.
    /// Dropping the reader stops the task at its next chunk.
    pub fn spawn(mut stream: ArchiveStream) -> Self {
        let (sender, chunks) = mpsc::channel(CHUNKS_AHEAD);
        tokio::spawn(async move {
            while let Some(chunk) = stream.next().await {
                let failed = chunk.is_err();
                if sender.send(chunk).await.is_err() || failed {
                    break;
                }
            }
        });
        Self { chunks, current: Bytes::new() }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(error)) => return Err(error),
                None => return Ok(0),
            }
        }
        let length = buf.len().min(self.current.len());
        buf[..length].copy_from_slice(&self.current[..length]);
        self.current.advance(length);
        Ok(length)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::sandbox::identity::FileSystemIdentity;

    /// The calling thread's file-system user: `setfsuid` with an invalid
    /// id changes nothing and answers the current one.
    fn file_system_uid() -> u32 {
        // SAFETY: a refused setfsuid changes nothing and touches no memory.
        unsafe { libc::setfsuid(u32::MAX) as u32 }
    }

    #[tokio::test]
    async fn the_stream_is_polled_as_the_server_while_the_reader_acts_as_the_build() {
        if !rustix::process::geteuid().is_root() {
            return; // Only root can take on another identity.
        }
        let pollers = Arc::new(Mutex::new(Vec::new()));
        let seen = pollers.clone();
        let stream: ArchiveStream = futures_util::stream::iter(["one ", "two ", "three"])
            .map(move |chunk| {
                seen.lock().unwrap().push(file_system_uid());
                Ok(Bytes::from_static(chunk.as_bytes()))
            })
            .boxed();
        let mut reader = ChannelReader::spawn(stream);
        let (text, reader_uid) = tokio::task::spawn_blocking(move || {
            let _identity = FileSystemIdentity::assume(60_902);
            let mut text = String::new();
            reader.read_to_string(&mut text).unwrap();
            (text, file_system_uid())
        })
        .await
        .unwrap();
        assert_eq!(text, "one two three");
        assert_eq!(reader_uid, 60_902);
        assert_eq!(*pollers.lock().unwrap(), [0, 0, 0], "never polled under the build's identity");
    }

    #[tokio::test]
    async fn an_error_in_the_stream_reaches_the_reader() {
        let stream: ArchiveStream = futures_util::stream::iter([
            Ok(Bytes::from_static(b"start")),
            Err(std::io::Error::other("storage went away")),
        ])
        .boxed();
        let mut reader = ChannelReader::spawn(stream);
        let error = tokio::task::spawn_blocking(move || reader.read_to_end(&mut Vec::new()).unwrap_err())
            .await
            .unwrap();
        assert_eq!(error.to_string(), "storage went away");
    }
}
