//! One build's sandbox on the local engine: its commands and services
//! (started under bubblewrap, in their cgroup, with rlimits) and its files.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Settings, EGRESS_SOCKETS};
use crate::sandbox::archive::{Archive, ArchiveStream, ExcludeRules};
use crate::sandbox::bwrap::{self, PATH};
use crate::sandbox::cgroup::{CommandCgroup, GroupLimits};
use crate::sandbox::channel_reader::ChannelReader;
use crate::sandbox::command_egress::CommandEgress;
use crate::sandbox::disk::{self, DiskUsage, MountedImage};
use crate::sandbox::files;
use crate::sandbox::identity::FileSystemIdentity;
use crate::sandbox::output::forward_lines;
use crate::sandbox::restoring;
use crate::sandbox::unpack::{unpack_tar_gz, Unpacked};
use crate::sandbox::work_session;
use crate::sandbox::{
    CommandOutcome, CommandOutput, FileListing, OutputStream, Sandbox, SandboxError, SandboxNetwork,
};

/// How one command runs: a build step, or a service (the app's preview).
#[derive(Debug, Clone, Copy)]
struct Execution {
    /// Wall-clock limit; services have none (they run until stopped).
    timeout: Option<Duration>,
    /// A service's port on the sandbox's loopback, reached through
    /// [`bwrap::SERVICE_SOCKET`].
    service_port: Option<u16>,
}

/// A build's work directory, and the commands run in it.
pub struct LocalSandbox {
    id: Uuid,
    work_dir: PathBuf,
    settings: Arc<Settings>,
    /// Keeps the build's disk mounted while this sandbox is in use.
    disk: Option<Arc<MountedImage>>,
}

/// The launcher bubblewrap starts from: joins the command's cgroups (paths
/// in `$AGENTS_CGROUP_PROCS`), opens the seccomp filters on the descriptors
/// bubblewrap reads them from, then becomes the rest of the arguments. A
/// step that fails stops the command: running it without its limits would
/// be worse.
const LAUNCHER: &str = "for procs in $AGENTS_CGROUP_PROCS; do echo $$ > \"$procs\" || exit 125; done; \
     if [ -n \"$AGENTS_SECCOMP_REFUSED\" ]; then \
     exec 8<\"$AGENTS_SECCOMP_REFUSED\" 9<\"$AGENTS_SECCOMP_CLONE3\" || exit 125; fi; \
     exec \"$@\"";

impl LocalSandbox {
    pub(super) fn new(
        id: Uuid,
        work_dir: PathBuf,
        settings: Arc<Settings>,
        disk: Option<Arc<MountedImage>>,
    ) -> Self {
        Self { id, work_dir, settings, disk }
    }

