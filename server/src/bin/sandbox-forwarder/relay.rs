//! Relaying accepted connections to the other address: one thread and
//! poll(2) for all of them, because a sandbox counts threads against its
//! process limit.

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};

use crate::endpoint::{Endpoint, Listener, Stream};

/// Connections relayed at once; further ones are closed as soon as accepted.
pub const MAX_CONNECTIONS: usize = 128;

/// Per direction of each connection: 128 × 2 × 16 KiB = 4 MiB at most.
const BUFFER_BYTES: usize = 16 * 1024;

pub struct Relay {
    listener: Listener,
    target: Endpoint,
    links: Vec<Link>,
}

impl Relay {
    /// `listener` must be non-blocking ([`Endpoint::listen`] makes it so).
    pub fn new(listener: Listener, target: Endpoint) -> io::Result<Self> {
        Ok(Self { listener, target, links: Vec::new() })
    }

    /// Relays until an unrecoverable poll error; the process exit ends it.
    pub fn run(mut self) -> io::Result<()> {
        let mut fds = Vec::new();
        loop {
            fds.clear();
            fds.push(poll_fd(self.listener.as_raw_fd(), libc::POLLIN));
            for link in &self.links {
                let (client_events, target_events) = link.interest();
                fds.push(poll_fd(link.client.as_raw_fd(), client_events));
                fds.push(poll_fd(link.target.as_raw_fd(), target_events));
            }
            let count =
                libc::nfds_t::try_from(fds.len()).expect("at most 2 × MAX_CONNECTIONS + 1 descriptors");
            // SAFETY: `fds` is a live, exclusively borrowed array of `count` pollfd.
            if unsafe { libc::poll(fds.as_mut_ptr(), count, -1) } < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(error);
            }
            for (link, ready) in self.links.iter_mut().zip(fds[1..].chunks_exact(2)) {
                if ready.iter().any(|fd| fd.revents != 0) {
                    link.is_broken = link.pump().is_err();
                }
            }
            self.links.retain(|link| !link.is_broken && !link.is_finished());
            if fds[0].revents != 0 {
                self.accept_waiting();
            }
        }
    }

    fn accept_waiting(&mut self) {
        loop {
            let client = match self.listener.accept() {
                Ok(client) => client,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return,
                // The client gave up before we accepted it (ECONNABORTED),
                // or descriptors ran out: try again at the next readiness.
                Err(_) => return,
            };
            if self.links.len() >= MAX_CONNECTIONS {
                continue; // dropping `client` closes it at once
            }
            match Link::open(client, &self.target) {
                Ok(link) => self.links.push(link),
                // Closing the client tells it: a preview whose app is not
                // listening yet is refused, which its prober waits out.
                Err(error) => eprintln!("sandbox-forwarder: cannot reach {}: {error}", self.target),
            }
        }
    }
}

/// `events` 0 hides the descriptor from poll (a negative fd), so a peer's
/// hang-up is not reported over and over while nothing waits on that side;
/// it surfaces as an error once the link reads or writes there again.
fn poll_fd(fd: RawFd, events: libc::c_short) -> libc::pollfd {
    libc::pollfd { fd: if events == 0 { -1 } else { fd }, events, revents: 0 }
}

/// One accepted connection and its connection to the target.
struct Link {
    client: Stream,
    target: Stream,
    /// From the client to the target.
    outbound: Pipe,
    /// From the target to the client.
    inbound: Pipe,
    is_broken: bool,
}

impl Link {
    fn open(client: Stream, target: &Endpoint) -> io::Result<Self> {
        let target = target.connect()?;
        client.set_nonblocking(true)?;
        target.set_nonblocking(true)?;
        Ok(Self { client, target, outbound: Pipe::new(), inbound: Pipe::new(), is_broken: false })
    }

