//! Follows a reply while the model writes it: the browser's `EventSource`
//! on `/api/chats/{id}/reply`, each event handed over parsed. During server
//! rendering there is nothing to follow.

use uuid::Uuid;

use crate::model::chats::ReplyEvent;

/// An open reply stream; dropping it closes the connection.
pub struct ReplyFollower {
    #[cfg(feature = "hydrate")]
    source: leptos::web_sys::EventSource,
    #[cfg(feature = "hydrate")]
    _listeners: Vec<leptos::wasm_bindgen::closure::Closure<dyn Fn(leptos::web_sys::Event)>>,
}

impl Drop for ReplyFollower {
    fn drop(&mut self) {
        #[cfg(feature = "hydrate")]
        self.source.close();
    }
}

/// Starts following the chat's reply. `on_event` gets the text so far
/// first, then each piece, then `Done` (or `Idle` when nothing is being
/// written, or the stream cannot be opened). The stream closes itself after
/// `Done`/`Idle`; the browser reconnects it after a network hiccup.
pub fn follow_reply(chat_id: Uuid, on_event: impl Fn(ReplyEvent) + 'static) -> Option<ReplyFollower> {
    #[cfg(feature = "hydrate")]
    {
        use std::rc::Rc;

        use leptos::wasm_bindgen::closure::Closure;
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::{Event, EventSource, MessageEvent};

        let source = EventSource::new(&format!("/api/chats/{chat_id}/reply")).ok()?;
        let on_event = Rc::new(on_event);
        let mut listeners = Vec::new();
        for name in ["snapshot", "delta", "done", "idle"] {
            let (on_event, stream) = (Rc::clone(&on_event), source.clone());
            let listener = Closure::<dyn Fn(Event)>::new(move |event: Event| {
                let Some(data) =
                    event.dyn_ref::<MessageEvent>().and_then(|message| message.data().as_string())
                else {
                    return;
                };
                let Ok(parsed) = crate::loaded::read_json::<ReplyEvent>(&data) else {
                    return;
                };
                if matches!(parsed, ReplyEvent::Done { .. } | ReplyEvent::Idle) {
                    // Closed, not dropped: this closure is running.
                    stream.close();
                }
                on_event(parsed);
            });
            source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref()).ok()?;
            listeners.push(listener);
        }
        // A refused stream (the chat was deleted, the session ended) is
        // closed for good by the browser; treat it as nothing to follow.
        let (on_failure, stream) = (Rc::clone(&on_event), source.clone());
        let on_error = Closure::<dyn Fn(Event)>::new(move |_: Event| {
            if stream.ready_state() == EventSource::CLOSED {
                on_failure(ReplyEvent::Idle);
            }
        });
        source.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref()).ok()?;
        listeners.push(on_error);
        Some(ReplyFollower { source, _listeners: listeners })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (chat_id, on_event);
        None
    }
}
