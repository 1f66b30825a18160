//! bubblewrap's command line for one command: new user, PID, IPC, UTS,
//! cgroup, mount and (unless the host's is shared) network namespaces; the
//! work directory the only writable place; system directories read-only;
//! a private /tmp; every capability dropped, no further user namespaces,
//! and the seccomp filters; it dies with the server.

use std::ffi::OsString;
use std::path::Path;

use super::SandboxNetwork;

/// Where the sandboxed command sees its work directory.
pub const WORK_MOUNT: &str = "/work";
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// The user the command runs as inside (`SANDBOX_UID`, or the server's own
/// user when it is not root, outside).
const SANDBOX_UID: &str = "1000";
/// The descriptors the seccomp filters are read from (opened by the launcher).
pub const SECCOMP_FDS: [&str; 2] = ["8", "9"];
/// Where the egress proxy's socket directory and the forwarder appear inside.
pub const EGRESS_DIR: &str = "/run/egress";
pub const EGRESS_SOCKET: &str = "/run/egress/proxy.sock";
/// The socket's name in its directory outside.
pub const SOCKET_NAME: &str = "proxy.sock";
pub const FORWARDER: &str = "/run/sandbox-forwarder";
/// The forwarder's port on the sandbox's own loopback.
pub const PROXY_PORT: &str = "3128";

/// Where a service's forwarder listens, relative to the work directory
/// (where commands start): the server connects to it from outside.
pub const SERVICE_SOCKET: &str = ".preview.sock";

/// What is bound in besides the system and the work directory.
#[derive(Default)]
pub struct ExtraMounts<'a> {
    /// The egress proxy's socket directory (an allow-listed network).
    pub egress_socket_dir: Option<&'a Path>,
    /// The `sandbox-forwarder` program (egress and services).
    pub forwarder: Option<&'a Path>,
}
/// Configuration files programs commonly need, never secrets (no shadow).
const ETC_FILES: [&str; 9] = [
    "/etc/alternatives",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/localtime",
    "/etc/hosts",
    "/etc/resolv.conf",
];

/// bubblewrap's arguments for a command in `work_dir`, up to the command.
pub fn arguments(
    work_dir: &Path,
    network: &SandboxNetwork,
    has_seccomp: bool,
    mounts: &ExtraMounts<'_>,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let push = |args: &mut Vec<OsString>, parts: &[&str]| args.extend(parts.iter().map(OsString::from));
    push(&mut args, &["--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]);
    push(&mut args, &["--uid", SANDBOX_UID, "--gid", SANDBOX_UID, "--disable-userns", "--cap-drop", "ALL"]);
    if has_seccomp {
        for fd in SECCOMP_FDS {
            push(&mut args, &["--add-seccomp-fd", fd]);
        }
    }
    if matches!(network, SandboxNetwork::HostUnsafe) {
        push(&mut args, &["--share-net"]);
    }
    push(&mut args, &["--ro-bind", "/usr", "/usr"]);
    // Merged-/usr systems have these as links into /usr; others as directories.
    for top in ["/bin", "/sbin", "/lib", "/lib64", "/lib32"] {
        match std::fs::read_link(top) {
            Ok(target) => args.extend(["--symlink".into(), target.into_os_string(), top.into()]),
            Err(_) if Path::new(top).is_dir() => args.extend(["--ro-bind".into(), top.into(), top.into()]),
            Err(_) => {}
        }
    }
    for file in ETC_FILES {
        args.extend(["--ro-bind-try".into(), file.into(), file.into()]);
    }
    // Kernel settings stay out of reach even for a process that could pass their checks.
    push(&mut args, &["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys"]);
    push(&mut args, &["--dev", "/dev", "--tmpfs", "/tmp"]);
    args.extend(["--bind".into(), work_dir.as_os_str().to_owned(), WORK_MOUNT.into()]);
    push(&mut args, &["--chdir", WORK_MOUNT, "--clearenv"]);
    for (name, value) in [("PATH", PATH), ("HOME", WORK_MOUNT), ("TMPDIR", "/tmp"), ("LANG", "C.UTF-8")] {
        push(&mut args, &["--setenv", name, value]);
    }
    if let Some(forwarder) = mounts.forwarder {
        args.extend(["--ro-bind".into(), forwarder.as_os_str().to_owned(), FORWARDER.into()]);
    }
    if let Some(socket_dir) = mounts.egress_socket_dir {
        // Read-only: connecting to the socket needs no more, and nothing can be left there.
        args.extend(["--ro-bind".into(), socket_dir.as_os_str().to_owned(), EGRESS_DIR.into()]);
        let proxy = format!("http://127.0.0.1:{PROXY_PORT}");
        // Tools read one spelling or the other (curl only the lower case).
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
            push(&mut args, &["--setenv", name, &proxy]);
        }
        // The app the agent builds is tested on its own loopback, directly.
        for name in ["NO_PROXY", "no_proxy"] {
            push(&mut args, &["--setenv", name, "localhost,127.0.0.1,::1"]);
        }
    }
    args
}
