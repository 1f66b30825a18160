//! The local engine: a work directory per sandbox under the data folder
//! (on a disk image of its own, for the quota), every command under
//! bubblewrap (see [`crate::sandbox::bwrap`]), in the build's cgroup (processes,
//! memory, CPU share) and with rlimits (CPU time, processes, file size).
//! Where cgroups or disk images cannot be had, the engine refuses to start
//! unless unlimited sandboxes are explicitly allowed.

mod sandbox;

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use uuid::Uuid;

use self::sandbox::LocalSandbox;
use crate::sandbox::cgroup::Hierarchy;
use crate::sandbox::disk::{DiskImages, MountedImage};
pub use crate::sandbox::host_setup::forwarder_beside_this_program;
use crate::sandbox::host_setup::{
    ensure_reachable_by, find_program, install_copy, limit_or_allow, write_seccomp_filters,
};
use crate::sandbox::services::ServiceRegistry;
use crate::sandbox::{restoring, work_session};
use crate::sandbox::{
    EngineDescription, Isolation, Sandbox, SandboxEngine, SandboxError, SandboxLimits, SandboxNetwork,
};

#[derive(Debug, Clone)]
pub struct LocalEngineConfig {
    /// Work directories are `root/<id>`, their disk images `root/<id>.img`.
    pub root: PathBuf,
    pub limits: SandboxLimits,
    pub network: SandboxNetwork,
    /// Run commands without bubblewrap when it is missing. Off by default.
    pub allow_unisolated: bool,
    /// Run builds without cgroup limits or a disk quota where this machine
    /// cannot give them (not root, no loop devices). Off by default.
    pub allow_unlimited: bool,
    /// The `sandbox-forwarder` binary, for the allow-listed network.
    pub forwarder: PathBuf,
    /// The unprivileged host user builds run as when the server is root.
    pub sandbox_uid: u32,
}

/// The host user builds run as by default: unprivileged, and owning
/// nothing else on a usual host.
pub const DEFAULT_SANDBOX_UID: u32 = 60_900;

struct Settings {
    config: LocalEngineConfig,
    bwrap: Option<PathBuf>,
    prlimit: Option<PathBuf>,
    /// `setpriv`, and the user it starts bubblewrap as: a root server's
    /// builds never run as root. `None` when the server is not root.
    run_as: Option<(PathBuf, u32)>,
    cgroups: Option<Hierarchy>,
    disks: Option<DiskImages>,
    /// The two seccomp filter files (see [`super::seccomp`]).
    seccomp: Option<[PathBuf; 2]>,
    /// The copy of `sandbox-forwarder` commands can reach, if there is one.
    forwarder: Option<PathBuf>,
    commands_run: AtomicU64,
    /// The services running in each build's sandbox, so that removing a
    /// work directory first stops what runs in it (and its disk unmounts).
    services: ServiceRegistry,
}

pub struct LocalEngine {
    settings: Arc<Settings>,
}

const HOST_UNSAFE_WARNING: &str =
    "SANDBOX_NETWORK=host-unsafe: build commands share this server's network, and \
     can reach the platform, its database and every service on this machine. Never use this in production.";
/// Below the root: a directory per command with the egress proxy's socket.
const EGRESS_SOCKETS: &str = ".egress";

impl LocalEngine {
    /// Refuses to start without bubblewrap unless unisolated runs are
    /// allowed, and without limits unless unlimited ones are.
    pub fn new(config: LocalEngineConfig) -> Result<Self, SandboxError> {
        let bwrap = find_program("bwrap");
        if bwrap.is_none() {
            if !config.allow_unisolated {
                return Err(SandboxError::Unavailable(
                    "bubblewrap (bwrap) is not installed: install it (apt-get install bubblewrap), or set \
                     SANDBOX_ALLOW_UNISOLATED=true to run build commands without isolation"
                        .into(),
                ));
            }
            tracing::warn!(
                "bubblewrap is not installed and SANDBOX_ALLOW_UNISOLATED is on: build commands run \
                 WITHOUT isolation, with the server's own rights"
            );
        }
        std::fs::create_dir_all(&config.root)?;
        // Absolute, because commands start inside their work directory: a
        // relative root (the default `data/sandboxes`) would resolve there.
        let config = LocalEngineConfig { root: config.root.canonicalize()?, ..config };
        let run_as = if rustix::process::geteuid().is_root() {
            let setpriv = find_program("setpriv").ok_or_else(|| {
                SandboxError::Unavailable(
                    "setpriv (util-linux) is not installed: a root server needs it to run builds as an \
                     unprivileged user"
                        .into(),
                )
            })?;
            Some((setpriv, config.sandbox_uid))
        } else {
            None
        };
        let owner = run_as.as_ref().map_or_else(|| rustix::process::geteuid().as_raw(), |(_, uid)| *uid);
        let cgroups = limit_or_allow(Hierarchy::probe(), &config, "process, memory and CPU limits")?;
        let disks = limit_or_allow(
            DiskImages::probe(&config.root, config.limits.disk_bytes, owner),
            &config,
            "the disk quota (SANDBOX_DISK_MB)",
        )?;
        let seccomp = match bwrap {
            Some(_) => Some(write_seccomp_filters(&config)?),
            None => None,
        };
        match &config.network {
            SandboxNetwork::HostUnsafe => tracing::warn!("{HOST_UNSAFE_WARNING}"),
            SandboxNetwork::Allowlist(_) if !config.forwarder.is_file() => {
                return Err(SandboxError::Unavailable(format!(
                    "SANDBOX_NETWORK=allowlist needs the sandbox-forwarder program, not found at {}: build it \
                     (cargo build --release -p server --bin sandbox-forwarder) or set SANDBOX_FORWARDER",
                    config.forwarder.display()
                )))
            }
            _ => {}
        }
        std::fs::create_dir_all(config.root.join(EGRESS_SOCKETS))?;
        if let Some((_, uid)) = &run_as {
            ensure_reachable_by(*uid, &config.root)?;
        }
        // A copy inside the root, which the sandbox user can reach wherever
        // the program was built (a checkout under /root, say). Without one,
        // builds still run (with no network), but no preview can.
        let forwarder = if config.forwarder.is_file() {
            Some(install_copy(&config.forwarder, &config.root.join(".sandbox-forwarder"))?)
        } else {
            tracing::warn!(
                forwarder = %config.forwarder.display(),
                "the sandbox-forwarder program is missing: previews of built apps cannot run"
            );
            None
        };
        let settings = Settings {
            config,
            forwarder,
            bwrap,
            prlimit: find_program("prlimit"),
            run_as,
            cgroups,
            disks,
            seccomp,
            commands_run: AtomicU64::new(0),
            services: ServiceRegistry::default(),
        };
        Ok(Self { settings: Arc::new(settings) })
    }
}

