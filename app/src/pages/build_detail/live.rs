//! Following the build stream: each batch of events folded into the page's
//! view, new log lines appended, and the build fetched again when its
//! status moves. Browser only: nothing streams during server rendering.

use leptos::prelude::*;
use uuid::Uuid;

use super::adopt;
use super::log::LogState;
use crate::api::builds::get_build;
#[cfg(feature = "hydrate")]
use crate::api::builds::get_build_log;
use crate::build_stream::StreamHealth;
use crate::model::build_log::LogLine;
use crate::model::build_view::BuildView;
#[cfg(feature = "hydrate")]
use crate::model::builds::MAX_LOG_PAGE;
use crate::model::builds::{BuildDetail, BuildEvent, StoredBuildEvent, StreamedBuildEvent};

/// What the stream keeps up to date.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(super) struct LiveParts {
    pub(super) id: Uuid,
    pub(super) detail: RwSignal<BuildDetail>,
    pub(super) live: RwSignal<BuildView>,
    /// `None` while not following (during server rendering, after the end).
    pub(super) connection: RwSignal<Option<StreamHealth>>,
    /// Notified when the person asks to reconnect a stream that gave up.
    pub(super) reconnect: Trigger,
    pub(super) log: LogState,
    /// Where the log continues after the server-rendered page, if it does.
    pub(super) more_after_first_page: Option<i64>,
}

/// What a batch of events newer than the page's reading of the build's row
/// says of that row, which the page then loads again. Live events are new;
/// so are those replayed after a reconnect past what the row had counted
/// (the build may have paused meanwhile, or a session ended).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct RowNews {
    /// A new status, or a session's end: its times and counts moved.
    has_new_status: bool,
    /// A model reply ended (the agent calls a tool): its tokens are on the
    /// row, added as the reply ended.
    has_spent: bool,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl RowNews {
    fn of(batch: &[StreamedBuildEvent], row_counted_up_to: i64) -> Self {
        let is_new =
            |streamed: &&StreamedBuildEvent| !streamed.historical || streamed.seq > row_counted_up_to;
        batch.iter().filter(is_new).fold(Self::default(), |news, streamed| Self {
            has_new_status: news.has_new_status
                || matches!(streamed.event, BuildEvent::Status { .. } | BuildEvent::SessionUsage { .. }),
            has_spent: news.has_spent || matches!(streamed.event, BuildEvent::ToolStart { .. }),
        })
    }
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl LiveParts {
    /// Folds a batch of events in and appends its new log lines; answers
    /// what it says of the build's row.
    fn take_in(self, batch: Vec<StreamedBuildEvent>) -> RowNews {
        let row_counted_up_to = self.detail.try_with_untracked(|detail| detail.last_event_seq);
        let news = RowNews::of(&batch, row_counted_up_to.unwrap_or(i64::MAX));
        let mut lines = Vec::new();
        self.live.try_update(|view| {
            for streamed in batch {
                let stored = StoredBuildEvent { seq: streamed.seq, at: streamed.at, event: streamed.event };
                view.apply(&stored);
                lines.extend(LogLine::of(&stored));
            }
        });
        self.log.append_streamed(lines);
        news
    }

    /// Reads the log past the server-rendered first page, a page of
    /// [`MAX_LOG_PAGE`] lines at a time: a long history comes in a few
    /// requests instead of one stream message per event. Answers whether it
    /// reached the end so far (not at an error, nor when `is_gone`).
    #[cfg(feature = "hydrate")]
    async fn catch_up_log(self, is_gone: impl Fn() -> bool) -> bool {
        let mut after = self.more_after_first_page;
        while let Some(from) = after {
            let Ok(page) = get_build_log(self.id, from, MAX_LOG_PAGE).await else { return false };
            if is_gone() {
                return false;
            }
            self.log.append(page.lines);
            after = page.next_after;
        }
        true
    }

    /// Loads the build again (its times and tokens moved on); an answer
    /// older than what the page shows is dropped.
    fn refresh(self) {
        let (id, detail) = (self.id, self.detail);
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = get_build(id).await {
                adopt(detail, fresh);
            }
        });
    }
}

