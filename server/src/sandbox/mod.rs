//! Where build agents run commands: a sandbox per build, behind a trait so
//! remote engines (E2B, Kubernetes) can plug in later. Engines know nothing
//! of builds, agents or HTTP.

pub mod archive;
pub mod bwrap;
pub mod cgroup;
pub mod channel_reader;
pub mod command_egress;
pub mod disk;
pub mod egress;
pub mod files;
mod host_setup;
pub mod identity;
pub mod local;
pub mod output;
pub mod restoring;
pub mod seccomp;
mod services;
pub mod unpack;
pub mod work_session;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How much a build's commands may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxLimits {
    /// Wall-clock time of one command.
    pub timeout: Duration,
    /// CPU time of each process.
    pub cpu_seconds: u64,
    /// Memory of all of a build's processes together.
    pub memory_bytes: u64,
    /// A build's processes and threads alive at once.
    pub max_processes: u64,
    /// A build's share of the CPUs, in thousandths of a CPU.
    pub cpu_millis: u64,
    /// The build's disk: everything its work directory holds.
    pub disk_bytes: u64,
    /// Output passed on per command; the rest is drained and counted.
    pub max_output_bytes: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            cpu_seconds: 600,
            memory_bytes: 2 * 1024 * 1024 * 1024,
            max_processes: 256,
            cpu_millis: 1000,
            disk_bytes: 2 * 1024 * 1024 * 1024,
            max_output_bytes: 4 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// One line of a command's output (without its newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    pub stream: OutputStream,
    pub text: String,
}

/// What a running command reports: its output, and the hosts it tried to
/// reach through the egress proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandOutput {
    Line(OutputLine),
    Egress(egress::EgressRecord),
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    /// `None` when it was killed (timeout, cancel, a limit).
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub cancelled: bool,
    /// Some output was not passed on: over `max_output_bytes`.
    pub is_output_truncated: bool,
    pub duration: Duration,
}

impl CommandOutcome {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0)
    }
}

/// Files matching a pattern, at most [`files::MAX_LISTED_ENTRIES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileListing {
    pub entries: Vec<FileEntry>,
    /// More matched than were listed.
    pub is_cut: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Relative to the work directory, `/`-separated.
    pub path: String,
    pub is_dir: bool,
    pub size_bytes: u64,
}

/// What network a build's commands have.
#[derive(Clone, Default)]
pub enum SandboxNetwork {
    /// None at all: an empty network namespace.
    #[default]
    None,
    /// An empty network namespace whose only way out is the server's egress
    /// proxy, which lets through the policy's hosts alone.
    Allowlist(Arc<egress::EgressPolicy>),
    /// The host's own network namespace, loopback and all: the platform,
    /// its database and everything the host reaches. Never in production.
    HostUnsafe,
}

impl SandboxNetwork {
    pub fn name(&self) -> &'static str {
        match self {
            SandboxNetwork::None => "none",
            SandboxNetwork::Allowlist(_) => "allowlist",
            SandboxNetwork::HostUnsafe => "host-unsafe",
        }
    }
}

