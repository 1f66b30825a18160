//! The build's log: every event worth a line, as the server rendered the
//! first page and then as the stream brings the rest. In the browser only the
//! rows in view are drawn, so a log of hundreds of thousands of lines opens
//! and scrolls like a short one; the reader can search it, hide categories,
//! follow its end or download all of it as text.

mod filter;
mod row;
mod window;

use leptos::prelude::*;
use uuid::Uuid;

use self::filter::{KeptRows, LogFilter};
use self::row::LogRow;
use self::window::{height_px, RowWindow};
use crate::components::button::{Button, ButtonLink, ButtonSize, ButtonTone};
use crate::components::field::{control_look, ControlStyle};
use crate::format::{counted, group_thousands};
use crate::model::build_log::{LogCategory, LogLine};

/// Lines the page keeps. Past it the oldest go, a tenth of it at a time: a
/// build's log may reach millions of lines, more than a tab can hold or a
/// scroll bar can reach, and the full log is a download away.
const MAX_LINES_KEPT: usize = 200_000;

/// What the log shows and how the reader holds it, shared with the stream
/// that appends lines.
#[derive(Clone, Copy)]
pub(super) struct LogState {
    pub(super) lines: RwSignal<Vec<LogLine>>,
    /// How many of the oldest lines went to stay within [`MAX_LINES_KEPT`].
    dropped: RwSignal<usize>,
    /// What the reader asked to see of the lines.
    filter: RwSignal<LogFilter>,
    pub(super) panel: NodeRef<leptos::html::Div>,
    /// Whether the panel sticks to its end as lines arrive: until the reader
    /// scrolls up, and again once they scroll back down or ask to follow.
    pub(super) is_following: RwSignal<bool>,
    /// Lines the stream brought while earlier pages of the log were still
    /// being read (`None` once they all are): shown after those, in order.
    streamed_early: StoredValue<Option<Vec<LogLine>>>,
}

impl LogState {
    /// `is_following`: whether the panel starts at the end (a build still
    /// running); `is_whole`: whether the first page is the whole log so far.
    pub(super) fn new(first_page: Vec<LogLine>, is_following: bool, is_whole: bool) -> Self {
        LogState {
            lines: RwSignal::new(first_page),
            dropped: RwSignal::new(0),
            filter: RwSignal::new(LogFilter::default()),
            panel: NodeRef::new(),
            is_following: RwSignal::new(is_following),
            streamed_early: StoredValue::new((!is_whole).then(Vec::new)),
        }
    }

    /// The sequence number of the newest line shown.
    pub(super) fn last_seq(&self) -> Option<i64> {
        self.lines.try_with_untracked(|lines| lines.last().map_or(0, |line| line.seq))
    }

    /// Appends the lines newer than those shown, then follows them if asked to.
    pub(super) fn append(&self, new_lines: Vec<LogLine>) {
        let Some(last_seq) = self.last_seq() else { return };
        let newer: Vec<LogLine> = new_lines.into_iter().filter(|line| line.seq > last_seq).collect();
        if newer.is_empty() {
            return;
        }
        let dropped = self.lines.try_update(|lines| {
            lines.extend(newer);
            drop_oldest(lines, MAX_LINES_KEPT)
        });
        let is_following = self.is_following.try_get_untracked() == Some(true);
        if let Some(dropped) = dropped.filter(|dropped| !dropped.is_empty()) {
            self.dropped.try_update(|total| *total += dropped.len());
            if !is_following {
                // The rows the reader looks at moved up by as many as went of those shown.
                let shown = self
                    .filter
                    .try_with_untracked(|filter| dropped.iter().filter(|line| filter.keeps(line)).count());
                if let (Some(shown), Some(element)) = (shown, self.panel.try_get_untracked().flatten()) {
                    let top = f64::from(element.scroll_top()) - height_px(shown);
                    element.set_scroll_top(top.max(0.0) as i32);
                }
            }
        }
        if is_following {
            scroll_to_end(self.panel);
        }
    }

    /// Lines from the stream: shown now, or kept until the earlier pages are.
    pub(super) fn append_streamed(&self, new_lines: Vec<LogLine>) {
        let kept = self.streamed_early.try_update_value(|early| match early {
            Some(early) => {
                early.extend(new_lines);
                None
            }
            None => Some(new_lines),
        });
        if let Some(Some(lines)) = kept {
            self.append(lines);
        }
    }

    /// Every earlier page is shown: so are the lines streamed meanwhile.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(super) fn show_streamed_early(&self) {
        if let Some(Some(lines)) = self.streamed_early.try_update_value(Option::take) {
            self.append(lines);
        }
    }

    /// The earlier pages could not all be read: lines streamed meanwhile are
    /// dropped (the stream is asked again from where the log ends).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub(super) fn forget_streamed_early(&self) {
        self.streamed_early.try_set_value(None);
    }
}