    /// What to poll for on the client's side and on the target's.
    fn interest(&self) -> (libc::c_short, libc::c_short) {
        let mut client = 0;
        let mut target = 0;
        if self.outbound.wants_to_read() {
            client |= libc::POLLIN;
        }
        if self.outbound.has_data() {
            target |= libc::POLLOUT;
        }
        if self.inbound.wants_to_read() {
            target |= libc::POLLIN;
        }
        if self.inbound.has_data() {
            client |= libc::POLLOUT;
        }
        (client, target)
    }

    /// Moves what can be moved without blocking, and passes on an end of
    /// stream as a half-close, so each direction ends on its own.
    fn pump(&mut self) -> io::Result<()> {
        if self.outbound.pump(&mut self.client, &mut self.target)? {
            self.target.shutdown_write()?;
        }
        if self.inbound.pump(&mut self.target, &mut self.client)? {
            self.client.shutdown_write()?;
        }
        Ok(())
    }

    fn is_finished(&self) -> bool {
        self.outbound.is_sink_shut && self.inbound.is_sink_shut
    }
}

/// One direction: bytes read from a source, waiting to be written to a sink.
struct Pipe {
    buffer: Box<[u8]>,
    start: usize,
    end: usize,
    is_source_done: bool,
    is_sink_shut: bool,
}

impl Pipe {
    fn new() -> Self {
        Self {
            buffer: vec![0; BUFFER_BYTES].into_boxed_slice(),
            start: 0,
            end: 0,
            is_source_done: false,
            is_sink_shut: false,
        }
    }

    fn has_data(&self) -> bool {
        self.start < self.end
    }

    fn wants_to_read(&self) -> bool {
        !self.is_source_done && !self.has_data()
    }

    /// Writes what is buffered and reads more, until either would block.
    /// Returns whether the sink should now be shut (the source ended and
    /// everything was written), which happens once.
    fn pump(&mut self, source: &mut impl Read, sink: &mut impl Write) -> io::Result<bool> {
        loop {
            while self.has_data() {
                match sink.write(&self.buffer[self.start..self.end]) {
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(written) => self.start += written,
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            }
            if self.is_source_done {
                let should_shut = !self.is_sink_shut;
                self.is_sink_shut = true;
                return Ok(should_shut);
            }
            match source.read(&mut self.buffer) {
                // A reset after the last bytes still ends the stream: pass
                // on what was read, then close this direction.
                Ok(0) => self.is_source_done = true,
                Err(error) if error.kind() == io::ErrorKind::ConnectionReset => self.is_source_done = true,
                Ok(read) => (self.start, self.end) = (0, read),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A sink that takes at most `room` bytes, then would block.
    struct SlowSink {
        written: Vec<u8>,
        room: usize,
    }

    impl Write for SlowSink {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let taken = bytes.len().min(self.room);
            self.room -= taken;
            self.written.extend_from_slice(&bytes[..taken]);
            Ok(taken)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn pipe_passes_everything_on_then_asks_for_a_half_close_once() {
        let mut pipe = Pipe::new();
        let mut source = Cursor::new(vec![7_u8; BUFFER_BYTES * 3 + 5]);
        let mut sink = SlowSink { written: Vec::new(), room: usize::MAX };
        assert!(pipe.pump(&mut source, &mut sink).expect("no error"));
        assert_eq!(sink.written.len(), BUFFER_BYTES * 3 + 5);
        assert!(!pipe.pump(&mut source, &mut sink).expect("no error"), "the half-close is asked for once");
    }

    #[test]
    fn pipe_keeps_what_a_blocked_sink_did_not_take() {
        let mut pipe = Pipe::new();
        let mut source = Cursor::new(b"hello world".to_vec());
        let mut sink = SlowSink { written: Vec::new(), room: 5 };
        assert!(!pipe.pump(&mut source, &mut sink).expect("no error"));
        assert!(pipe.has_data() && !pipe.wants_to_read());
        sink.room = usize::MAX;
        assert!(pipe.pump(&mut source, &mut sink).expect("no error"));
        assert_eq!(sink.written, b"hello world");
    }
}
