//! The local engine: a work directory per sandbox under the data folder,
//! every command under bubblewrap (new user, PID, IPC, UTS, network and
//! mount namespaces; the work directory the only writable place; system
//! directories read-only; a private /tmp; dies with the server), in a
//! cgroup of its own (processes, memory) and with a CPU-time rlimit.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::cgroup::CommandCgroup;
use super::paths::{ensure_inside, resolve};
use super::{
    CommandOutcome, FileEntry, Isolation, OutputLine, OutputStream, Sandbox, SandboxEngine, SandboxError,
    SandboxLimits,
};

/// Where the sandboxed command sees its work directory.
const WORK_MOUNT: &str = "/work";
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
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

#[derive(Debug, Clone)]
pub struct LocalEngineConfig {
    /// Work directories are `root/<id>`.
    pub root: PathBuf,
    pub limits: SandboxLimits,
    pub allow_network: bool,
    /// Run commands without bubblewrap when it is missing. Off by default.
    pub allow_unisolated: bool,
}

struct Settings {
    config: LocalEngineConfig,
    bwrap: Option<PathBuf>,
    prlimit: Option<PathBuf>,
    commands_run: AtomicU64,
}

pub struct LocalEngine {
    settings: Arc<Settings>,
}

impl LocalEngine {
    /// Refuses to start without bubblewrap unless unisolated runs are allowed.
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
        let settings =
            Settings { config, bwrap, prlimit: find_program("prlimit"), commands_run: AtomicU64::new(0) };
        Ok(Self { settings: Arc::new(settings) })
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| PATH.into());
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
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

    async fn create(&self, id: Uuid) -> Result<Arc<dyn Sandbox>, SandboxError> {
        let work_dir = self.settings.config.root.join(id.to_string());
        tokio::fs::create_dir_all(&work_dir).await?;
        Ok(Arc::new(LocalSandbox { id, work_dir, settings: self.settings.clone() }))
    }

    async fn open(&self, id: Uuid) -> Result<Option<Arc<dyn Sandbox>>, SandboxError> {
        let work_dir = self.settings.config.root.join(id.to_string());
        if tokio::fs::metadata(&work_dir).await.is_ok_and(|meta| meta.is_dir()) {
            Ok(Some(Arc::new(LocalSandbox { id, work_dir, settings: self.settings.clone() })))
        } else {
            Ok(None)
        }
    }
}

pub struct LocalSandbox {
    id: Uuid,
    work_dir: PathBuf,
    settings: Arc<Settings>,
}

/// bubblewrap's arguments for a command in `work_dir`.
pub fn bwrap_arguments(work_dir: &Path, allow_network: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |parts: &[&str]| args.extend(parts.iter().map(OsString::from));
    push(&["--unshare-all", "--die-with-parent", "--new-session"]);
    if allow_network {
        push(&["--share-net"]);
    }
    push(&["--ro-bind", "/usr", "/usr"]);
    // Merged-/usr systems have these as links into /usr; others as directories.
    for top in ["/bin", "/sbin", "/lib", "/lib64", "/lib32"] {
        match std::fs::read_link(top) {
            Ok(target) => {
                args.extend(["--symlink".into(), target.into_os_string(), top.into()]);
            }
            Err(_) if Path::new(top).is_dir() => args.extend(["--ro-bind".into(), top.into(), top.into()]),
            Err(_) => {}
        }
    }
    for file in ETC_FILES {
        args.extend(["--ro-bind-try".into(), file.into(), file.into()]);
    }
    args.extend([
        "--proc".into(),
        "/proc".into(),
        "--dev".into(),
        "/dev".into(),
        "--tmpfs".into(),
        "/tmp".into(),
    ]);
    args.extend(["--bind".into(), work_dir.as_os_str().to_owned(), WORK_MOUNT.into()]);
    args.extend(["--chdir".into(), WORK_MOUNT.into(), "--clearenv".into()]);
    for (name, value) in [("PATH", PATH), ("HOME", WORK_MOUNT), ("TMPDIR", "/tmp"), ("LANG", "C.UTF-8")] {
        args.extend(["--setenv".into(), name.into(), value.into()]);
    }
    args
}

/// Joins the command's cgroups (paths in `$AGENTS_CGROUP_PROCS`), then
/// becomes the rest of the arguments. A group that cannot be joined stops
/// the command: running it without its limits would be worse.
const JOIN_CGROUPS_THEN_EXEC: &str =
    "for procs in $AGENTS_CGROUP_PROCS; do echo $$ > \"$procs\" || exit 125; done; exec \"$@\"";

