//! Connecting to a preview's socket in the work directory, which the build
//! controls: it could put a link there to any socket on the host (a Docker
//! daemon's, the database's). The last component is opened without
//! following links and must be a socket; the connection goes through that
//! very file (`/proc/self/fd/N`), so nothing can be swapped in between.

use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use rustix::fs::{FileType, Mode, OFlags};
use tokio::net::UnixStream;

pub async fn connect(socket: &Path) -> io::Result<UnixStream> {
    let path: PathBuf = socket.to_path_buf();
    let opened = tokio::task::spawn_blocking(move || {
        let file = rustix::fs::open(&path, OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())?;
        let stat = rustix::fs::fstat(&file)?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::Socket {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "the preview's socket is not a socket"));
        }
        Ok(file)
    })
    .await
    .map_err(io::Error::other)??;
    let stream = UnixStream::connect(format!("/proc/self/fd/{}", opened.as_raw_fd())).await;
    drop(opened);
    stream
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_socket_is_reached_but_a_link_to_one_is_not() {
        let dir = std::env::temp_dir().join(format!("preview-socket-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let real = dir.join("real.sock");
        let _listener = tokio::net::UnixListener::bind(&real).unwrap();
        assert!(connect(&real).await.is_ok());

        let link = dir.join(".preview.sock");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(connect(&link).await.is_err(), "a link is not followed");

        let file = dir.join("file");
        std::fs::write(&file, "x").unwrap();
        assert!(connect(&file).await.is_err(), "a file is not a socket");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
