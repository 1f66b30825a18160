//! "Work": the last test run, the files touched, the hosts reached and the
//! errors met.

use leptos::prelude::*;

use crate::components::panel::Panel;
use crate::model::build_view::{BuildView, NetworkAccess};
use crate::model::builds::{EgressVerdict, FileChange, Severity};

/// The last test run, the files the agent touched and the errors it met.
#[component]
pub(super) fn WorkDetails(live: ReadSignal<BuildView>) -> impl IntoView {
    let test_run = Memo::new(move |_| live.with(|view| view.last_test_run.clone()));
    let files = Memo::new(move |_| live.with(|view| view.files.clone()));
    let errors = Memo::new(move |_| live.with(|view| view.errors.clone()));
    let network = Memo::new(move |_| live.with(|view| view.network.clone()));
    view! {
        <Panel title="Work">
            <div class="mt-2 space-y-3 text-sm">
                {move || match test_run.get() {
                    Some((command, passed, failed, exit_code)) => {
                        let outcome = match exit_code {
                            Some(code) => format!("{passed} passed, {failed} failed (exit code {code})"),
                            None => format!("{passed} passed, {failed} failed (no exit code)"),
                        };
                        let tone = if failed == 0 && exit_code == Some(0) {
                            "text-emerald-700 dark:text-emerald-300"
                        } else {
                            "text-red-700 dark:text-red-300"
                        };
                        let full_command = command.clone();
                        view! {
                            <div data-testid="last-test-run">
                                <p class="font-medium">"Last test run"</p>
                                <p class=tone>{outcome}</p>
                                <p class="truncate font-mono text-xs text-slate-500 dark:text-slate-400" title=full_command>{command}</p>
                            </div>
                        }
                        .into_any()
                    }
                    None => view! { <p class="text-slate-500 dark:text-slate-400">"No tests run yet."</p> }.into_any(),
                }}
                <details>
                    <summary class="cursor-pointer font-medium focus-visible:outline-2 focus-visible:outline-indigo-600">
                        {move || files.with(|files| files_summary(files))}
                    </summary>
                    <ul class="mt-1 max-h-64 space-y-0.5 overflow-y-auto font-mono text-xs">
                        {move || files.get().into_iter().map(|(path, change)| {
                            let (mark, label) = match change {
                                FileChange::Created => ("+", "created"),
                                FileChange::Modified => ("~", "modified"),
                                FileChange::Deleted => ("−", "deleted"),
                            };
                            let title = format!("{label}: {path}");
                            view! {
                                <li class="truncate" title=title>
                                    <span aria-hidden="true" class="mr-1 text-slate-400">{mark}</span>
                                    <span class="sr-only">{format!("{label}: ")}</span>
                                    {path}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </details>
                {move || {
                    let network = network.get();
                    (!network.is_empty()).then(|| view! { <NetworkList network /> })
                }}
                {move || {
                    let errors = errors.get();
                    (!errors.is_empty()).then(|| view! {
                        <div data-testid="build-errors">
                            <p class="font-medium text-red-700 dark:text-red-300">{format!("Errors ({})", errors.len())}</p>
                            <ul class="mt-1 max-h-64 space-y-1 overflow-y-auto text-xs">
                                {errors.into_iter().map(|(severity, message, recovered)| {
                                    let tone = match severity {
                                        Severity::Warning => "text-amber-800 dark:text-amber-200",
                                        Severity::Error => "text-red-800 dark:text-red-200",
                                    };
                                    view! {
                                        <li class=tone>
                                            {message}
                                            {recovered.then_some(view! { <span class="text-slate-500 dark:text-slate-400">" (the build carried on)"</span> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </div>
                    })
                }}
            </div>
        </Panel>
    }
    .into_any()
}

/// "Files touched (7): 5 created, 2 modified", leaving out changes that did not happen.
fn files_summary(files: &[(String, FileChange)]) -> String {
    let count = |change: FileChange| files.iter().filter(|(_, each)| *each == change).count();
    let changes: Vec<String> = [
        (FileChange::Created, "created"),
        (FileChange::Modified, "modified"),
        (FileChange::Deleted, "deleted"),
    ]
    .into_iter()
    .filter_map(|(change, label)| match count(change) {
        0 => None,
        count => Some(format!("{count} {label}")),
    })
    .collect();
    match changes.is_empty() {
        true => format!("Files touched ({})", files.len()),
        false => format!("Files touched ({}): {}", files.len(), changes.join(", ")),
    }
}

/// The hosts the build tried to reach through the egress proxy.
#[component]
fn NetworkList(network: Vec<NetworkAccess>) -> impl IntoView {
    let denied = network.iter().filter(|access| access.verdict != EgressVerdict::Allowed).count();
    view! {
        <details data-testid="build-network" open=denied > 0>
            <summary class="cursor-pointer font-medium focus-visible:outline-2 focus-visible:outline-indigo-600">
                {format!("Network ({} hosts, {denied} refused or failed)", network.len())}
            </summary>
            <ul class="mt-1 max-h-64 space-y-0.5 overflow-y-auto font-mono text-xs">
                {network.into_iter().map(|access| {
                    let (mark, label, tone) = match access.verdict {
                        EgressVerdict::Allowed => ("✓", "reached", "text-emerald-700 dark:text-emerald-300"),
                        EgressVerdict::Denied => ("✕", "refused", "text-red-700 dark:text-red-300"),
                        EgressVerdict::Failed => ("!", "failed", "text-amber-800 dark:text-amber-200"),
                    };
                    let times = (access.attempts > 1).then(|| format!(" ×{}", access.attempts));
                    let title = access.reason.clone().unwrap_or_else(|| label.to_owned());
                    view! {
                        <li class=tone title=title>
                            <span aria-hidden="true" class="mr-1">{mark}</span>
                            <span class="sr-only">{format!("{label}: ")}</span>
                            {format!("{}:{}", access.host, access.port)}
                            {times}
                            {access.reason.map(|reason| view! { <span class="block truncate text-slate-500 dark:text-slate-400">{reason}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}
