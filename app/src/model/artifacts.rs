//! What a build leaves behind: its work as a tar.gz in object storage, and
//! the evidence pack (`manifest.json`) that explains it, as the build page and
//! the REST API see them (downloads themselves are plain links to
//! `/api/builds/{id}/artifacts`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Files of the manifest the file browser lists; the archive holds them all.
pub const MAX_LISTED_FILES: usize = 5_000;
/// Text shown in the file viewer; longer files are cut with a note.
pub const MAX_VIEWED_TEXT_BYTES: usize = 1024 * 1024;

/// Where a build's archive is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ArtifactState {
    /// The build has not ended, or never started work.
    None,
    /// Ended; waiting for the process that holds its work directory.
    Pending,
    Uploading,
    /// In storage, its checksum verified by reading it back.
    Stored,
    /// The upload failed; retrying is possible while the work directory is kept.
    Failed,
    /// Removed by the retention policy.
    Expired,
}

impl ArtifactState {
    pub const ALL: [ArtifactState; 6] = [
        ArtifactState::None,
        ArtifactState::Pending,
        ArtifactState::Uploading,
        ArtifactState::Stored,
        ArtifactState::Failed,
        ArtifactState::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactState::None => "none",
            ArtifactState::Pending => "pending",
            ArtifactState::Uploading => "uploading",
            ArtifactState::Stored => "stored",
            ArtifactState::Failed => "failed",
            ArtifactState::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// Whether the archive is on its way (the page keeps asking).
    pub fn is_in_progress(self) -> bool {
        matches!(self, ArtifactState::Pending | ArtifactState::Uploading)
    }
}

/// A build's archive as the Download card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ArtifactInfo {
    pub build_id: Uuid,
    pub state: ArtifactState,
    /// What the download is saved as: `<spec-name>-<short id>.tar.gz`.
    pub file_name: String,
    pub size_bytes: Option<i64>,
    /// Hex SHA-256 of the whole archive.
    pub sha256: Option<String>,
    pub file_count: Option<i32>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub stored_at: Option<DateTime<Utc>>,
    /// Why the last upload failed, or why it expired.
    pub message: Option<String>,
    /// When the retention policy removes it, if one is set.
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub expires_at: Option<DateTime<Utc>>,
}

/// The evidence pack: what is in the archive and why the build can be
/// trusted. Stored as `builds/{id}/manifest.json` beside the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ArtifactManifest {
    /// Bumped when the shape changes incompatibly.
    pub format: u32,
    pub build_id: Uuid,
    pub spec_name: String,
    pub status: String,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub finished_at: Option<DateTime<Utc>>,
    pub platform_version: String,
    pub archive: ArchiveSummary,
    /// The archive's files outside `.git/`, sorted by path: every one, or
    /// the first ones when `archive.unlisted_files` says some are not listed.
    pub files: Vec<ManifestFile>,
    pub features: Vec<FeatureEvidence>,
    /// Newest first.
    pub commits: Vec<CommitRecord>,
    pub sessions: Vec<SessionUsage>,
    pub model: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub sandbox: SandboxPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ArchiveSummary {
    pub key: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// Files outside `.git/`, listed in `files` or not.
    pub file_count: i32,
    /// Of them, those in the archive but not in `files`: past what the list
    /// may weigh (some 200,000 files with long paths), or with a path that
    /// is not UTF-8.
    #[serde(default)]
    pub unlisted_files: i32,
    #[serde(default)]
    pub unlisted_bytes: i64,
    /// `.git/` is kept so the agent's history comes along; summed here.
    pub git_files: i32,
    pub git_bytes: i64,
    /// Patterns left out of the archive, e.g. `node_modules/`.
    pub excluded: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ManifestFile {
    /// Relative to the work directory, `/`-separated.
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// UTF-8 without NUL bytes: shown in the viewer; otherwise downloaded.
    pub is_text: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeatureEvidence {
    pub index: i32,
    pub description: String,
    pub category: String,
    pub passes: bool,
    /// The test run that last ran before the feature was marked passing.
    pub proof: Option<TestProof>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TestProof {
    pub command: String,
    pub passed: i32,
    pub failed: i32,
    pub exit_code: Option<i32>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CommitRecord {
    pub hash: String,
    pub subject: String,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionUsage {
    pub session: i32,
    pub model: String,
    pub input_tokens: i64,
    pub output_tokens: i64,
}

/// The isolation, limits and network a build's commands ran under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SandboxPolicy {
    /// `bubblewrap` or `none`.
    pub isolation: String,
    /// `none`, `allowlist` or `host-unsafe`.
    pub network: String,
    pub allowed_hosts: Vec<String>,
    pub command_timeout_secs: i64,
    pub cpu_seconds: i64,
    pub memory_bytes: i64,
    pub max_processes: i64,
    pub cpu_millis: i64,
    pub disk_bytes: i64,
}

/// The build page's result (`get_build_result`): the archive's state and,
/// once it is stored, the evidence pack and the file tree rendered to HTML
/// by the server, which the page shows as they are. The browser reads only
/// what it acts on: the archive's state and download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildResultPage {
    pub artifact: ArtifactInfo,
    /// `None` until the archive is stored.
    pub stored: Option<StoredResult>,
}

/// What a stored archive adds to the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResult {
    pub archive: ArchiveSummary,
    /// The files' heading and tree (at most [`MAX_LISTED_FILES`]), each
    /// file a link to the page with it chosen.
    pub files_html: String,
    /// The evidence panel: the features and their proofs, the commits, the
    /// tokens, the sandbox.
    pub evidence_html: String,
}

/// One file of a stored archive, as the viewer shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BuildFileContent {
    pub path: String,
    pub size_bytes: i64,
    /// `None` for a binary file: download the archive to get it.
    pub text: Option<String>,
    /// The text was cut at [`MAX_VIEWED_TEXT_BYTES`].
    pub is_truncated: bool,
}

/// The download's file name: the spec's name made safe, then the build's
/// short id, e.g. `todo-app-0193a2b4.tar.gz`.
pub fn archive_file_name(spec_name: &str, build_id: Uuid) -> String {
    let mut name = String::new();
    for character in spec_name.trim().chars() {
        if character.is_alphanumeric() {
            name.extend(character.to_lowercase());
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
        if name.chars().count() >= 60 {
            break;
        }
    }
    let name = name.trim_end_matches('-');
    let short_id = &build_id.simple().to_string()[..8];
    if name.is_empty() {
        format!("build-{short_id}.tar.gz")
    } else {
        format!("{name}-{short_id}.tar.gz")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_is_the_spec_name_made_safe_and_the_short_id() {
        let id = Uuid::parse_str("0193a2b4-1111-7000-8000-000000000000").unwrap();
        assert_eq!(archive_file_name("Todo App: v2!", id), "todo-app-v2-0193a2b4.tar.gz");
        assert_eq!(archive_file_name("../../etc/passwd", id), "etc-passwd-0193a2b4.tar.gz");
        assert_eq!(archive_file_name("  ", id), "build-0193a2b4.tar.gz");
        assert_eq!(archive_file_name("Café «Ünïcode»", id), "café-ünïcode-0193a2b4.tar.gz");
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in ArtifactState::ALL {
            assert_eq!(ArtifactState::parse(state.as_str()), Some(state));
        }
    }
}
