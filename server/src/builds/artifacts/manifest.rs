//! The evidence pack: what an archive holds and why the build can be
//! trusted, put together from what the archive walk saw, the feature list,
//! the build's events and its git log. Pure: the archiver gathers the inputs.

use std::collections::HashMap;

use app::model::artifacts::{
    ArchiveSummary, ArtifactManifest, CommitRecord, FeatureEvidence, ManifestFile, SandboxPolicy,
    SessionUsage, TestProof,
};
use app::model::builds::{BuildEvent, StoredBuildEvent};
use chrono::{DateTime, Utc};

use crate::builds::repo::BuildRow;
use crate::sandbox::archive::ArchiveContents;
use crate::sandbox::{EngineDescription, Isolation};
use crate::storage::Uploaded;
use agent_protocol::feature_list::Feature;

pub const FORMAT: u32 = 1;
/// The git log asks for at most this many commits, newest first.
pub const MAX_COMMITS: usize = 1_000;
/// Fields of a `git log` line, separated by a tab.
pub const GIT_LOG_COMMAND: &str = "git log --no-color -n 1000 --format='%H%x09%ct%x09%s' 2>/dev/null";

pub struct ManifestInputs<'a> {
    pub build: &'a BuildRow,
    pub archive_key: &'a str,
    pub uploaded: &'a Uploaded,
    pub contents: ArchiveContents,
    pub excluded: Vec<String>,
    /// `None` when the agent never wrote a readable feature list.
    pub features: Option<Vec<Feature>>,
    /// Test runs, feature ends and session usage, in sequence order.
    pub events: Vec<StoredBuildEvent>,
    pub git_log: Vec<String>,
    pub engine: &'a EngineDescription,
}

pub fn build_manifest(inputs: ManifestInputs<'_>) -> ArtifactManifest {
    let ManifestInputs {
        build,
        archive_key,
        uploaded,
        contents,
        excluded,
        features,
        events,
        git_log,
        engine,
    } = inputs;
    let proofs = proofs_of(&events);
    let features = features
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, feature)| {
            let index = index as i32;
            FeatureEvidence {
                index,
                description: feature.description,
                category: feature.category,
                passes: feature.passes,
                proof: feature.passes.then(|| proofs.get(&index).cloned()).flatten(),
            }
        })
        .collect();
    let files: Vec<ManifestFile> = contents
        .files
        .into_iter()
        .map(|file| ManifestFile {
            path: file.path,
            size_bytes: file.size_bytes as i64,
            sha256: file.sha256,
            is_text: file.is_text,
        })
        .collect();
    ArtifactManifest {
        format: FORMAT,
        build_id: build.id,
        spec_name: build.spec_name.clone(),
        status: build.status.clone(),
        created_at: build.created_at,
        finished_at: build.finished_at,
        platform_version: env!("CARGO_PKG_VERSION").to_owned(),
        archive: ArchiveSummary {
            key: archive_key.to_owned(),
            size_bytes: uploaded.size_bytes as i64,
            sha256: uploaded.sha256.clone(),
            file_count: count(files.len() as u64 + contents.unlisted_files),
            unlisted_files: count(contents.unlisted_files),
            unlisted_bytes: i64::try_from(contents.unlisted_bytes).unwrap_or(i64::MAX),
            git_files: contents.git_files as i32,
            git_bytes: contents.git_bytes as i64,
            excluded,
        },
        files,
        features,
        commits: parse_git_log(&git_log),
        sessions: sessions_of(&events),
        model: build.model.clone(),
        input_tokens: build.input_tokens,
        output_tokens: build.output_tokens,
        sandbox: policy_of(engine),
    }
}

/// A number of files as the manifest keeps it.
fn count(files: u64) -> i32 {
    i32::try_from(files).unwrap_or(i32::MAX)
}

/// For each feature marked passing, the last test run before it was.
fn proofs_of(events: &[StoredBuildEvent]) -> HashMap<i32, TestProof> {
    let mut last_run: Option<TestProof> = None;
    let mut proofs = HashMap::new();
    for stored in events {
        match &stored.event {
            BuildEvent::TestRun { command, passed, failed, exit_code, .. } => {
                last_run = Some(TestProof {
                    command: command.clone(),
                    passed: *passed,
                    failed: *failed,
                    exit_code: *exit_code,
                    at: stored.at,
                });
            }
            BuildEvent::FeatureEnd { index, passed: true, .. } => {
                if let Some(run) = &last_run {
                    proofs.insert(*index, run.clone());
                }
            }
            _ => {}
        }
    }
    proofs
}

