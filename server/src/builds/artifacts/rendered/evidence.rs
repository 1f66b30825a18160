//! The evidence pack beside the files: each feature with the test run that
//! proved it, the agent's commits, the tokens each session used, and the
//! sandbox the commands ran in. Rendered by the server only, to the HTML the
//! build page's result shows as it is (`get_build_result`): nothing in it
//! changes once shown, so neither its view nor the manifest's reader need be
//! in the browser's WASM.

use leptos::prelude::*;

use app::components::panel::{Panel, Row};
use app::format::{byte_size, cpus, duration, sandbox_limit, timestamp, token_count};
use app::model::artifacts::{ArtifactManifest, CommitRecord, FeatureEvidence, SandboxPolicy, SessionUsage};

/// Hex digits of a commit hash shown, as `git log --oneline` does.
const SHORT_HASH: usize = 7;

/// The evidence panel of `manifest`, as HTML (text escaped as any view's).
pub fn evidence_html(manifest: ArtifactManifest) -> String {
    view! { <EvidencePanel manifest /> }.to_html()
}

#[component]
fn EvidencePanel(manifest: ArtifactManifest) -> impl IntoView {
    let ArtifactManifest { features, commits, sessions, model, input_tokens, output_tokens, sandbox, .. } =
        manifest;
    let passing = features.iter().filter(|feature| feature.passes).count();
    let features_title = format!("Features ({passing} of {} pass)", features.len());
    let commits_title = format!("Commits ({})", commits.len());
    view! {
        <Panel title="Evidence" testid="evidence">
            <div class="mt-3 space-y-3 text-sm">
                <EvidenceGroup title=features_title testid="evidence-features">
                    {if features.is_empty() {
                        view! { <p class="text-slate-500 dark:text-slate-400">"No features were planned."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="space-y-2">
                                {features.into_iter().map(|feature| view! { <FeatureProof feature /> }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    }}
                </EvidenceGroup>
                <EvidenceGroup title=commits_title testid="evidence-commits">
                    {if commits.is_empty() {
                        view! { <p class="text-slate-500 dark:text-slate-400">"The agent made no commits."</p> }.into_any()
                    } else {
                        view! {
                            <ol class="space-y-1.5">
                                {commits.into_iter().map(|commit| view! { <CommitItem commit /> }).collect_view()}
                            </ol>
                        }
                        .into_any()
                    }}
                </EvidenceGroup>
                <EvidenceGroup title="Tokens".to_owned() testid="evidence-sessions">
                    <SessionList sessions model input_tokens output_tokens />
                </EvidenceGroup>
                <EvidenceGroup title="Sandbox".to_owned() testid="evidence-sandbox">
                    <SandboxFacts sandbox />
                </EvidenceGroup>
            </div>
        </Panel>
    }
}

/// One part of the evidence, open by default and closable, its list
/// scrolling when long.
#[component]
fn EvidenceGroup(title: String, testid: &'static str, children: Children) -> impl IntoView {
    view! {
        <details open data-testid=testid>
            <summary class="cursor-pointer font-medium focus-visible:outline-2 focus-visible:outline-indigo-600">{title}</summary>
            <div class="mt-2 max-h-72 overflow-y-auto">{children()}</div>
        </details>
    }
}

#[component]
fn FeatureProof(feature: FeatureEvidence) -> impl IntoView {
    let (mark, tone, state) = if feature.passes {
        ("✓", "text-emerald-600 dark:text-emerald-400", "passes")
    } else {
        ("✗", "text-red-600 dark:text-red-400", "does not pass")
    };
    let proof = match feature.proof {
        Some(proof) => {
            let outcome = match proof.exit_code {
                Some(code) if code != 0 => {
                    format!("{} passed, {} failed, exit code {code}", proof.passed, proof.failed)
                }
                _ => format!("{} passed, {} failed", proof.passed, proof.failed),
            };
            let command = proof.command.clone();
            view! {
                <span class="block text-xs text-slate-500 dark:text-slate-400">
                    <code class="block truncate font-mono" title=command>{proof.command}</code>
                    {format!("{outcome} · {}", timestamp(proof.at))}
                </span>
            }
            .into_any()
        }
        None => view! { <span class="block text-xs text-slate-500 dark:text-slate-400">"No test run recorded."</span> }
            .into_any(),
    };
    view! {
        <li class="flex gap-2" data-passes=feature.passes.to_string()>
            <span class=format!("w-4 shrink-0 text-center font-semibold {tone}") aria-hidden="true">{mark}</span>
            <span class="min-w-0">
                <span class="sr-only">{format!("{state}: ")}</span>
                {feature.description}
                {proof}
            </span>
        </li>
    }
}

#[component]
fn CommitItem(commit: CommitRecord) -> impl IntoView {
    let short: String = commit.hash.chars().take(SHORT_HASH).collect();
    let subject = commit.subject.clone();
    view! {
        <li class="min-w-0">
            <p class="flex gap-2">
                <code class="shrink-0 font-mono text-xs text-indigo-700 dark:text-indigo-300" title=commit.hash>{short}</code>
                <span class="truncate" title=subject>{commit.subject}</span>
            </p>
            <p class="text-xs text-slate-500 dark:text-slate-400">
                <time datetime=commit.at.to_rfc3339()>{timestamp(commit.at)}</time>
            </p>
        </li>
    }
}

#[component]
fn SessionList(
    sessions: Vec<SessionUsage>,
    model: String,
    input_tokens: i64,
    output_tokens: i64,
) -> impl IntoView {
    // A session whose server was killed never reported; its replies' tokens
    // are in the total all the same.
    let unreported_input = input_tokens - sessions.iter().map(|session| session.input_tokens).sum::<i64>();
    let unreported_output = output_tokens - sessions.iter().map(|session| session.output_tokens).sum::<i64>();
    let unreported = (unreported_input > 0 || unreported_output > 0).then(|| {
        view! {
            <li class="flex justify-between gap-3">
                <span class="min-w-0 truncate text-slate-500 dark:text-slate-400">"Sessions cut short by a stopped server"</span>
                <span class="shrink-0">{format!("{} in · {} out", token_count(unreported_input.max(0)), token_count(unreported_output.max(0)))}</span>
            </li>
        }
    });
    view! {
        <ul class="space-y-1 text-xs tabular-nums">
            {sessions
                .into_iter()
                .map(|session| {
                    let label = format!("Session {}", session.session);
                    view! {
                        <li class="flex justify-between gap-3">
                            <span class="min-w-0 truncate">
                                <span class="font-medium">{label}</span>
                                <span class="text-slate-500 dark:text-slate-400">{format!(" · {}", session.model)}</span>
                            </span>
                            <span class="shrink-0">{format!("{} in · {} out", token_count(session.input_tokens), token_count(session.output_tokens))}</span>
                        </li>
                    }
                })
                .collect_view()}
            {unreported}
            <li class="flex justify-between gap-3 border-t border-slate-200 pt-1 dark:border-slate-800">
                <span class="min-w-0 truncate">
                    <span class="font-medium">"Total"</span>
                    <span class="text-slate-500 dark:text-slate-400">{format!(" · {model}")}</span>
                </span>
                <span class="shrink-0 font-medium">{format!("{} in · {} out", token_count(input_tokens), token_count(output_tokens))}</span>
            </li>
        </ul>
    }
}

#[component]
fn SandboxFacts(sandbox: SandboxPolicy) -> impl IntoView {
    let isolation = match sandbox.isolation.as_str() {
        "bubblewrap" => "bubblewrap sandbox".to_owned(),
        "none" => "none: commands ran on the host".to_owned(),
        other => other.to_owned(),
    };
    let network = match sandbox.network.as_str() {
        "none" => "none".to_owned(),
        "allowlist" => "allowed hosts only".to_owned(),
        "host-unsafe" => "the host's, unrestricted".to_owned(),
        other => other.to_owned(),
    };
    let hosts = sandbox.allowed_hosts;
    view! {
        <dl class="space-y-1.5 text-xs">
            <Row label="Isolation">{isolation}</Row>
            <Row label="Network">{network}</Row>
            {(!hosts.is_empty()).then(|| view! {
                <div>
                    <dt class="text-slate-500 dark:text-slate-400">"Allowed hosts"</dt>
                    <dd class="mt-0.5 flex flex-wrap gap-1">
                        {hosts.into_iter().map(|host| view! {
                            <code class="rounded bg-slate-100 px-1 font-mono dark:bg-slate-800">{host}</code>
                        }).collect_view()}
                    </dd>
                </div>
            })}
            <Row label="Per command">{sandbox_limit(sandbox.command_timeout_secs, duration)}</Row>
            <Row label="CPU time">{sandbox_limit(sandbox.cpu_seconds, duration)}</Row>
            <Row label="CPU share">{sandbox_limit(sandbox.cpu_millis, cpus)}</Row>
            <Row label="Memory">{sandbox_limit(sandbox.memory_bytes, byte_size)}</Row>
            <Row label="Disk">{sandbox_limit(sandbox.disk_bytes, byte_size)}</Row>
            <Row label="Processes">{sandbox_limit(sandbox.max_processes, |count| count.to_string())}</Row>
        </dl>
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use uuid::Uuid;

    use super::*;
    use app::model::artifacts::{ArchiveSummary, TestProof};

    fn manifest_with(feature: &str, commit_subject: &str) -> ArtifactManifest {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        ArtifactManifest {
            format: 1,
            build_id: Uuid::from_u128(1),
            spec_name: "Family Table".into(),
            status: "completed".into(),
            created_at: at,
            finished_at: Some(at),
            platform_version: "0.1.0".into(),
            archive: ArchiveSummary {
                key: "builds/1.tar.gz".into(),
                size_bytes: 2048,
                sha256: "0".repeat(64),
                file_count: 3,
                unlisted_files: 0,
                unlisted_bytes: 0,
                git_files: 0,
                git_bytes: 0,
                excluded: vec![],
            },
            files: vec![],
            features: vec![FeatureEvidence {
                index: 0,
                description: feature.into(),
                category: "ui".into(),
                passes: true,
                proof: Some(TestProof {
                    command: "npm test".into(),
                    passed: 2,
                    failed: 0,
                    exit_code: Some(0),
                    at,
                }),
            }],
            commits: vec![CommitRecord { hash: "abcdef0123".into(), subject: commit_subject.into(), at }],
            sessions: vec![SessionUsage {
                session: 1,
                model: "offline".into(),
                input_tokens: 1200,
                output_tokens: 300,
            }],
            model: "offline".into(),
            input_tokens: 1200,
            output_tokens: 300,
            sandbox: SandboxPolicy {
                isolation: "bubblewrap".into(),
                network: "none".into(),
                allowed_hosts: vec![],
                command_timeout_secs: 600,
                cpu_seconds: 0,
                memory_bytes: 1 << 30,
                max_processes: 256,
                cpu_millis: 0,
                disk_bytes: 0,
            },
        }
    }

    #[test]
    fn the_pack_reads_as_the_page_showed_it() {
        let html = evidence_html(manifest_with("Plan the week's meals", "Add the planner"));
        for part in
            ["evidence", "evidence-features", "evidence-commits", "evidence-sessions", "evidence-sandbox"]
        {
            assert!(html.contains(&format!(r#"data-testid="{part}""#)), "{part} in {html}");
        }
        assert!(html.contains("Features (1 of 1 pass)"), "{html}");
        assert!(html.contains(r#"data-passes="true""#), "{html}");
        assert!(html.contains("1,200 in · 300 out"), "{html}");
        assert!(html.contains("bubblewrap sandbox"), "{html}");
        assert!(!html.contains("cut short"), "every session reported: {html}");
    }

    #[test]
    fn tokens_no_session_reported_show_as_cut_short() {
        let mut manifest = manifest_with("Plan the week's meals", "Add the planner");
        manifest.input_tokens = 2000;
        manifest.output_tokens = 450;
        let html = evidence_html(manifest);
        assert!(html.contains("Sessions cut short by a stopped server"), "{html}");
        assert!(html.contains("800 in · 150 out"), "{html}");
        assert!(html.contains("2,000 in · 450 out"), "the total: {html}");
    }

    #[test]
    fn what_the_build_wrote_is_text_not_markup() {
        let html = evidence_html(manifest_with(
            "<img src=x onerror=alert(1)>",
            "<script>alert(document.cookie)</script> & \"quotes\"",
        ));
        assert!(!html.contains("<img") && !html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(document.cookie)&lt;/script&gt; &amp;"), "{html}");
    }
}
