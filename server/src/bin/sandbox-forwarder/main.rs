//! Runs inside a sandbox that has no network: relays TCP connections on
//! 127.0.0.1:<port> to the egress proxy's Unix socket while it runs a
//! command, and exits as that command did. Only std and libc: it must start
//! fast and stay small.
//!
//! `sandbox-forwarder <listen-port> <unix-socket-path> -- <program> [args…]`

mod relay;

use std::ffi::{OsStr, OsString};
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{exit, Command, ExitStatus};

const USAGE: &str = "usage: sandbox-forwarder <listen-port> <unix-socket-path> -- <program> [args…]";

/// The forwarder's own failures (like `env` and `timeout`): 125 for itself,
/// 126 when the program cannot run, 127 when it does not exist.
const EXIT_FORWARDER_FAILED: i32 = 125;
const EXIT_CANNOT_RUN: i32 = 126;
const EXIT_NOT_FOUND: i32 = 127;

struct Invocation {
    port: u16,
    socket: PathBuf,
    program: OsString,
    args: Vec<OsString>,
}

impl Invocation {
    fn parse(mut args: impl Iterator<Item = OsString>) -> Result<Self, String> {
        let port = args.next().ok_or("missing <listen-port>")?;
        let port = port
            .to_str()
            .and_then(|port| port.parse::<u16>().ok())
            .filter(|port| *port != 0)
            .ok_or_else(|| format!("{port:?} is not a port"))?;
        let socket = PathBuf::from(args.next().ok_or("missing <unix-socket-path>")?);
        if args.next().as_deref() != Some(OsStr::new("--")) {
            return Err("missing `--` before the program".into());
        }
        let program = args.next().ok_or("missing <program>")?;
        Ok(Self { port, socket, program, args: args.collect() })
    }
}

fn main() {
    let invocation = Invocation::parse(std::env::args_os().skip(1)).unwrap_or_else(|problem| {
        eprintln!("sandbox-forwarder: {problem}\n{USAGE}");
        exit(EXIT_FORWARDER_FAILED)
    });
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, invocation.port)).unwrap_or_else(|error| {
        eprintln!("sandbox-forwarder: cannot listen on 127.0.0.1:{}: {error}", invocation.port);
        exit(EXIT_FORWARDER_FAILED)
    });
    let relay = relay::Relay::new(listener, invocation.socket).and_then(|relay| {
        // The thread is never joined: it relays until the process exits.
        std::thread::Builder::new().name("relay".into()).spawn(move || {
            if let Err(error) = relay.run() {
                eprintln!("sandbox-forwarder: relaying stopped: {error}");
            }
        })
    });
    if let Err(error) = relay {
        eprintln!("sandbox-forwarder: cannot start relaying: {error}");
        exit(EXIT_FORWARDER_FAILED);
    }
    let status = Command::new(&invocation.program).args(&invocation.args).status();
    exit(exit_code(status, &invocation.program))
}

/// The program's exit code, or 128 + the signal that killed it (as shells do).
fn exit_code(status: io::Result<ExitStatus>, program: &OsString) -> i32 {
    match status {
        Ok(status) => status
            .code()
            .or_else(|| status.signal().map(|signal| 128 + signal))
            .unwrap_or(EXIT_FORWARDER_FAILED),
        Err(error) => {
            eprintln!("sandbox-forwarder: cannot run {program:?}: {error}");
            if error.kind() == io::ErrorKind::NotFound {
                EXIT_NOT_FOUND
            } else {
                EXIT_CANNOT_RUN
            }
        }
    }
}
