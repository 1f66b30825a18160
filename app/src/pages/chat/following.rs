//! Following the reply being written: its stream's pieces gathered and
//! shown a few times a second, and the chat read again when it ends.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::loaded::Loaded;
use crate::model::chats::ChatPage;

/// How often a reply being written is re-rendered.
#[cfg(feature = "hydrate")]
const RENDER_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// While the chat's last reply is being written, follows it into `live`;
/// when the stream ends, bumps `reply_ended` (the chat reloads) and `changed`
/// (the list does). Browser only: nothing streams during server rendering.
#[cfg(feature = "hydrate")]
pub(super) fn follow_while_replying(
    id: Uuid,
    chat: Loaded<Result<ChatPage, AppError>>,
    live: RwSignal<Option<(Uuid, String)>>,
    reply_ended: RwSignal<u32>,
    changed: RwSignal<u32>,
) {
    use std::cell::RefCell;
    use std::rc::Rc;

    use send_wrapper::SendWrapper;

    use crate::model::chats::ReplyEvent;
    use crate::reply_stream::follow_reply;

    // Plain state, not reactive: the stream's callbacks may outlive this
    // component, and then must touch nothing the component disposed of.
    let stream = SendWrapper::new(Rc::new(RefCell::new(ReplyStream::default())));
    let start_following = {
        let stream = stream.clone();
        move || {
            let state = Rc::downgrade(&stream);
            let on_event = move |event: ReplyEvent| {
                let Some(state) = state.upgrade() else { return };
                match event {
                    ReplyEvent::Snapshot { message_id, content } => {
                        let mut stream = state.borrow_mut();
                        stream.arriving.clear();
                        stream.ends_with_nothing = 0;
                        drop(stream);
                        live.set(Some((message_id, content)));
                    }
                    ReplyEvent::Delta { message_id, text } => {
                        let mut stream = state.borrow_mut();
                        stream.arriving.push_str(&text);
                        if !stream.is_flush_due {
                            stream.is_flush_due = true;
                            let state = Rc::downgrade(&state);
                            set_timeout(move || flush(&state, message_id, live), RENDER_EVERY);
                        }
                    }
                    ReplyEvent::Done { .. } | ReplyEvent::Idle => {
                        if let ReplyEvent::Done { message_id, .. } = event {
                            flush(&Rc::downgrade(&state), message_id, live);
                        }
                        state.borrow_mut().has_ended = true;
                        reply_ended.update(|count| *count += 1);
                        changed.update(|count| *count += 1);
                    }
                }
            };
            // The reply is rendered here as it grows: fetch the parser now.
            leptos::task::spawn_local(async {
                // A failure shows the reply as typed; rendering tries again.
                let _ = crate::markdown::fetch_markdown_renderer().await;
            });
            let follower = follow_reply(id, on_event);
            stream.borrow_mut().follower = follower;
        }
    };
    Effect::new({
        let stream = stream.clone();
        move |_| {
            let Some(Ok(page)) = chat.get() else { return };
            let is_replying = page.chat.is_replying();
            // The follower is dropped here, never inside its own callback.
            let had_ended = std::mem::take(&mut stream.borrow_mut().has_ended);
            if had_ended {
                stream.borrow_mut().follower = None;
            }
            let is_following = stream.borrow().follower.is_some();
            if is_replying && !is_following {
                if had_ended {
                    // Still writing after the stream ended (a newer reply, or a
                    // hiccup): follow again, after a pause so nothing spins.
                    let ends_with_nothing = stream.borrow().ends_with_nothing;
                    stream.borrow_mut().ends_with_nothing = ends_with_nothing.saturating_add(1);
                    set_timeout(
                        start_following.clone(),
                        crate::browser::wait_before_retry(ends_with_nothing),
                    );
                } else {
                    start_following();
                }
            } else if !is_replying && is_following {
                stream.borrow_mut().follower = None;
                live.set(None);
            }
        }
    });
    on_cleanup(move || {
        stream.borrow_mut().follower = None;
    });
}

#[cfg(not(feature = "hydrate"))]
pub(super) fn follow_while_replying(
    _id: Uuid,
    _chat: Loaded<Result<ChatPage, AppError>>,
    _live: RwSignal<Option<(Uuid, String)>>,
    _reply_ended: RwSignal<u32>,
    _changed: RwSignal<u32>,
) {
}

/// The open reply stream of a conversation, and the pieces gathered since
/// the last render.
#[cfg(feature = "hydrate")]
#[derive(Default)]
struct ReplyStream {
    follower: Option<crate::reply_stream::ReplyFollower>,
    arriving: String,
    is_flush_due: bool,
    /// Set by the stream itself when it ends.
    has_ended: bool,
    /// Streams ended in a row without a snapshot (refused, say).
    ends_with_nothing: u32,
}

/// Shows the gathered pieces. Pieces arrive far more often than is worth
/// rendering, so they are shown a few times a second.
#[cfg(feature = "hydrate")]
fn flush(
    state: &std::rc::Weak<std::cell::RefCell<ReplyStream>>,
    message_id: Uuid,
    live: RwSignal<Option<(Uuid, String)>>,
) {
    let Some(state) = state.upgrade() else { return };
    let text = {
        let mut stream = state.borrow_mut();
        stream.is_flush_due = false;
        std::mem::take(&mut stream.arriving)
    };
    if !text.is_empty() {
        live.update(|live| match live {
            Some((id, so_far)) if *id == message_id => so_far.push_str(&text),
            _ => *live = Some((message_id, text)),
        });
    }
}