/// The log section. The first page (`first_page_lines` lines) is what the
/// server rendered; `more_after_first_page` says there is more to stream.
#[component]
pub(super) fn LogPanel(
    id: Uuid,
    log: LogState,
    first_page_lines: usize,
    more_after_first_page: Option<i64>,
) -> impl IntoView {
    let LogState { lines, dropped, filter, panel, is_following, .. } = log;
    // Drawing every line until hydrated: the server has no viewport, and the
    // page must read without JavaScript. A panel opened later (the Logs tab
    // shown after hydration) holds the whole log by then: windowed at once.
    let is_windowed = RwSignal::new(crate::browser::is_hydrated());
    let kept = Memo::new_owning(move |previous| {
        let dropped = dropped.get();
        filter.with(|filter| lines.with(|lines| KeptRows::update(previous, lines, dropped, filter)))
    });
    let total = Memo::new(move |_| lines.with(Vec::len));
    let shown_count =
        Memo::new(move |_| kept.with(|kept| kept.rows().map(<[u32]>::len)).unwrap_or_else(|| total.get()));
    let scroll_top = RwSignal::new(0.0);
    let viewport_px = RwSignal::new(576.0);
    let window =
        Memo::new(move |_| RowWindow::around(scroll_top.get(), viewport_px.get(), shown_count.get()));
    let rows_in_window = move || {
        let RowWindow { first, end } = window.get();
        kept.with(|kept| {
            lines.with(|lines| {
                (first..end)
                    .filter_map(|row| {
                        let at = match kept.rows() {
                            Some(kept) => *kept.get(row)? as usize,
                            None => row,
                        };
                        lines.get(at).cloned()
                    })
                    .collect::<Vec<_>>()
            })
        })
    };

    Effect::new(move |_| {
        if let Some(element) = panel.get_untracked() {
            viewport_px.set(f64::from(element.client_height()));
        }
        // Once: setting it again would draw the window anew.
        if !is_windowed.get_untracked() {
            is_windowed.set(true);
        }
        if is_following.get_untracked() {
            scroll_to_end(panel);
        }
    });

    let on_scroll = move |_| {
        let Some(element) = panel.get_untracked() else { return };
        scroll_top.set(f64::from(element.scroll_top()));
        let is_at_end = element.scroll_top() + element.client_height() + 32 >= element.scroll_height();
        if is_following.get_untracked() != is_at_end {
            is_following.set(is_at_end);
        }
    };
    // A new filter starts the reader at the top of what it keeps, or at the end when following.
    Effect::new(move |previous: Option<()>| {
        filter.track();
        if previous.is_some() {
            match is_following.get_untracked() {
                true => scroll_to_end(panel),
                false => {
                    if let Some(element) = panel.get_untracked() {
                        element.set_scroll_top(0);
                    }
                }
            }
        }
    });

    let count_text = move || {
        let (shown, total) = (shown_count.get(), total.get());
        if shown == total {
            counted(total, "line", "lines")
        } else {
            format!("{} of {}", group_thousands(shown), counted(total, "line", "lines"))
        }
    };
    let has_lines = move || total.get() != 0;
    let has_more_than_first_page = move || total.get() > first_page_lines;
    let download = format!("/api/builds/{id}/logs.txt");
    let full_log = download.clone();

    view! {
        <section class="min-w-0" aria-labelledby="log-heading">
            <div class="mb-2 flex flex-wrap items-center justify-between gap-x-3 gap-y-2">
                <h2 id="log-heading" class="font-semibold">"Log"</h2>
                <div class="flex flex-wrap items-center gap-3 text-xs">
                    <span class="tabular-nums text-slate-500 dark:text-slate-400" data-testid="log-count">{count_text}</span>
                    <Show when=move || is_windowed.get()>
                        <Button
                            tone=ButtonTone::Toggle
                            size=ButtonSize::Small
                            attr:aria-pressed=move || is_following.get().to_string()
                            on_click=move |_| {
                                let follows = !is_following.get_untracked();
                                is_following.set(follows);
                                if follows {
                                    scroll_to_end(panel);
                                }
                            }
                        >
                            "Follow the end"
                        </Button>
                    </Show>
                    <ButtonLink size=ButtonSize::Small href=download.clone() attr:download="" attr:rel="external">
                        "Download full log"
                    </ButtonLink>
                </div>
            </div>
            <Show when=move || is_windowed.get()>
                <LogFilterBar filter />
            </Show>
            // Outside the scrolled panel, so that it moves no row.
            <Show when=move || { dropped.get() > 0 }>
                <p class="mb-2 text-xs text-amber-800 dark:text-amber-200" data-testid="log-dropped">
                    {move || format!(
                        "The oldest {} are no longer shown here, to keep the page light. ",
                        counted(dropped.get(), "line", "lines")
                    )}
                    <a href=full_log.clone() rel="external" class="underline">"The full log has them."</a>
                </p>
            </Show>
            <div
                node_ref=panel
                role="region"
                aria-label="Build log"
                tabindex="0"
                data-testid="build-log"
                class="h-[36rem] overflow-auto rounded-2xl bg-slate-950 p-4 font-mono text-xs leading-5 text-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
                on:scroll=on_scroll
            >
                <Show when=move || !has_lines()>
                    <p class="text-slate-400">"No log lines yet."</p>
                </Show>
                {move || match is_windowed.get() {
                    true => view! {
                        <div class="relative w-max min-w-full" style:height=move || format!("{}px", height_px(shown_count.get()))>
                            <div style:transform=move || format!("translateY({}px)", window.get().offset_px())>
                                <For each=rows_in_window key=|line| line.seq let:line>
                                    <LogRow line is_windowed=true />
                                </For>
                            </div>
                        </div>
                    }
                    .into_any(),
                    false => view! {
                        {move || lines.get().into_iter().map(|line| view! { <LogRow line is_windowed=false /> }).collect_view()}
                        {more_after_first_page.map(|_| {
                            let download = download.clone();
                            view! {
                            // Only until the stream brings the rest.
                            <Show when=move || !has_more_than_first_page()>
                                <p class="mt-2 text-amber-300">
                                    {format!("The first {first_page_lines} lines are shown; with JavaScript on, the rest streams in here. ")}
                                    <a href=download.clone() rel="external" class="underline">"Download the full log"</a>
                                </p>
                            </Show>
                        }})}
                    }
                    .into_any(),
                }}
                <Show when=move || has_lines() && shown_count.get() == 0>
                    <p class="text-slate-400">"No line matches the search and the categories shown."</p>
                </Show>
            </div>
        </section>
    }
    .into_any()
}

