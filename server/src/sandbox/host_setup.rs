//! What the local engine checks and prepares on the host before its first
//! build: the limits this machine can enforce, a sandbox root the build's
//! user can reach, the forwarder's copy and the seccomp filter files.

use std::path::{Path, PathBuf};

use super::bwrap::PATH;
use super::identity::FileSystemIdentity;
use super::local::LocalEngineConfig;
use super::{SandboxError, SandboxNetwork};

/// `sandbox-forwarder` beside the running binary, where `cargo build` puts it.
pub fn forwarder_beside_this_program() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|program| program.parent().map(|dir| dir.join("sandbox-forwarder")))
        .unwrap_or_else(|| PathBuf::from("sandbox-forwarder"))
}

/// The limit `probe` found, or `None` when it is missing and unlimited
/// sandboxes are allowed; an error otherwise.
pub(super) fn limit_or_allow<T>(
    probe: Result<T, String>,
    config: &LocalEngineConfig,
    what: &str,
) -> Result<Option<T>, SandboxError> {
    match probe {
        Ok(limit) => Ok(Some(limit)),
        Err(reason) if config.allow_unlimited => {
            tracing::warn!("{what} cannot be enforced here ({reason}); SANDBOX_ALLOW_UNLIMITED is on, so builds run without it");
            Ok(None)
        }
        Err(reason) => Err(SandboxError::Unavailable(format!(
            "{what} cannot be enforced here: {reason}. Run the server as root on a machine with cgroups and \
             loop devices, or set SANDBOX_ALLOW_UNLIMITED=true to run builds without them"
        ))),
    }
}

/// Fails, saying what to do, when `uid` cannot reach `root`: bubblewrap,
/// running as that user, could not mount the build's work directory.
pub(super) fn ensure_reachable_by(uid: u32, root: &Path) -> Result<(), SandboxError> {
    let _identity = FileSystemIdentity::assume(uid);
    match std::fs::read_dir(root) {
        Ok(_) => Ok(()),
        Err(error) => Err(SandboxError::Unavailable(format!(
            "builds run as uid {uid} (SANDBOX_UID), which cannot reach {} ({error}): every directory above it \
             must be searchable by others (chmod o+x), or set SANDBOX_ROOT (or DATA_DIR) to a place outside \
             private folders such as /root",
            root.display()
        ))),
    }
}

/// Copies `program` to `target` (replaced whole, world-executable).
pub(super) fn install_copy(program: &Path, target: &Path) -> Result<PathBuf, SandboxError> {
    let partial = target.with_extension(format!("{}.partial", uuid::Uuid::now_v7().simple()));
    std::fs::copy(program, &partial)?;
    std::fs::set_permissions(&partial, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    std::fs::rename(&partial, target)?;
    Ok(target.to_path_buf())
}

pub(super) fn write_seccomp_filters(config: &LocalEngineConfig) -> Result<[PathBuf; 2], SandboxError> {
    let deny_unix_sockets = matches!(config.network, SandboxNetwork::HostUnsafe);
    let [refused, clone3] = super::seccomp::filters(deny_unix_sockets)?;
    let network = config.network.name();
    let paths = [
        config.root.join(format!(".seccomp-{network}-refused.bpf")),
        config.root.join(format!(".seccomp-{network}-clone3.bpf")),
    ];
    for (path, filter) in paths.iter().zip([refused, clone3]) {
        // Replaced whole: a command starting meanwhile reads the old or the new filter, never half.
        let partial = path.with_extension(format!("{}.partial", uuid::Uuid::now_v7().simple()));
        std::fs::write(&partial, filter)?;
        std::fs::rename(&partial, path)?;
    }
    Ok(paths)
}

pub(super) fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| PATH.into());
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}
