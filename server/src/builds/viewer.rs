//! One person watching a build: its history from the database after the
//! last event they have, then live events from the build's follower as they
//! are committed, without a gap or a repeat. A viewer that falls behind (or
//! sees a gap) reads the database again; the build never waits for a viewer.

use app::model::builds::{BuildEnded, BuildEvent, BuildStatus, StreamedBuildEvent};
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::builds::artifacts::repo as artifact_repo;
use crate::builds::follower::LOOK_EVERY;
use crate::builds::hub::{Committed, EventHub, Subscription};
use crate::builds::repo;
use crate::db::{DbPool, StoreError};

/// Events read from the database at a time.
const PAGE: i64 = 1000;

pub enum ViewerItem {
    Event(StreamedBuildEvent),
    /// The build has ended, its archive is settled, and every event was sent.
    Complete(BuildEnded),
}

pub struct BuildViewer {
    pool: DbPool,
    build_id: Uuid,
    signals: broadcast::Receiver<Committed>,
    /// The follower is ready: history read after this misses nothing.
    follower_ready: watch::Receiver<bool>,
    closing: CancellationToken,
    last_sent: i64,
    /// Events read while catching up on connecting are historical.
    is_replaying: bool,
    must_read: bool,
    pending: VecDeque<StreamedBuildEvent>,
    ended: Option<(BuildStatus, Option<String>)>,
    is_over: bool,
}

impl BuildViewer {
    /// Follows `build_id` from just after `after` (0: from the start). The
    /// caller has checked who may watch it: `BuildService::follow` does.
    pub(super) fn new(pool: DbPool, hub: &Arc<EventHub>, build_id: Uuid, after: i64) -> Self {
        // Subscribed before the first read, so nothing committed in between is missed.
        let Subscription { signals, ready } = hub.subscribe(build_id);
        Self {
            pool,
            build_id,
            signals,
            follower_ready: ready,
            closing: hub.closing.clone(),
            last_sent: after.max(0),
            is_replaying: true,
            must_read: true,
            pending: VecDeque::new(),
            ended: None,
            is_over: false,
        }
    }

    /// The next thing to send, or `None` once the build is over and sent.
    pub async fn next(&mut self) -> Option<Result<ViewerItem, StoreError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                if let BuildEvent::Status { status, reason } = &event.event {
                    if status.is_final() {
                        self.ended = Some((*status, reason.clone()));
                    }
                }
                return Some(Ok(ViewerItem::Event(event)));
            }
            if self.is_over {
                return None;
            }
            if let Some((status, reason)) = self.ended.clone() {
                // The archive's outcome (its log line, or the error) is part of the ending.
                match self.is_archive_settled().await {
                    // Its line committed with the outcome: read to the end before completing.
                    Ok(true) => match self.read_page().await {
                        Ok(true) => continue,
                        Ok(false) => {
                            self.is_over = true;
                            return Some(Ok(ViewerItem::Complete(BuildEnded { status, reason })));
                        }
                        Err(error) => return Some(Err(error)),
                    },
                    Ok(false) => {}
                    Err(error) => return Some(Err(error)),
                }
            }
            if self.must_read {
                if self.is_replaying && !self.wait_for_follower().await {
                    self.is_over = true;
                    return None;
                }
                match self.read_page().await {
                    Ok(true) => continue,
                    Ok(false) => {
                        self.must_read = false;
                        self.is_replaying = false;
                        if let Err(error) = self.check_already_over().await {
                            return Some(Err(error));
                        }
                        continue;
                    }
                    Err(error) => return Some(Err(error)),
                }
            }
            self.wait_for_more().await;
        }
    }

    /// Reads the next page; answers whether there was anything.
    async fn read_page(&mut self) -> Result<bool, StoreError> {
        let mut connection = self.pool.get().await?;
        let events = repo::events_after(&mut connection, self.build_id, self.last_sent, PAGE).await?;
        let Some(last) = events.last() else { return Ok(false) };
        self.last_sent = last.seq;
        let historical = self.is_replaying;
        self.pending.extend(events.into_iter().map(|stored| StreamedBuildEvent {
            seq: stored.seq,
            at: stored.at,
            historical,
            event: stored.event,
        }));
        Ok(true)
    }

    /// A build that ended before its final status event existed (or whose
    /// viewer resumed after it) is over once caught up.
    async fn check_already_over(&mut self) -> Result<(), StoreError> {
        let mut connection = self.pool.get().await?;
        if let Some(build) = repo::find_any(&mut connection, self.build_id).await? {
            let status = build.status();
            if status.is_final() && self.last_sent >= build.last_event_seq && self.ended.is_none() {
                self.ended = Some((status, build.status_reason));
            }
        }
        Ok(())
    }

    /// Whether the ended build's work is archived, failed to be, or was
    /// never to be (a build cancelled before it started has no archive).
    async fn is_archive_settled(&self) -> Result<bool, StoreError> {
        let mut connection = self.pool.get().await?;
        let state = artifact_repo::state(&mut connection, self.build_id).await?;
        Ok(!state.is_some_and(|state| state.is_in_progress()))
    }

    /// Waits until the build's follower knows where it starts; false when
    /// the server stops first.
    async fn wait_for_follower(&mut self) -> bool {
        let closing = self.closing.clone();
        tokio::select! {
            _ = closing.cancelled() => false,
            ready = self.follower_ready.wait_for(|is_ready| *is_ready) => ready.is_ok(),
        }
    }

    async fn wait_for_more(&mut self) {
        let signal = tokio::select! {
            _ = self.closing.cancelled() => {
                // The server is stopping; the browser reconnects to the next one.
                self.is_over = true;
                return;
            }
            signal = self.signals.recv() => signal,
        };
        match signal {
            Ok(Committed { up_to, .. }) if up_to <= self.last_sent => {}
            Ok(Committed { events: Some(events), .. })
                if events.first().is_some_and(|first| first.seq <= self.last_sent + 1) =>
            {
                for stored in events.iter().filter(|stored| stored.seq > self.last_sent) {
                    self.pending.push_back(StreamedBuildEvent {
                        seq: stored.seq,
                        at: stored.at,
                        historical: false,
                        event: stored.event.clone(),
                    });
                }
                if let Some(last) = self.pending.back() {
                    self.last_sent = last.seq;
                }
            }
            // Committed elsewhere, out of order, or this viewer lagged: read the rows.
            Ok(_) | Err(RecvError::Lagged(_)) => self.must_read = true,
            Err(RecvError::Closed) => {
                self.must_read = true;
                tokio::time::sleep(LOOK_EVERY).await;
            }
        }
    }
}