    /// Runs `operation` on the work directory, on the blocking pool.
    async fn on_files<T: Send + 'static>(
        &self,
        operation: impl FnOnce(&cap_std::fs::Dir) -> Result<T, SandboxError> + Send + 'static,
    ) -> Result<T, SandboxError> {
        let work_dir = self.work_dir.clone();
        let run_as = self.settings.run_as.as_ref().map(|(_, uid)| *uid);
        tokio::task::spawn_blocking(move || {
            // The build's user owns what is made, and only its rights apply.
            let _identity = run_as.map(FileSystemIdentity::assume);
            operation(&files::open_root(&work_dir)?)
        })
        .await
        .map_err(|error| SandboxError::Io(std::io::Error::other(error)))?
    }

    fn command_line(
        &self,
        command: &str,
        execution: Execution,
        cgroup: Option<&CommandCgroup>,
        egress: Option<&CommandEgress>,
    ) -> Command {
        let settings = &self.settings;
        let limits = &settings.config.limits;
        let mut program: Vec<OsString> = Vec::new();
        if let Some(prlimit) = &settings.prlimit {
            program.push(prlimit.clone().into_os_string());
            program.push(format!("--cpu={}", limits.cpu_seconds).into());
            // One file cannot outgrow the disk, quota or not.
            program.push(format!("--fsize={}", limits.disk_bytes).into());
            if settings.cgroups.is_none() {
                // Without cgroups: processes per user (every build's together,
                // when they share one) and address space are the bounds left.
                program.push(format!("--nproc={}", limits.max_processes).into());
                program.push(format!("--as={}", limits.memory_bytes.saturating_mul(4)).into());
            }
            program.push("--".into());
        }
        // Without bubblewrap (allowed only by an explicit setting) the command runs as it is.
        if let Some(bwrap) = &settings.bwrap {
            if let Some((setpriv, uid)) = &settings.run_as {
                program.push(setpriv.clone().into_os_string());
                program.extend([format!("--reuid={uid}"), format!("--regid={uid}")].map(OsString::from));
                program.extend(["--clear-groups", "--"].map(OsString::from));
            }
            program.push(bwrap.clone().into_os_string());
            let mounts = bwrap::ExtraMounts {
                egress_socket_dir: egress.map(|proxy| proxy.socket_dir.as_path()),
                forwarder: settings.forwarder.as_deref(),
            };
            program.extend(bwrap::arguments(
                &self.work_dir,
                &settings.config.network,
                settings.seccomp.is_some(),
                &mounts,
            ));
            if egress.is_some() {
                // The forwarder listens on the sandbox's loopback, then runs the command.
                program.extend([
                    bwrap::FORWARDER.into(),
                    format!("tcp:{}", bwrap::PROXY_PORT).into(),
                    format!("unix:{}", bwrap::EGRESS_SOCKET).into(),
                    OsString::from("--"),
                ]);
            }
        }
        if let (Some(port), Some(forwarder)) = (execution.service_port, &settings.forwarder) {
            // The other direction: the server connects to the socket, the
            // forwarder to the app on the sandbox's own loopback.
            let forwarder = match settings.bwrap {
                Some(_) => OsString::from(bwrap::FORWARDER),
                None => forwarder.clone().into_os_string(),
            };
            program.push(forwarder);
            program.extend(
                [
                    format!("unix:{}", bwrap::SERVICE_SOCKET),
                    format!("tcp:{port}"),
                    "--".into(),
                    "/usr/bin/env".into(),
                    format!("PORT={port}"),
                ]
                .map(OsString::from),
            );
        }
        program.extend(["/bin/sh".into(), "-c".into(), command.into()]);

        let mut line = Command::new("/bin/sh");
        line.arg("-c").arg(LAUNCHER).arg("sh").args(program);
        line.env_clear().env("PATH", PATH).env("HOME", &self.work_dir).env("LANG", "C.UTF-8");
        if let Some(cgroup) = cgroup {
            let files: Vec<String> =
                cgroup.procs_files().iter().map(|file| file.display().to_string()).collect();
            line.env("AGENTS_CGROUP_PROCS", files.join(" "));
        }
        if let (Some([refused, clone3]), Some(_)) = (&settings.seccomp, &settings.bwrap) {
            line.env("AGENTS_SECCOMP_REFUSED", refused).env("AGENTS_SECCOMP_CLONE3", clone3);
        }
        line.current_dir(&self.work_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        line
    }

    fn command_cgroup(&self, number: u64) -> Option<CommandCgroup> {
        let hierarchy = self.settings.cgroups?;
        let group_limits = GroupLimits::of(&self.settings.config.limits);
        match hierarchy.command_group(&self.id.to_string(), number, &group_limits) {
            Ok(group) => Some(group),
            Err(error) => {
                // The launcher refuses to run without its groups: no group, no command.
                tracing::error!(sandbox = %self.id, %error, "could not make a command's cgroup");
                None
            }
        }
    }

    async fn execute(
        &self,
        command: &str,
        execution: Execution,
        output: mpsc::Sender<CommandOutput>,
        cancel: CancellationToken,
    ) -> Result<CommandOutcome, SandboxError> {
        let limits = self.settings.config.limits;
        let started = Instant::now();
        let number = self.settings.commands_run.fetch_add(1, Ordering::Relaxed);
        let cgroup = self.command_cgroup(number);
        if self.settings.cgroups.is_some() && cgroup.is_none() {
            return Err(SandboxError::Unavailable(
                "the command's resource limits could not be set up".into(),
            ));
        }
        let egress = match (&self.settings.config.network, &self.settings.bwrap) {
            (SandboxNetwork::Allowlist(policy), Some(_)) => {
                // Short: a socket's path must fit in 108 bytes. The process
                // id keeps servers sharing the root apart.
                let socket_dir = self.settings.config.root.join(EGRESS_SOCKETS);
                let socket_dir = socket_dir.join(format!("{}-{number}", std::process::id()));
                let owner = self.settings.run_as.as_ref().map(|(_, uid)| *uid);
                Some(CommandEgress::start(socket_dir, owner, policy.clone(), output.clone())?)
            }
            _ => None,
        };
        let spawned = self.command_line(command, execution, cgroup.as_ref(), egress.as_ref()).spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) => {
                if let Some(egress) = egress {
                    egress.stop().await;
                }
                return Err(SandboxError::Unavailable(format!("could not start the command: {error}")));
            }
        };

        let budget = Arc::new(AtomicUsize::new(limits.max_output_bytes));
        let readers = [
            child
                .stdout
                .take()
                .map(|pipe| forward_lines(pipe, OutputStream::Stdout, output.clone(), budget.clone())),
            child.stderr.take().map(|pipe| forward_lines(pipe, OutputStream::Stderr, output, budget.clone())),
        ];

        let time_limit = async {
            match execution.timeout {
                Some(timeout) => tokio::time::sleep(timeout).await,
                None => std::future::pending().await,
            }
        };
        let (status, timed_out, cancelled) = tokio::select! {
            status = child.wait() => (status.ok(), false, false),
            _ = time_limit => (None, true, false),
            _ = cancel.cancelled() => (None, false, true),
        };
        let status = match status {
            Some(status) => Some(status),
            None => {
                // Killing bubblewrap takes its PID namespace, and so every
                // process in it, down; the cgroup catches the rest.
                let _ = child.start_kill();
                if let Some(cgroup) = &cgroup {
                    cgroup.kill_all();
                }
                let _ = child.wait().await;
                None
            }
        };
        // Background processes left by a finished command end with it.
        if let Some(cgroup) = cgroup {
            cgroup.remove().await;
        }
        if let Some(egress) = egress {
            egress.stop().await;
        }
        let mut is_output_truncated = false;
        for reader in readers.into_iter().flatten() {
            match tokio::time::timeout(Duration::from_secs(2), reader).await {
                Ok(Ok(truncated)) => is_output_truncated |= truncated,
                _ => tracing::warn!(sandbox = %self.id, "a command's output did not close in time"),
            }
        }
        Ok(CommandOutcome {
            exit_code: status.and_then(|status| status.code()),
            timed_out,
            cancelled,
            is_output_truncated,
            duration: started.elapsed(),
        })
    }
}

