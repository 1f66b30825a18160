//! Follows a build while its agent works: the browser's `EventSource` on
//! `/api/builds/{id}/stream`, each event handed over parsed. A stream that
//! breaks is opened again here, from the event after the last one received,
//! so nothing is handed over twice or skipped: after 1 s, then twice as long
//! each time, until [`ATTEMPTS_BEFORE_GIVING_UP`] attempts have failed; then
//! it waits for [`BuildFollower::reconnect`] (a person's click). During
//! server rendering there is nothing to follow.

use uuid::Uuid;

use crate::model::builds::{BuildStatus, StreamedBuildEvent};

/// Failed attempts in a row (about a minute of trying) before the stream
/// waits for a person to ask again.
pub const ATTEMPTS_BEFORE_GIVING_UP: u32 = 6;

/// How long a stream must have stayed open, if it handed over no event,
/// for its end to be a break rather than one more failed attempt: a server
/// that accepts the stream and drops it at once is failing still.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const UP_AFTER_MS: f64 = 30_000.0;

/// Whether a stream that opened at `opened_ms` and broke at `broke_ms`
/// (browser clock, milliseconds) had been up.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn had_been_up(opened_ms: Option<f64>, broke_ms: f64) -> bool {
    opened_ms.is_some_and(|opened| broke_ms - opened >= UP_AFTER_MS)
}

/// How the stream is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamHealth {
    Live,
    /// Broken; opened again after a wait.
    Reconnecting,
    /// Given up after [`ATTEMPTS_BEFORE_GIVING_UP`] failed attempts.
    Lost,
}

/// An open build stream; dropping it closes the connection for good.
pub struct BuildFollower {
    #[cfg(feature = "hydrate")]
    connection: std::rc::Rc<live::Connection>,
}

impl BuildFollower {
    /// Tries again at once, with a fresh count of attempts, after the
    /// stream gave up; does nothing while it is live or still trying.
    pub fn reconnect(&self) {
        #[cfg(feature = "hydrate")]
        live::Connection::reconnect(&self.connection);
    }
}

impl Drop for BuildFollower {
    fn drop(&mut self) {
        #[cfg(feature = "hydrate")]
        self.connection.close();
    }
}

