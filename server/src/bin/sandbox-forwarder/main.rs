//! Runs inside a sandbox: relays every connection made to one address to
//! another while it runs a command, and exits as that command did. Only std
//! and libc: it must start fast and stay small. Two uses:
//! - egress: `tcp:3128 unix:/run/egress/proxy.sock`, so the build's HTTP
//!   clients reach the server's egress proxy from a sandbox with no network;
//! - preview: `unix:.preview.sock tcp:3000`, so the server reaches the app
//!   listening on the sandbox's own loopback.
//!
//! `sandbox-forwarder <listen> <connect> -- <program> [args…]`, where an
//! address is `tcp:<port>` (on 127.0.0.1) or `unix:<path>`.

mod endpoint;
mod relay;

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{exit, Command, ExitStatus};

use endpoint::Endpoint;

const USAGE: &str = "usage: sandbox-forwarder <listen> <connect> -- <program> [args…]\n\
                     where an address is tcp:<port> (on 127.0.0.1) or unix:<path>";

/// The forwarder's own failures (like `env` and `timeout`): 125 for itself,
/// 126 when the program cannot run, 127 when it does not exist.
const EXIT_FORWARDER_FAILED: i32 = 125;
const EXIT_CANNOT_RUN: i32 = 126;
const EXIT_NOT_FOUND: i32 = 127;

struct Invocation {
    listen: Endpoint,
    connect: Endpoint,
    program: OsString,
    args: Vec<OsString>,
}

impl Invocation {
    fn parse(mut args: impl Iterator<Item = OsString>) -> Result<Self, String> {
        let listen = Endpoint::parse(&args.next().ok_or("missing <listen>")?)?;
        let connect = Endpoint::parse(&args.next().ok_or("missing <connect>")?)?;
        if args.next().as_deref() != Some(OsStr::new("--")) {
            return Err("missing `--` before the program".into());
        }
        let program = args.next().ok_or("missing <program>")?;
        Ok(Self { listen, connect, program, args: args.collect() })
    }
}

fn main() {
    let invocation = Invocation::parse(std::env::args_os().skip(1)).unwrap_or_else(|problem| {
        eprintln!("sandbox-forwarder: {problem}\n{USAGE}");
        exit(EXIT_FORWARDER_FAILED)
    });
    let listener = invocation.listen.listen().unwrap_or_else(|error| {
        eprintln!("sandbox-forwarder: cannot listen on {}: {error}", invocation.listen);
        exit(EXIT_FORWARDER_FAILED)
    });
    let relay = relay::Relay::new(listener, invocation.connect).and_then(|relay| {
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
