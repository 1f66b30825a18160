//! Checkpoints: a build's work directory stored in object storage after
//! each agent session, so that a worker on another machine (sharing the
//! database and the store) can take a build over when the one running it
//! dies, instead of failing it for want of the work directory.
//!
//! A checkpoint is a full archive of the work directory: the same tar.gz
//! the archiver stores when a build ends (`.git` included, so the agent's
//! history comes along; the configured excludes left out). Full rather than
//! incremental because it is simple and self-contained: a restore needs one
//! object and nothing else. A git bundle of the new commits plus the
//! untracked files would send fewer bytes, but applying it needs git on the
//! host or in the sandbox and every earlier increment intact, and the disk
//! image caps a work directory at 2 GB anyway. The last [`KEPT`] are kept.

use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use uuid::Uuid;

use crate::builds::artifacts::{checkpoint_key, checkpoints_prefix};
use crate::sandbox::archive::ExcludeRules;
use crate::sandbox::unpack::Unpacked;
use crate::sandbox::{Sandbox, SandboxError};
use crate::storage::{ObjectKey, Storage, StorageError};

/// Checkpoints kept per build; older ones are removed once a new one is stored.
pub const KEPT: usize = 3;
/// Keys listed per request when looking for a build's checkpoints.
const LIST_PAGE: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("the work directory could not be archived or restored: {0}")]
    Sandbox(#[from] SandboxError),
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("the archive ended before its last file")]
    Incomplete,
}

/// A stored checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The agent session it was taken after.
    pub session: i32,
    pub key: ObjectKey,
    pub size_bytes: u64,
}

/// Stores, prunes and restores the checkpoints of builds.
#[derive(Clone)]
pub struct Checkpoints {
    storage: Storage,
    excludes: Arc<ExcludeRules>,
}

impl Checkpoints {
    pub fn new(storage: Storage, excludes: Arc<ExcludeRules>) -> Self {
        Self { storage, excludes }
    }

    /// Archives the work directory as the checkpoint of `session`,
    /// streaming it into storage (replacing one of the same session).
    pub async fn store(
        &self,
        build_id: Uuid,
        session: i32,
        sandbox: &dyn Sandbox,
    ) -> Result<Checkpoint, CheckpointError> {
        let key = checkpoint_key(build_id, session);
        let archive = sandbox.archive(self.excludes.clone()).await?;
        let uploaded = self.storage.upload(&key, archive.stream).await?;
        if archive.contents.await.is_err() {
            // The writer stopped without an error of its own (it panicked):
            // what was stored is cut short, and must not be restored.
            self.storage.delete(&key).await?;
            return Err(CheckpointError::Incomplete);
        }
        Ok(Checkpoint { session, key, size_bytes: uploaded.size_bytes })
    }

    /// Removes all but the newest [`KEPT`] checkpoints; answers how many went.
    pub async fn prune(&self, build_id: Uuid) -> Result<usize, StorageError> {
        let stored = self.stored(build_id).await?;
        let surplus = stored.len().saturating_sub(KEPT);
        for old in &stored[..surplus] {
            self.storage.delete(&old.key).await?;
        }
        Ok(surplus)
    }

    /// The checkpoint of the latest session, if any is stored.
    pub async fn latest(&self, build_id: Uuid) -> Result<Option<Checkpoint>, StorageError> {
        Ok(self.stored(build_id).await?.pop())
    }

    /// Unpacks `checkpoint` into `sandbox`'s work directory as it downloads.
    pub async fn restore(
        &self,
        checkpoint: &Checkpoint,
        sandbox: &dyn Sandbox,
    ) -> Result<Unpacked, CheckpointError> {
        let download = self.storage.download(&checkpoint.key, None).await?;
        let stream = download.body.map_err(std::io::Error::other).boxed();
        Ok(sandbox.restore(stream).await?)
    }