/// Starts following the build from the event after `after` (0: from the
/// first). `on_event` gets every event once, in order (the history first,
/// marked `historical`).
/// `on_health` hears each change of the stream's health. `on_complete` gets the final status once the build has ended;
/// the stream is closed then.
pub fn follow_build(
    build_id: Uuid,
    after: i64,
    on_event: impl Fn(StreamedBuildEvent) + 'static,
    on_complete: impl Fn(BuildStatus, Option<String>) + 'static,
    on_health: impl Fn(StreamHealth) + 'static,
) -> BuildFollower {
    #[cfg(feature = "hydrate")]
    {
        let connection = std::rc::Rc::new(live::Connection {
            build_id,
            on_event: Box::new(on_event),
            on_complete: Box::new(on_complete),
            on_health: Box::new(on_health),
            state: std::cell::RefCell::new(live::State::after(after)),
        });
        live::Connection::open(&connection);
        BuildFollower { connection }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (build_id, after, on_event, on_complete, on_health);
        BuildFollower {}
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use std::cell::RefCell;
    use std::rc::{Rc, Weak};

    use leptos::prelude::{set_timeout_with_handle, TimeoutHandle};
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Event, EventSource, MessageEvent};
    use uuid::Uuid;

    use super::{had_been_up, StreamHealth, ATTEMPTS_BEFORE_GIVING_UP};
    use crate::model::builds::{BuildEnded, BuildStatus, StreamedBuildEvent};

    type Listener = Closure<dyn Fn(Event)>;

    pub struct Connection {
        pub build_id: Uuid,
        pub on_event: Box<dyn Fn(StreamedBuildEvent)>,
        pub on_complete: Box<dyn Fn(BuildStatus, Option<String>)>,
        pub on_health: Box<dyn Fn(StreamHealth)>,
        pub state: RefCell<State>,
    }

    #[derive(Default)]
    pub struct State {
        source: Option<EventSource>,
        /// Kept alive as long as `source` may call them.
        listeners: Vec<Listener>,
        /// The newest event handed over: where an opened-again stream resumes.
        last_seq: i64,
        retry: Option<TimeoutHandle>,
        /// Attempts that failed since the stream was last up: it handed
        /// over an event, or stayed open a while.
        failed_attempts: u32,
        /// When the current stream opened (browser clock, milliseconds).
        opened_ms: Option<f64>,
        is_given_up: bool,
        is_closed: bool,
    }

    impl State {
        pub fn after(last_seq: i64) -> Self {
            State { last_seq: last_seq.max(0), ..State::default() }
        }
    }

    impl Connection {
        pub fn open(this: &Rc<Self>) {
            let mut state = this.state.borrow_mut();
            if state.is_closed {
                return;
            }
            let url = match state.last_seq {
                0 => format!("/api/builds/{}/stream", this.build_id),
                after => format!("/api/builds/{}/stream?after={after}", this.build_id),
            };
            let Ok(source) = EventSource::new(&url) else {
                drop(state);
                Self::retry_later(this);
                return;
            };
            // Listeners hold the connection weakly: it owns them.
            let weak = Rc::downgrade(this);
            let listeners = [
                ("build", listener(&weak, Self::on_build)),
                ("complete", listener(&weak, Self::on_complete)),
                ("open", listener(&weak, Self::on_open)),
                ("error", listener(&weak, Self::on_error)),
            ];
            for (name, listener) in &listeners {
                let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            }
            if let Some(old) = state.source.replace(source) {
                old.close();
            }
            state.listeners = listeners.into_iter().map(|(_, listener)| listener).collect();
        }

        pub fn close(&self) {
            let mut state = self.state.borrow_mut();
            state.is_closed = true;
            if let Some(source) = &state.source {
                source.close();
            }
            if let Some(retry) = state.retry.take() {
                retry.clear();
            }
        }

        pub fn reconnect(this: &Rc<Self>) {
            {
                let mut state = this.state.borrow_mut();
                if state.is_closed || !state.is_given_up {
                    return;
                }
                state.is_given_up = false;
                state.failed_attempts = 0;
            }
            (this.on_health)(StreamHealth::Reconnecting);
            Self::open(this);
        }

        fn on_open(this: &Rc<Self>, _: Event) {
            this.state.borrow_mut().opened_ms = Some(leptos::web_sys::js_sys::Date::now());
            (this.on_health)(StreamHealth::Live);
        }

        fn on_build(this: &Rc<Self>, event: Event) {
            let Some(streamed) =
                data_of(&event).and_then(|data| crate::loaded::read_json::<StreamedBuildEvent>(&data).ok())
            else {
                return;
            };
            {
                let mut state = this.state.borrow_mut();
                if streamed.seq <= state.last_seq {
                    return;
                }
                state.last_seq = streamed.seq;
                state.failed_attempts = 0;
            }
            (this.on_event)(streamed);
        }

        fn on_complete(this: &Rc<Self>, event: Event) {
            // Closed, not dropped: this listener is running. Without the
            // close, the browser would connect again and replay everything.
            this.close();
            let ended = data_of(&event).and_then(|data| crate::loaded::read_json::<BuildEnded>(&data).ok());
            let (status, reason) = match ended {
                Some(ended) => (ended.status, ended.reason),
                None => (BuildStatus::Completed, None),
            };
            (this.on_complete)(status, reason);
        }

        /// A broken or refused stream is closed here rather than left to the
        /// browser's own retries, so the waits and the count are ours.
        fn on_error(this: &Rc<Self>, _: Event) {
            {
                let mut state = this.state.borrow_mut();
                if state.is_closed || state.is_given_up {
                    return;
                }
                if let Some(source) = &state.source {
                    source.close();
                }
                if had_been_up(state.opened_ms.take(), leptos::web_sys::js_sys::Date::now()) {
                    state.failed_attempts = 0;
                }
            }
            Self::retry_later(this);
        }

        fn retry_later(this: &Rc<Self>) {
            let mut state = this.state.borrow_mut();
            if state.is_closed || state.is_given_up || state.retry.is_some() {
                return;
            }
            state.failed_attempts += 1;
            if state.failed_attempts > ATTEMPTS_BEFORE_GIVING_UP {
                state.is_given_up = true;
                drop(state);
                (this.on_health)(StreamHealth::Lost);
                return;
            }
            let delay = crate::browser::wait_before_retry(state.failed_attempts - 1);
            let weak = Rc::downgrade(this);
            state.retry = set_timeout_with_handle(
                move || {
                    if let Some(this) = weak.upgrade() {
                        this.state.borrow_mut().retry = None;
                        Self::open(&this);
                    }
                },
                delay,
            )
            .ok();
            drop(state);
            (this.on_health)(StreamHealth::Reconnecting);
        }
    }

    fn listener(weak: &Weak<Connection>, handle: impl Fn(&Rc<Connection>, Event) + 'static) -> Listener {
        let weak = weak.clone();
        Closure::new(move |event: Event| {
            if let Some(this) = weak.upgrade() {
                handle(&this, event);
            }
        })
    }

    fn data_of(event: &Event) -> Option<String> {
        event.dyn_ref::<MessageEvent>()?.data().as_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_dropped_as_soon_as_it_opened_had_not_been_up() {
        assert!(!had_been_up(Some(1_000.0), 1_200.0), "dropped at once: one more failed attempt");
        assert!(!had_been_up(None, 1_000_000.0), "never opened");
        assert!(had_been_up(Some(1_000.0), 1_000.0 + UP_AFTER_MS), "open a while: a break");
    }
}