/// How long stream events gather before the page shows them: a busy build
/// re-renders a few times a second, not once per log line.
#[cfg(feature = "hydrate")]
const BATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(150);

/// How often, at most, the page loads the build again for the tokens its
/// replies spent (a status change loads it at once): the cost moves
/// during a long session without a request per tool call.
#[cfg(feature = "hydrate")]
const SPENDING_SHOWN_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(10);

/// Follows the build stream for as long as the page is open, and meanwhile
/// catches the log up by pages. Browser only: nothing streams during server
/// rendering.
#[cfg(feature = "hydrate")]
pub(super) fn follow_live(parts: LiveParts) {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use send_wrapper::SendWrapper;

    use crate::build_stream::{follow_build, BuildFollower};
    use crate::model::builds::BuildStatus;

    /// Events received since the page last showed any.
    #[derive(Default)]
    struct Arriving {
        events: RefCell<Vec<StreamedBuildEvent>>,
        flush_timer: Cell<Option<TimeoutHandle>>,
        /// When the build was last loaded again.
        refreshed_at: Cell<Option<chrono::DateTime<chrono::Utc>>>,
        /// A load of the build for tokens spent too soon after the last one,
        /// due at the end of the period.
        spending_timer: Cell<Option<TimeoutHandle>>,
    }

    impl Arriving {
        fn cancel_flush(&self) {
            if let Some(timer) = self.flush_timer.take() {
                timer.clear();
            }
        }

        fn cancel_spending_timer(&self) {
            if let Some(timer) = self.spending_timer.take() {
                timer.clear();
            }
        }

        /// How long until the build may be loaded again for tokens spent.
        fn spending_wait(&self) -> std::time::Duration {
            let since = match (self.refreshed_at.get(), crate::browser::now()) {
                (Some(refreshed_at), Some(now)) => now - refreshed_at,
                _ => SPENDING_SHOWN_EVERY,
            };
            // A clock set back would make the wait longer than the period.
            (SPENDING_SHOWN_EVERY - since).min(SPENDING_SHOWN_EVERY).to_std().unwrap_or_default()
        }

        /// Loads the build again now.
        fn refresh(&self, parts: LiveParts) {
            self.cancel_spending_timer();
            self.refreshed_at.set(crate::browser::now());
            parts.refresh();
        }
    }

    Effect::new(move |_| {
        let arriving = Rc::new(Arriving::default());
        // Answers whether it asked for the build again.
        let flush = {
            let arriving = Rc::clone(&arriving);
            move || {
                arriving.cancel_flush();
                let batch = arriving.events.take();
                let news = if batch.is_empty() { RowNews::default() } else { parts.take_in(batch) };
                let wait = arriving.spending_wait();
                let refreshes_now = news.has_new_status || (news.has_spent && wait.is_zero());
                if refreshes_now {
                    arriving.refresh(parts);
                } else if news.has_spent && arriving.spending_timer.get().is_none() {
                    // Tokens spent meanwhile show at the end of the period,
                    // even if the agent then runs a long command.
                    let later = Rc::downgrade(&arriving);
                    let timer = set_timeout_with_handle(
                        move || {
                            if let Some(arriving) = later.upgrade() {
                                arriving.spending_timer.take();
                                arriving.refresh(parts);
                            }
                        },
                        wait,
                    );
                    arriving.spending_timer.set(timer.ok());
                }
                refreshes_now
            }
        };
        let on_event = {
            let (arriving, flush) = (Rc::clone(&arriving), flush.clone());
            move |streamed: StreamedBuildEvent| {
                arriving.events.borrow_mut().push(streamed);
                if arriving.flush_timer.get().is_none() {
                    let flush = flush.clone();
                    arriving.flush_timer.set(
                        set_timeout_with_handle(
                            move || {
                                flush();
                            },
                            BATCH_EVERY,
                        )
                        .ok(),
                    );
                }
            }
        };
        let on_complete = {
            let arriving = Rc::clone(&arriving);
            move |_status: BuildStatus, _reason: Option<String>| {
                let has_refreshed = flush();
                parts.connection.set(None);
                let was_running =
                    parts.detail.try_with_untracked(|detail| !detail.status.is_final()) == Some(true);
                if was_running && !has_refreshed {
                    arriving.refresh(parts);
                }
            }
        };
        let on_health = move |health: StreamHealth| parts.connection.set(Some(health));
        // Live at once, from where the folded view ends, while the log's
        // earlier pages are read (they reach past the view, read later);
        // its streamed lines wait for them. A first page that is the whole
        // log may end before the view (read apart from it): the stream then
        // starts where the log ends, and the view skips what it has.
        // Emptied when the page lets go.
        let view_seq = parts.live.try_with_untracked(|view| view.last_seq).unwrap_or(0);
        let after = match parts.more_after_first_page {
            Some(_) => view_seq,
            None => view_seq.min(parts.log.last_seq().unwrap_or(0)),
        };
        let follower: Rc<RefCell<Option<BuildFollower>>> = Rc::new(RefCell::new(Some(follow_build(
            parts.id,
            after,
            on_event.clone(),
            on_complete.clone(),
            on_health,
        ))));
        let is_gone = Rc::new(Cell::new(false));
        {
            let (follower, is_gone, arriving) =
                (Rc::clone(&follower), Rc::clone(&is_gone), Rc::clone(&arriving));
            leptos::task::spawn_local(async move {
                let has_caught_up = parts.catch_up_log(|| is_gone.get()).await;
                if is_gone.get() {
                    return;
                }
                if has_caught_up {
                    parts.log.show_streamed_early();
                } else {
                    // A page could not be read: the stream starts again from
                    // where the log ends and brings the rest (the view skips
                    // what it has). What the old one brought and the page
                    // has not shown yet comes again with it.
                    arriving.cancel_flush();
                    arriving.events.take();
                    parts.log.forget_streamed_early();
                    let after = parts.log.last_seq().unwrap_or(0);
                    *follower.borrow_mut() =
                        Some(follow_build(parts.id, after, on_event, on_complete, on_health));
                }
            });
        }
        let asked = Rc::downgrade(&follower);
        Effect::new(move |previous: Option<()>| {
            parts.reconnect.track();
            if let (Some(()), Some(follower)) = (previous, asked.upgrade()) {
                if let Some(follower) = follower.borrow().as_ref() {
                    follower.reconnect();
                }
            }
        });
        let held = SendWrapper::new((follower, is_gone, arriving));
        on_cleanup(move || {
            let (follower, is_gone, arriving) = held.take();
            is_gone.set(true);
            follower.borrow_mut().take();
            arriving.cancel_flush();
            arriving.cancel_spending_timer();
        });
    });
}