    /// The build's checkpoints, oldest first.
    async fn stored(&self, build_id: Uuid) -> Result<Vec<Checkpoint>, StorageError> {
        let prefix = checkpoints_prefix(build_id);
        let mut found = Vec::new();
        let mut after = None;
        loop {
            let page = self.storage.list(&prefix, after.as_deref(), LIST_PAGE).await?;
            for object in page.objects {
                // Anything else under the prefix is not ours to restore or remove.
                if let Some(session) = session_of(&object.key) {
                    let key = ObjectKey::parse(&object.key)?;
                    found.push(Checkpoint { session, key, size_bytes: object.size_bytes });
                }
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        found.sort_by_key(|checkpoint| checkpoint.session);
        Ok(found)
    }
}

/// The session a checkpoint key names (`…/000012.tar.gz` → 12).
fn session_of(key: &str) -> Option<i32> {
    let name = key.rsplit('/').next()?.strip_suffix(".tar.gz")?;
    name.bytes().all(|byte| byte.is_ascii_digit()).then(|| name.parse().ok())?
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::sandbox::local::{LocalEngine, LocalEngineConfig, DEFAULT_SANDBOX_UID};
    use crate::sandbox::{SandboxEngine, SandboxLimits, SandboxNetwork};
    use crate::storage::signed_url::UrlSigner;
    use crate::storage::StorageBackend;

    #[test]
    fn checkpoint_keys_sort_by_session_and_name_it() {
        let build = Uuid::now_v7();
        let (ninth, tenth) = (checkpoint_key(build, 9), checkpoint_key(build, 10));
        assert_eq!(tenth.as_str(), format!("builds/{build}/checkpoints/000010.tar.gz"));
        assert!(ninth < tenth, "zero-padded keys sort as their sessions do");
        assert_eq!(session_of(tenth.as_str()), Some(10));
        assert_eq!(session_of("builds/x/checkpoints/notes.tar.gz"), None);
        assert_eq!(session_of("builds/x/checkpoints/+1.tar.gz"), None);
        assert_eq!(session_of("builds/x/checkpoints/000001.zip"), None);
    }

    fn scratch(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("checkpoints-test-{name}-{}", Uuid::now_v7().simple()))
    }

    /// Plain directories, no isolation needed: only files are touched here.
    fn engine(root: PathBuf) -> LocalEngine {
        LocalEngine::new(LocalEngineConfig {
            root,
            limits: SandboxLimits::default(),
            network: SandboxNetwork::None,
            allow_unisolated: true,
            allow_unlimited: true,
            forwarder: PathBuf::from("sandbox-forwarder"),
            sandbox_uid: DEFAULT_SANDBOX_UID,
        })
        .expect("a local engine")
    }

    #[tokio::test]
    async fn only_the_newest_three_are_kept_and_the_latest_restores_the_work_directory() {
        let (objects, first_root, second_root) = (scratch("objects"), scratch("first"), scratch("second"));
        let signer = UrlSigner::new(b"a test signing key of enough bytes".to_vec()).expect("a key");
        let storage =
            Storage::open(&StorageBackend::Local { root: objects.clone() }, signer).expect("local storage");
        let excludes = Arc::new(ExcludeRules::new(&ExcludeRules::default_patterns()).expect("valid"));
        let checkpoints = Checkpoints::new(storage, excludes);
        let build = Uuid::now_v7();
        let first = engine(first_root.clone()).create(build).await.expect("a sandbox");
        for session in 1..=5 {
            first.write_file("progress.txt", format!("session {session}").as_bytes()).await.unwrap();
            first.write_file("node_modules/big.js", b"left out").await.unwrap();
            checkpoints.store(build, session, first.as_ref()).await.expect("stored");
            checkpoints.prune(build).await.expect("pruned");
        }
        let kept: Vec<i32> = checkpoints.stored(build).await.unwrap().iter().map(|c| c.session).collect();
        assert_eq!(kept, [3, 4, 5]);

        let latest = checkpoints.latest(build).await.unwrap().expect("a checkpoint");
        assert_eq!(latest.session, 5);
        let second = engine(second_root.clone()).create(build).await.expect("a sandbox");
        let unpacked = checkpoints.restore(&latest, second.as_ref()).await.expect("restored");
        assert_eq!(unpacked.skipped, 0);
        assert_eq!(second.read_file("progress.txt").await.unwrap(), b"session 5");
        assert!(
            matches!(second.read_file("node_modules/big.js").await, Err(SandboxError::NotFound(_))),
            "excluded paths are not in checkpoints"
        );
        for sandbox in [first, second] {
            sandbox.destroy().await.expect("removed");
        }
        for dir in [objects, first_root, second_root] {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    #[tokio::test]
    async fn a_build_without_checkpoints_has_no_latest() {
        let objects = scratch("empty");
        let signer = UrlSigner::new(b"a test signing key of enough bytes".to_vec()).expect("a key");
        let storage =
            Storage::open(&StorageBackend::Local { root: objects.clone() }, signer).expect("local storage");
        let excludes = Arc::new(ExcludeRules::new(&[]).expect("valid"));
        let checkpoints = Checkpoints::new(storage, excludes);
        assert_eq!(checkpoints.latest(Uuid::now_v7()).await.unwrap(), None);
        let _ = std::fs::remove_dir_all(objects);
    }
}