impl std::fmt::Debug for SandboxNetwork {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

/// Whether commands are really isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// bubblewrap: namespaces, read-only system, no network unless allowed.
    Isolated,
    /// Plain processes in the work directory: only with an explicit setting.
    Unisolated,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the sandbox cannot run commands: {0}")]
    Unavailable(String),
    #[error("{0} is outside the work directory")]
    OutsideWorkDir(String),
    #[error("{0} does not exist in the work directory")]
    NotFound(String),
    #[error("{0} is not a regular file")]
    NotAFile(String),
    #[error("{path} is larger than {limit} bytes, the most that is read at once")]
    FileTooLarge { path: String, limit: u64 },
    #[error("the pattern is not a valid glob: {0}")]
    BadPattern(String),
    #[error("the listing was stopped: {0}")]
    ListingTooLong(String),
    #[error("the sandbox's file system failed: {0}")]
    Io(#[from] std::io::Error),
}

/// One build's isolated place to work.
#[async_trait::async_trait]
pub trait Sandbox: Send + Sync + 'static {
    /// Runs `command` with `sh -c` in the work directory, sending each
    /// output line (and egress decision) to `output` (a full channel slows
    /// the command, never drops lines). Killed at the timeout or when
    /// `cancel` fires.
    async fn run(
        &self,
        command: &str,
        output: mpsc::Sender<CommandOutput>,
        cancel: CancellationToken,
    ) -> Result<CommandOutcome, SandboxError>;
    /// Runs `command` as a long-lived service (the app's preview) with `PORT`
    /// set to `port`, the port it must listen on in the sandbox's own
    /// network; the server reaches it through [`Sandbox::service_socket`].
    /// Same isolation and limits as [`Sandbox::run`], but no wall-clock
    /// limit: it runs until it exits or `cancel` fires.
    async fn serve(
        &self,
        command: &str,
        port: u16,
        output: mpsc::Sender<CommandOutput>,
        cancel: CancellationToken,
    ) -> Result<CommandOutcome, SandboxError> {
        let _ = (command, port, output, cancel);
        Err(SandboxError::Unavailable("this sandbox engine cannot run previews".into()))
    }
    /// The Unix socket a running service is reached through, from outside.
    /// The build can replace it with anything: open it without following links.
    fn service_socket(&self) -> Option<std::path::PathBuf> {
        None
    }
    /// A regular file's contents, at most [`files::MAX_READ_BYTES`].
    async fn read_file(&self, path: &str) -> Result<Vec<u8>, SandboxError>;
    /// Creates parent directories as needed.
    async fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), SandboxError>;
    /// Files and directories matching the glob `pattern`, sorted, `.git`
    /// excluded; a walk too large or too slow is stopped with an error.
    async fn list_files(&self, pattern: &str, cancel: CancellationToken)
        -> Result<FileListing, SandboxError>;
    /// The whole work directory as a tar.gz stream, `.git` included and
    /// `excludes` left out.
    async fn archive(&self, excludes: Arc<archive::ExcludeRules>) -> Result<archive::Archive, SandboxError>;
    /// Unpacks a tar.gz stream (one [`Sandbox::archive`] made) into the work
    /// directory, over what is there: nothing lands outside it, links stay
    /// links, and files belong to the build's user.
    async fn restore(&self, archive: archive::ArchiveStream) -> Result<unpack::Unpacked, SandboxError>;
    /// Removes the work directory and everything in it.
    async fn destroy(&self) -> Result<(), SandboxError>;
    /// How full the build's disk is, where it has a quota.
    async fn disk_usage(&self) -> Option<disk::DiskUsage> {
        None
    }
}

/// What an engine's sandboxes run under, for the evidence a build leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineDescription {
    pub isolation: Isolation,
    /// [`SandboxNetwork::name`].
    pub network: &'static str,
    /// Host patterns the egress proxy lets through (allowlist only).
    pub allowed_hosts: Vec<String>,
    pub limits: SandboxLimits,
}

#[async_trait::async_trait]
pub trait SandboxEngine: Send + Sync + 'static {
    fn isolation(&self) -> Isolation;
    fn describe(&self) -> EngineDescription;
    /// What every build page should warn about this engine, if anything.
    fn warning(&self) -> Option<String> {
        None
    }
    /// A new, empty sandbox for `id` (an existing one is reused as it is).
    async fn create(&self, id: Uuid) -> Result<Arc<dyn Sandbox>, SandboxError>;
    /// The sandbox of `id` if its work directory still exists.
    async fn open(&self, id: Uuid) -> Result<Option<Arc<dyn Sandbox>>, SandboxError>;
    /// The builds whose work directory is on this machine.
    async fn held(&self) -> Result<Vec<Uuid>, SandboxError>;
    /// The build session `id`'s work directory was last noted as holding
    /// the work of ([`SandboxEngine::note_session`]); `None` when it never
    /// was. Removing the work directory removes its note.
    async fn noted_session(&self, id: Uuid) -> Result<Option<i32>, SandboxError>;
    /// Notes that `id`'s work directory holds the build's work up to `session`.
    async fn note_session(&self, id: Uuid, session: i32) -> Result<(), SandboxError>;
}
