//! The two kinds of address the forwarder listens on and connects to: a
//! TCP port on 127.0.0.1, or a Unix socket.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A port on 127.0.0.1.
    Tcp(u16),
    Unix(PathBuf),
}

impl Endpoint {
    pub fn parse(text: &OsStr) -> Result<Self, String> {
        let bytes = text.as_bytes();
        if let Some(port) = bytes.strip_prefix(b"tcp:") {
            return std::str::from_utf8(port)
                .ok()
                .and_then(|port| port.parse::<u16>().ok())
                .filter(|port| *port != 0)
                .map(Endpoint::Tcp)
                .ok_or_else(|| format!("{text:?} does not name a port (tcp:1-65535)"));
        }
        match bytes.strip_prefix(b"unix:") {
            Some(path) if !path.is_empty() => Ok(Endpoint::Unix(PathBuf::from(OsStr::from_bytes(path)))),
            _ => Err(format!("{text:?} is not an address (tcp:<port> or unix:<path>)")),
        }
    }

    /// Listens here, non-blocking. A Unix socket left by an earlier run is
    /// replaced; any other file in its place is not.
    pub fn listen(&self) -> io::Result<Listener> {
        let listener = match self {
            Endpoint::Tcp(port) => Listener::Tcp(TcpListener::bind((Ipv4Addr::LOCALHOST, *port))?),
            Endpoint::Unix(path) => {
                if std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_socket()) {
                    std::fs::remove_file(path)?;
                }
                Listener::Unix(UnixListener::bind(path)?)
            }
        };
        match &listener {
            Listener::Tcp(listener) => listener.set_nonblocking(true)?,
            Listener::Unix(listener) => listener.set_nonblocking(true)?,
        }
        Ok(listener)
    }

    /// A blocking connection here. Connecting a Unix socket does not wait
    /// for the server to accept; it blocks only when its accept backlog is
    /// full. A loopback TCP connection is refused or made at once.
    pub fn connect(&self) -> io::Result<Stream> {
        match self {
            Endpoint::Tcp(port) => Ok(Stream::Tcp(TcpStream::connect((Ipv4Addr::LOCALHOST, *port))?)),
            Endpoint::Unix(path) => Ok(Stream::Unix(UnixStream::connect(path)?)),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(port) => write!(formatter, "127.0.0.1:{port}"),
            Endpoint::Unix(path) => write!(formatter, "{}", path.display()),
        }
    }
}

pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

impl Listener {
    pub fn accept(&self) -> io::Result<Stream> {
        match self {
            Listener::Tcp(listener) => listener.accept().map(|(stream, _)| Stream::Tcp(stream)),
            Listener::Unix(listener) => listener.accept().map(|(stream, _)| Stream::Unix(stream)),
        }
    }
}

impl AsRawFd for Listener {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Listener::Tcp(listener) => listener.as_raw_fd(),
            Listener::Unix(listener) => listener.as_raw_fd(),
        }
    }
}

pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    pub fn set_nonblocking(&self, is_nonblocking: bool) -> io::Result<()> {
        match self {
            Stream::Tcp(stream) => stream.set_nonblocking(is_nonblocking),
            Stream::Unix(stream) => stream.set_nonblocking(is_nonblocking),
        }
    }

    pub fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(stream) => stream.shutdown(Shutdown::Write),
            Stream::Unix(stream) => stream.shutdown(Shutdown::Write),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(stream) => stream.read(buffer),
            Stream::Unix(stream) => stream.read(buffer),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(stream) => stream.write(bytes),
            Stream::Unix(stream) => stream.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Stream::Tcp(stream) => stream.as_raw_fd(),
            Stream::Unix(stream) => stream.as_raw_fd(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_as_a_port_or_a_socket_path() {
        assert_eq!(Endpoint::parse(OsStr::new("tcp:3128")), Ok(Endpoint::Tcp(3128)));
        assert_eq!(
            Endpoint::parse(OsStr::new("unix:.preview.sock")),
            Ok(Endpoint::Unix(".preview.sock".into()))
        );
        for wrong in ["tcp:0", "tcp:70000", "tcp:", "unix:", "3128", "udp:53"] {
            assert!(Endpoint::parse(OsStr::new(wrong)).is_err(), "{wrong} is refused");
        }
    }

    #[test]
    fn listening_replaces_a_stale_socket_but_no_other_file() {
        let dir = std::env::temp_dir().join(format!("forwarder-endpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("app.sock");
        drop(UnixListener::bind(&socket).unwrap());
        assert!(Endpoint::Unix(socket.clone()).listen().is_ok(), "a stale socket is replaced");
        let file = dir.join("notes.txt");
        std::fs::write(&file, "keep me").unwrap();
        assert!(Endpoint::Unix(file.clone()).listen().is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