impl LocalSandbox {
    fn command_line(&self, command: &str, cgroup: Option<&CommandCgroup>) -> Command {
        let config = &self.settings.config;
        let mut program: Vec<OsString> = Vec::new();
        if let Some(prlimit) = &self.settings.prlimit {
            program.push(prlimit.clone().into_os_string());
            program.push(format!("--cpu={}", config.limits.cpu_seconds).into());
            program.push("--".into());
        }
        // Without bubblewrap (allowed only by an explicit setting) the command runs as it is.
        if let Some(bwrap) = &self.settings.bwrap {
            program.push(bwrap.clone().into_os_string());
            program.extend(bwrap_arguments(&self.work_dir, config.allow_network));
        }
        program.extend(["/bin/sh".into(), "-c".into(), command.into()]);

        let mut line = Command::new("/bin/sh");
        line.arg("-c").arg(JOIN_CGROUPS_THEN_EXEC).arg("sh").args(program);
        line.env_clear().env("PATH", PATH).env("HOME", &self.work_dir).env("LANG", "C.UTF-8");
        if let Some(cgroup) = cgroup {
            let files: Vec<String> =
                cgroup.procs_files().iter().map(|file| file.display().to_string()).collect();
            line.env("AGENTS_CGROUP_PROCS", files.join(" "));
        }
        line.current_dir(&self.work_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        line
    }
}

#[async_trait::async_trait]
impl Sandbox for LocalSandbox {
    async fn run(
        &self,
        command: &str,
        output: mpsc::Sender<OutputLine>,
        cancel: CancellationToken,
    ) -> Result<CommandOutcome, SandboxError> {
        let limits = self.settings.config.limits;
        let started = Instant::now();
        let number = self.settings.commands_run.fetch_add(1, Ordering::Relaxed);
        let cgroup = CommandCgroup::create(&format!("{}-{number}", self.id), &limits);
        if cgroup.is_none() && number == 0 {
            tracing::warn!(sandbox = %self.id, "no writable cgroups here: process and memory limits are not enforced");
        }
        let mut child = self
            .command_line(command, cgroup.as_ref())
            .spawn()
            .map_err(|error| SandboxError::Unavailable(format!("could not start the command: {error}")))?;

        let budget = Arc::new(AtomicUsize::new(limits.max_output_bytes));
        let readers = [
            child
                .stdout
                .take()
                .map(|pipe| forward_lines(pipe, OutputStream::Stdout, output.clone(), budget.clone())),
            child.stderr.take().map(|pipe| forward_lines(pipe, OutputStream::Stderr, output, budget.clone())),
        ];

        let (status, timed_out, cancelled) = tokio::select! {
            status = child.wait() => (status.ok(), false, false),
            _ = tokio::time::sleep(limits.timeout) => (None, true, false),
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

    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError> {
        let resolved = resolve(&self.work_dir, path)?;
        let real = ensure_inside(&self.work_dir, &resolved, path)?;
        Ok(tokio::fs::read(real).await?)
    }

    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError> {
        let resolved = resolve(&self.work_dir, path)?;
        let parent = resolved.parent().ok_or_else(|| SandboxError::OutsideWorkDir(path.to_owned()))?;
        tokio::fs::create_dir_all(parent).await?;
        ensure_inside(&self.work_dir, parent, path)?;
        // Never write through a link: it could point anywhere.
        if tokio::fs::symlink_metadata(&resolved).await.is_ok_and(|meta| meta.file_type().is_symlink()) {
            return Err(SandboxError::OutsideWorkDir(path.to_owned()));
        }
        Ok(tokio::fs::write(resolved, contents).await?)
    }

    async fn list_files(&self, dir: &str) -> Result<Vec<FileEntry>, SandboxError> {
        let resolved = resolve(&self.work_dir, dir)?;
        let start = ensure_inside(&self.work_dir, &resolved, dir)?;
        let root = self.work_dir.canonicalize()?;
        tokio::task::spawn_blocking(move || walk(&root, &start))
            .await
            .map_err(|error| SandboxError::Io(std::io::Error::other(error)))?
    }

    async fn archive(&self) -> Result<super::archive::ArchiveStream, SandboxError> {
        if !tokio::fs::metadata(&self.work_dir).await.is_ok_and(|meta| meta.is_dir()) {
            return Err(SandboxError::NotFound(".".into()));
        }
        Ok(super::archive::tar_gz(self.work_dir.clone()))
    }

    async fn destroy(&self) -> Result<(), SandboxError> {
        match tokio::fs::remove_dir_all(&self.work_dir).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error.into()),
            _ => Ok(()),
        }
    }
}

/// Sends `pipe`'s lines until the byte budget is spent, then drains the
/// rest. Answers whether anything was held back.
fn forward_lines(
    pipe: impl AsyncRead + Unpin + Send + 'static,
    stream: OutputStream,
    output: mpsc::Sender<OutputLine>,
    budget: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<bool> {
    tokio::spawn(async move {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        let mut is_truncated = false;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return is_truncated,
                Ok(read) => {
                    let allowed = budget
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(read))
                        .is_ok();
                    if !allowed {
                        is_truncated = true;
                        continue;
                    }
                    let text = String::from_utf8_lossy(&line).trim_end_matches(['\n', '\r']).to_owned();
                    if output.send(OutputLine { stream, text }).await.is_err() {
                        is_truncated = true;
                    }
                }
            }
        }
    })
}

fn walk(root: &Path, start: &Path) -> Result<Vec<FileEntry>, SandboxError> {
    let mut entries = Vec::new();
    let mut pending = vec![start.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_name() == ".git" {
                continue;
            }
            // symlink_metadata: a link is listed, never followed.
            let meta = std::fs::symlink_metadata(entry.path())?;
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            if meta.is_dir() {
                pending.push(path);
            }
            entries.push(FileEntry { path: relative, is_dir: meta.is_dir(), size_bytes: meta.len() });
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}
