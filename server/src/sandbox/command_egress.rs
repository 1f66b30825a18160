//! The egress proxy of one command: a socket in a directory of its own
//! (bound read-only into the sandbox), the proxy serving it, and its
//! decisions relayed to the command's output.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::bwrap::SOCKET_NAME;
use super::egress::{self, EgressPolicy, ProxySummary};
use super::{CommandOutput, SandboxError};

/// Egress decisions waiting to be reported; past this, the proxy counts
/// and drops them rather than slow the build.
const RECORDS_IN_FLIGHT: usize = 256;

pub struct CommandEgress {
    pub socket_dir: PathBuf,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<ProxySummary>,
    relay: tokio::task::JoinHandle<()>,
}

impl CommandEgress {
    /// Serves `policy` on a socket in `socket_dir`, which only `owner` (the
    /// build's user, when the server is root) may reach.
    pub fn start(
        socket_dir: PathBuf,
        owner: Option<u32>,
        policy: Arc<EgressPolicy>,
        output: mpsc::Sender<CommandOutput>,
    ) -> Result<Self, SandboxError> {
        let _ = std::fs::remove_dir_all(&socket_dir);
        std::fs::create_dir_all(&socket_dir)?;
        let socket = socket_dir.join(SOCKET_NAME);
        let listener = tokio::net::UnixListener::bind(&socket)?;
        if let Some(uid) = owner {
            std::os::unix::fs::chown(&socket_dir, Some(uid), Some(uid))?;
            std::os::unix::fs::chown(&socket, Some(uid), Some(uid))?;
        }
        std::fs::set_permissions(&socket_dir, std::fs::Permissions::from_mode(0o700))?;
        let (records, mut received) = mpsc::channel(RECORDS_IN_FLIGHT);
        let stop = CancellationToken::new();
        let task = tokio::spawn(egress::serve(listener, policy, records, stop.clone()));
        let relay = tokio::spawn(async move {
            while let Some(record) = received.recv().await {
                if output.send(CommandOutput::Egress(record)).await.is_err() {
                    return;
                }
            }
        });
        Ok(Self { socket_dir, stop, task, relay })
    }

    /// Closes every tunnel, reports what was dropped, removes the socket.
    pub async fn stop(self) {
        self.stop.cancel();
        if let Ok(summary) = self.task.await {
            if summary.dropped_records > 0 {
                tracing::warn!(
                    dropped = summary.dropped_records,
                    "egress decisions were not reported: too many at once"
                );
            }
        }
        let _ = self.relay.await;
        let _ = tokio::fs::remove_dir_all(&self.socket_dir).await;
    }
}