/// The search box and a switch per category.
#[component]
fn LogFilterBar(filter: RwSignal<LogFilter>) -> impl IntoView {
    view! {
        <div class="mb-2 flex flex-wrap items-center gap-2 text-xs">
            <input
                type="search"
                aria-label="Search the log"
                placeholder="Search the log"
                class=format!("w-48 {}", control_look(ControlStyle::Prose))
                prop:value=move || filter.with(|filter| filter.search.clone())
                on:input=move |event| {
                    let search = event_target_value(&event);
                    filter.update(|filter| filter.search = search);
                }
            />
            <div role="group" aria-label="Categories shown" class="flex flex-wrap gap-1">
                {LogCategory::ALL.into_iter().map(|category| view! {
                    <Button
                        tone=ButtonTone::Toggle
                        size=ButtonSize::Small
                        attr:aria-pressed=move || filter.with(|filter| filter.shows(category)).to_string()
                        on_click=move |_| filter.update(|filter| filter.toggle(category))
                    >
                        {category.label()}
                    </Button>
                }).collect_view()}
            </div>
        </div>
    }
}

/// Drops the oldest of `lines` once there are more than `most`, down to nine
/// tenths of it, so that dropping is rare; answers those that went.
fn drop_oldest(lines: &mut Vec<LogLine>, most: usize) -> Vec<LogLine> {
    if lines.len() <= most {
        return Vec::new();
    }
    let dropped = lines.len() - most + most / 10;
    lines.drain(..dropped).collect()
}

/// Scrolls the log to its newest line once the lines just added are drawn.
pub(super) fn scroll_to_end(panel: NodeRef<leptos::html::Div>) {
    request_animation_frame(move || {
        if let Some(element) = panel.try_get_untracked().flatten() {
            element.set_scroll_top(element.scroll_height());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builds::LogStream;

    fn numbered(count: i64) -> Vec<LogLine> {
        (1..=count)
            .map(|seq| LogLine {
                seq,
                at: chrono::Utc::now(),
                category: LogCategory::Log,
                stream: LogStream::Stdout,
                line: format!("line {seq}"),
            })
            .collect()
    }

    #[test]
    fn past_the_most_kept_the_oldest_lines_go_a_tenth_at_a_time() {
        let mut lines = numbered(100);
        assert!(drop_oldest(&mut lines, 100).is_empty(), "at the most, nothing goes");
        lines.extend(numbered(101).into_iter().skip(100));
        let dropped = drop_oldest(&mut lines, 100);
        assert_eq!(dropped.iter().map(|line| line.seq).collect::<Vec<_>>(), (1..=11).collect::<Vec<_>>());
        assert_eq!(lines.len(), 90);
        assert_eq!((lines[0].seq, lines[89].seq), (12, 101), "the newest are kept, in order");
    }
}
