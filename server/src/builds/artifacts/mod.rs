//! What a build leaves behind: its work directory archived into object
//! storage with the evidence pack beside it (`archiver`, `manifest`), and
//! how its owner gets it back (`service`, `extract`).

pub mod archiver;
pub mod extract;
mod leftovers;
pub mod manifest;
mod rendered;
pub mod repo;
pub mod service;

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::sandbox::archive::ExcludeRules;
use crate::storage::ObjectKey;

pub use self::archiver::Archiver;
pub use self::service::ArtifactService;

/// How artifacts are kept: read from the environment by `crate::config`,
/// documented in `env.example`.
#[derive(Debug, Clone)]
pub struct ArtifactSettings {
    /// Left out of archives; see [`ExcludeRules`].
    pub excludes: Arc<ExcludeRules>,
    /// Archives older than this are removed; `None` keeps them.
    pub retention: Option<Duration>,
    /// Keep work directories after their archive is stored (for debugging).
    pub keep_workdirs: bool,
    /// How long a download URL stays valid.
    pub download_url_ttl: Duration,
}

impl Default for ArtifactSettings {
    fn default() -> Self {
        Self {
            excludes: Arc::new(
                ExcludeRules::new(&ExcludeRules::default_patterns()).expect("the default patterns are valid"),
            ),
            retention: None,
            keep_workdirs: false,
            download_url_ttl: Duration::from_secs(300),
        }
    }
}

/// Everything a build stores lives under this prefix.
pub fn build_prefix(build_id: Uuid) -> ObjectKey {
    ObjectKey::parse(&format!("builds/{build_id}")).expect("a UUID makes a valid key")
}

pub fn archive_key(build_id: Uuid) -> ObjectKey {
    build_prefix(build_id).join("artifacts.tar.gz").expect("a valid key")
}

pub fn manifest_key(build_id: Uuid) -> ObjectKey {
    build_prefix(build_id).join("manifest.json").expect("a valid key")
}

/// A build's checkpoints, one per agent session (see `crate::builds::checkpoints`).
pub fn checkpoints_prefix(build_id: Uuid) -> ObjectKey {
    build_prefix(build_id).join("checkpoints").expect("a valid key")
}

/// Zero-padded, so that keys sort in session order.
pub fn checkpoint_key(build_id: Uuid, session: i32) -> ObjectKey {
    checkpoints_prefix(build_id).join(&format!("{session:06}.tar.gz")).expect("a valid key")
}