#[async_trait::async_trait]
impl Sandbox for LocalSandbox {
    async fn run(
        &self,
        command: &str,
        output: mpsc::Sender<CommandOutput>,
        cancel: CancellationToken,
    ) -> Result<CommandOutcome, SandboxError> {
        let execution = Execution { timeout: Some(self.settings.config.limits.timeout), service_port: None };
        self.execute(command, execution, output, cancel).await
    }

    async fn serve(
        &self,
        command: &str,
        port: u16,
        output: mpsc::Sender<CommandOutput>,
        cancel: CancellationToken,
    ) -> Result<CommandOutcome, SandboxError> {
        if self.settings.forwarder.is_none() {
            return Err(SandboxError::Unavailable(
                "the sandbox-forwarder program is missing (set SANDBOX_FORWARDER), so no app can be previewed"
                    .into(),
            ));
        }
        if matches!(self.settings.config.network, SandboxNetwork::HostUnsafe) && self.settings.bwrap.is_some()
        {
            return Err(SandboxError::Unavailable(
                "previews need SANDBOX_NETWORK=none or allowlist: with host-unsafe, Unix sockets are refused in \
                 the sandbox"
                    .into(),
            ));
        }
        let execution = Execution { timeout: None, service_port: Some(port) };
        self.settings
            .services
            .run(self.id, cancel, |stop| self.execute(command, execution, output, stop))
            .await
    }

    fn service_socket(&self) -> Option<PathBuf> {
        Some(self.work_dir.join(bwrap::SERVICE_SOCKET))
    }

    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        let path = path.to_owned();
        self.on_files(move |root| files::read(root, &path)).await
    }

    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        let (path, contents) = (path.to_owned(), contents.to_vec());
        self.on_files(move |root| files::write(root, &path, &contents)).await
    }

    async fn list_files(
        &self,
        pattern: &str,
        cancel: CancellationToken,
    ) -> Result<FileListing, SandboxError> {
        let pattern = pattern.to_owned();
        self.on_files(move |root| files::list(root, &pattern, &cancel)).await
    }

    async fn archive(&self, excludes: Arc<ExcludeRules>) -> Result<Archive, SandboxError> {
        if !tokio::fs::metadata(&self.work_dir).await.is_ok_and(|meta| meta.is_dir()) {
            return Err(SandboxError::NotFound(".".into()));
        }
        Ok(crate::sandbox::archive::tar_gz(
            self.work_dir.clone(),
            excludes,
            self.settings.config.limits.disk_bytes,
        ))
    }

    async fn restore(&self, archive: ArchiveStream) -> Result<Unpacked, SandboxError> {
        let (work_dir, root, id) = (self.work_dir.clone(), self.settings.config.root.clone(), self.id);
        let run_as = self.settings.run_as.as_ref().map(|(_, uid)| *uid);
        restoring::mark(&root, id).await?;
        // Polled on the runtime, read from the blocking pool under the build's identity.
        let reader = ChannelReader::spawn(archive);
        tokio::task::spawn_blocking(move || {
            let unpacked = {
                // As in `on_files`: the build's user owns what is made, and only its rights apply.
                let _identity = run_as.map(FileSystemIdentity::assume);
                unpack_tar_gz(reader, &work_dir)?
            };
            restoring::unmark_blocking(&root, id)?;
            Ok(unpacked)
        })
        .await
        .map_err(|error| SandboxError::Io(std::io::Error::other(error)))?
    }

    async fn destroy(&self) -> Result<(), SandboxError> {
        self.settings.services.stop_all(self.id).await;
        let (root, id, work_dir) = (self.settings.config.root.clone(), self.id, self.work_dir.clone());
        tokio::task::spawn_blocking(move || {
            disk::remove(&root, id)?;
            match std::fs::remove_dir_all(&work_dir) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
                _ => {}
            }
            restoring::unmark_blocking(&root, id)?;
            Ok(work_session::remove_blocking(&root, id)?)
        })
        .await
        .map_err(|error| SandboxError::Io(std::io::Error::other(error)))?
    }

    async fn disk_usage(&self) -> Option<DiskUsage> {
        self.disk.as_ref()?;
        disk::usage(&self.work_dir)
    }
}
