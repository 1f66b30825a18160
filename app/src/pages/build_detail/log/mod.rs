//! The build's log: the first page as the server rendered it, then each
//! batch the stream brings, sticking to its end while the reader follows.

use std::sync::Arc;

use leptos::prelude::*;
use uuid::Uuid;

use crate::format::group_thousands;
use crate::model::builds::{LogLine, LogStream, MAX_LOG_PAGE};

/// The log section. `chunks` is filled by the stream; `is_following` says
/// whether the panel sticks to its end (the reader has not scrolled up).
#[component]
pub(super) fn LogPanel(
    id: Uuid,
    chunks: ReadSignal<Vec<LogChunk>>,
    log_panel: NodeRef<leptos::html::Div>,
    is_following: RwSignal<bool>,
    /// Lines of the first page, as the server rendered them.
    first_page_lines: usize,
    /// Where the lines after the first page start, if there are more.
    more_after_first_page: Option<i64>,
) -> impl IntoView {
    let line_count =
        Memo::new(move |_| chunks.with(|chunks| chunks.iter().map(|chunk| chunk.lines.len()).sum::<usize>()));
    let has_lines = move || line_count.get() != 0;
    let has_more_than_first_page = move || line_count.get() > first_page_lines;

    view! {
        <section class="min-w-0" aria-labelledby="log-heading">
            <div class="mb-2 flex items-center justify-between gap-3">
                <h2 id="log-heading" class="font-semibold">"Log"</h2>
                <div class="flex items-center gap-3">
                    <Show when=move || !is_following.get() && has_lines()>
                        <button
                            type="button"
                            class="rounded-lg border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 dark:border-slate-700 dark:hover:bg-slate-800"
                            on:click=move |_| scroll_to_end(log_panel)
                        >
                            "Jump to the end ↓"
                        </button>
                    </Show>
                    <span class="text-xs tabular-nums text-slate-500 dark:text-slate-400" data-testid="log-count">
                        {move || match line_count.get() {
                            1 => "1 line".to_owned(),
                            count => format!("{} lines", group_thousands(count)),
                        }}
                    </span>
                </div>
            </div>
            <div
                node_ref=log_panel
                role="region"
                aria-label="Build log"
                tabindex="0"
                data-testid="build-log"
                class="h-[36rem] overflow-y-auto rounded-2xl bg-slate-950 p-4 font-mono text-xs leading-5 text-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
                on:scroll=move |_| {
                    if let Some(panel) = log_panel.get_untracked() {
                        let is_at_end = panel.scroll_top() + panel.client_height() + 32 >= panel.scroll_height();
                        if is_following.get_untracked() != is_at_end {
                            is_following.set(is_at_end);
                        }
                    }
                }
            >
                <Show when=move || !has_lines()>
                    <p class="text-slate-400">"No log lines yet."</p>
                </Show>
                <For each=move || chunks.get() key=LogChunk::key let:chunk>
                    {chunk.lines.iter().map(|line| view! { <LogRow line=line.clone() /> }).collect_view()}
                </For>
                {more_after_first_page.map(|after| view! {
                    // Only until the stream brings the rest.
                    <Show when=move || !has_more_than_first_page()>
                        <p class="mt-2 text-amber-300">
                            {format!("The first {first_page_lines} lines are shown; with JavaScript on, the rest streams in here. ")}
                            <a
                                href=format!("/api/builds/{id}/logs?after={after}&limit={MAX_LOG_PAGE}")
                                rel="external"
                                class="underline"
                            >
                                "Read the next lines as JSON"
                            </a>
                        </p>
                    </Show>
                })}
            </div>
        </section>
    }
    .into_any()
}

/// Consecutive log lines shown together: the first page, then each batch
/// from the stream. Appending a batch renders only its own lines.
#[derive(Debug, Clone)]
pub(super) struct LogChunk {
    lines: Arc<[LogLine]>,
}

impl LogChunk {
    pub(super) fn from_lines(lines: Vec<LogLine>) -> Option<Self> {
        (!lines.is_empty()).then(|| LogChunk { lines: lines.into() })
    }

    pub(super) fn key(&self) -> i64 {
        self.lines.first().map_or(0, |line| line.seq)
    }

    pub(super) fn last_seq(&self) -> i64 {
        self.lines.last().map_or(0, |line| line.seq)
    }
}

/// Scrolls the log to its newest line once the lines just added are drawn.
pub(super) fn scroll_to_end(log_panel: NodeRef<leptos::html::Div>) {
    request_animation_frame(move || {
        if let Some(panel) = log_panel.try_get_untracked().flatten() {
            panel.set_scroll_top(panel.scroll_height());
        }
    });
}

#[component]
fn LogRow(line: LogLine) -> impl IntoView {
    let tone = match line.stream {
        LogStream::Stdout => "",
        LogStream::Stderr => "text-red-300",
        LogStream::System => "text-slate-400",
    };
    view! {
        <div class=format!("min-h-5 whitespace-pre-wrap break-all {tone}") data-seq=line.seq data-stream=stream_name(line.stream)>
            {line.line}
        </div>
    }
}

fn stream_name(stream: LogStream) -> &'static str {
    match stream {
        LogStream::Stdout => "stdout",
        LogStream::Stderr => "stderr",
        LogStream::System => "system",
    }
}