#[cfg(not(feature = "hydrate"))]
pub(super) fn follow_live(_parts: LiveParts) {}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::builds::BuildStatus;

    fn streamed(event: BuildEvent, historical: bool) -> StreamedBuildEvent {
        StreamedBuildEvent { seq: 1, at: Utc::now(), historical, event }
    }

    fn tool_start() -> BuildEvent {
        BuildEvent::ToolStart { call_id: "1".into(), tool: "bash".into(), summary: "npm test".into() }
    }

    #[test]
    fn a_reply_ending_live_says_its_tokens_are_on_the_row() {
        let news = RowNews::of(
            &[streamed(BuildEvent::system_log("working"), false), streamed(tool_start(), false)],
            1,
        );
        assert_eq!(news, RowNews { has_new_status: false, has_spent: true });
        let ended = RowNews::of(
            &[streamed(
                BuildEvent::SessionUsage { session: 1, model: "m".into(), input_tokens: 1, output_tokens: 1 },
                false,
            )],
            1,
        );
        assert!(ended.has_new_status, "{ended:?}");
    }

    #[test]
    fn history_the_row_had_counted_is_no_news_and_history_past_it_is() {
        let replayed = [
            streamed(tool_start(), true),
            streamed(BuildEvent::Status { status: BuildStatus::Paused, reason: None }, true),
        ];
        assert_eq!(RowNews::of(&replayed, 1), RowNews::default());
        // Replayed after a reconnect: the build paused while the page was away.
        assert_eq!(RowNews::of(&replayed, 0), RowNews { has_new_status: true, has_spent: true });
    }
}