impl LocalEngine {
    /// Mounts build `id`'s disk (making it when `create`), on the blocking pool.
    async fn attach_disk(&self, id: Uuid, create: bool) -> Result<Option<Arc<MountedImage>>, SandboxError> {
        let settings = self.settings.clone();
        tokio::task::spawn_blocking(move || match &settings.disks {
            Some(disks) => disks.attach(id, &settings.config.root, create),
            None => Ok(None),
        })
        .await
        .map_err(|error| SandboxError::Io(std::io::Error::other(error)))?
    }

    fn sandbox(&self, id: Uuid, disk: Option<Arc<MountedImage>>) -> Arc<dyn Sandbox> {
        let work_dir = self.settings.config.root.join(id.to_string());
        Arc::new(LocalSandbox::new(id, work_dir, self.settings.clone(), disk))
    }
}

#[async_trait::async_trait]
impl SandboxEngine for LocalEngine {
    fn isolation(&self) -> Isolation {
        if self.settings.bwrap.is_some() {
            Isolation::Isolated
        } else {
            Isolation::Unisolated
        }
    }

    fn describe(&self) -> EngineDescription {
        let network = &self.settings.config.network;
        let allowed_hosts = match network {
            SandboxNetwork::Allowlist(policy) => {
                policy.allowed_hosts.iter().chain(&policy.private_hosts).map(ToString::to_string).collect()
            }
            SandboxNetwork::None | SandboxNetwork::HostUnsafe => Vec::new(),
        };
        EngineDescription {
            isolation: self.isolation(),
            network: network.name(),
            allowed_hosts,
            limits: self.settings.config.limits,
        }
    }

    fn warning(&self) -> Option<String> {
        matches!(self.settings.config.network, SandboxNetwork::HostUnsafe)
            .then(|| HOST_UNSAFE_WARNING.to_owned())
    }

    async fn create(&self, id: Uuid) -> Result<Arc<dyn Sandbox>, SandboxError> {
        let disk = self.attach_disk(id, true).await?;
        let work_dir = self.settings.config.root.join(id.to_string());
        tokio::fs::create_dir_all(&work_dir).await?;
        if let (None, Some((_, uid))) = (&disk, &self.settings.run_as) {
            std::os::unix::fs::chown(&work_dir, Some(*uid), Some(*uid))?;
        }
        // A fresh ext4 file system has one; the agent's project should not.
        let _ = tokio::fs::remove_dir(work_dir.join("lost+found")).await;
        Ok(self.sandbox(id, disk))
    }

    async fn open(&self, id: Uuid) -> Result<Option<Arc<dyn Sandbox>>, SandboxError> {
        if restoring::is_marked(&self.settings.config.root, id).await {
            tracing::warn!(build_id = %id, "a restore here was cut short; removing what it unpacked");
            let disk = self.attach_disk(id, false).await?;
            self.sandbox(id, disk).destroy().await?;
            return Ok(None);
        }
        if let Some(disk) = self.attach_disk(id, false).await? {
            return Ok(Some(self.sandbox(id, Some(disk))));
        }
        // A work directory without an image (made without a quota) still opens.
        let work_dir = self.settings.config.root.join(id.to_string());
        if tokio::fs::metadata(&work_dir).await.is_ok_and(|meta| meta.is_dir()) {
            Ok(Some(self.sandbox(id, None)))
        } else {
            Ok(None)
        }
    }

    async fn held(&self) -> Result<Vec<Uuid>, SandboxError> {
        let root = self.settings.config.root.clone();
        tokio::task::spawn_blocking(move || {
            let mut held = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(&root)? {
                // Work directories are named by their build, as are disk images (`<id>.img`).
                let name = entry?.file_name();
                let Some(name) = name.to_str() else { continue };
                if let Ok(id) = Uuid::try_parse(name.strip_suffix(".img").unwrap_or(name)) {
                    held.insert(id);
                }
            }
            Ok(held.into_iter().collect())
        })
        .await
        .map_err(|error| SandboxError::Io(std::io::Error::other(error)))?
    }

    async fn noted_session(&self, id: Uuid) -> Result<Option<i32>, SandboxError> {
        match work_session::read(&self.settings.config.root, id).await {
            // As if there were none: the copy passes for current.
            Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
                tracing::warn!(build_id = %id, %error, "a work directory's session note cannot be read");
                Ok(None)
            }
            read => Ok(read?),
        }
    }

    async fn note_session(&self, id: Uuid, session: i32) -> Result<(), SandboxError> {
        Ok(work_session::write(&self.settings.config.root, id, session).await?)
    }
}