fn sessions_of(events: &[StoredBuildEvent]) -> Vec<SessionUsage> {
    events
        .iter()
        .filter_map(|stored| match &stored.event {
            BuildEvent::SessionUsage { session, model, input_tokens, output_tokens } => Some(SessionUsage {
                session: *session,
                model: model.clone(),
                input_tokens: *input_tokens,
                output_tokens: *output_tokens,
            }),
            _ => None,
        })
        .collect()
}

/// Commits from [`GIT_LOG_COMMAND`]'s lines; lines that do not fit are skipped.
pub fn parse_git_log(lines: &[String]) -> Vec<CommitRecord> {
    lines
        .iter()
        .filter_map(|line| {
            let mut fields = line.splitn(3, '\t');
            let hash = fields.next()?;
            let seconds = fields.next()?.parse::<i64>().ok()?;
            let subject = fields.next().unwrap_or_default();
            let is_hash = hash.len() >= 40 && hash.chars().all(|character| character.is_ascii_hexdigit());
            let at = DateTime::<Utc>::from_timestamp(seconds, 0)?;
            is_hash.then(|| CommitRecord { hash: hash.to_owned(), subject: subject.to_owned(), at })
        })
        .take(MAX_COMMITS)
        .collect()
}

fn policy_of(engine: &EngineDescription) -> SandboxPolicy {
    let limits = &engine.limits;
    SandboxPolicy {
        isolation: match engine.isolation {
            Isolation::Isolated => "bubblewrap".to_owned(),
            Isolation::Unisolated => "none".to_owned(),
        },
        network: engine.network.to_owned(),
        allowed_hosts: engine.allowed_hosts.clone(),
        command_timeout_secs: limits.timeout.as_secs() as i64,
        cpu_seconds: limits.cpu_seconds as i64,
        memory_bytes: limits.memory_bytes as i64,
        max_processes: limits.max_processes as i64,
        cpu_millis: limits.cpu_millis as i64,
        disk_bytes: limits.disk_bytes as i64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seq: i64, event: BuildEvent) -> StoredBuildEvent {
        StoredBuildEvent { seq, at: DateTime::<Utc>::from_timestamp(1_700_000_000 + seq, 0).unwrap(), event }
    }

    fn test_run(passed: i32, failed: i32) -> BuildEvent {
        BuildEvent::TestRun {
            command: "npm test".into(),
            passed,
            failed,
            exit_code: Some(if failed == 0 { 0 } else { 1 }),
            duration_ms: 10,
        }
    }

    fn feature_end(index: i32, passed: bool) -> BuildEvent {
        BuildEvent::FeatureEnd { index, description: String::new(), passed, tests_passed: 0, tests_failed: 0 }
    }

    #[test]
    fn a_passing_feature_is_proved_by_the_last_test_run_before_it() {
        let events = vec![
            at(1, test_run(0, 2)),
            at(2, feature_end(0, false)),
            at(3, test_run(1, 1)),
            at(4, test_run(2, 0)),
            at(5, feature_end(0, true)),
            at(6, feature_end(1, true)),
        ];
        let proofs = proofs_of(&events);
        let proof = &proofs[&0];
        assert_eq!((proof.passed, proof.failed, proof.at.timestamp()), (2, 0, 1_700_000_004));
        assert_eq!(proofs[&1].at.timestamp(), 1_700_000_004, "the same run may prove two features");
    }

    #[test]
    fn a_feature_with_no_test_run_before_it_has_no_proof() {
        assert!(proofs_of(&[at(1, feature_end(0, true))]).is_empty());
    }

    #[test]
    fn git_log_lines_become_commits_and_odd_lines_are_skipped() {
        let hash = "a".repeat(40);
        let lines = vec![
            format!("{hash}\t1700000000\tfeat: add todos\twith a tab"),
            "warning: something".to_owned(),
            format!("{hash}\tnot-a-time\tx"),
            format!("{}\t1700000000\tx", "z".repeat(40)),
        ];
        let commits = parse_git_log(&lines);
        assert_eq!(commits.len(), 1);
        assert_eq!(commits[0].subject, "feat: add todos\twith a tab");
        assert_eq!(commits[0].at.timestamp(), 1_700_000_000);
    }
}
