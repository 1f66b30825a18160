//! The browser's notifications: whether the person allowed them, asking
//! them once they choose to, and showing one. During server rendering, and
//! in browsers without them, notifications are simply unavailable.

/// What the person decided about this site's notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationChoice {
    /// No notifications here (server rendering, or a browser without them).
    Unavailable,
    NotAsked,
    Allowed,
    Refused,
}

/// The person's current choice. Read it after hydration (in an effect):
/// the server cannot know it, so the first render must not depend on it.
pub fn notification_choice() -> NotificationChoice {
    #[cfg(feature = "hydrate")]
    {
        use leptos::web_sys::{Notification, NotificationPermission};
        if !is_supported() {
            return NotificationChoice::Unavailable;
        }
        match Notification::permission() {
            NotificationPermission::Granted => NotificationChoice::Allowed,
            NotificationPermission::Denied => NotificationChoice::Refused,
            _ => NotificationChoice::NotAsked,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    NotificationChoice::Unavailable
}

/// Asks the browser's permission prompt; `on_answer` gets the choice made.
pub fn ask_for_notifications(on_answer: impl FnOnce(NotificationChoice) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::closure::Closure;
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::Notification;

        if !is_supported() {
            on_answer(NotificationChoice::Unavailable);
            return;
        }
        let callback = Closure::once_into_js(move |_answer: leptos::wasm_bindgen::JsValue| {
            on_answer(notification_choice());
        });
        if Notification::request_permission_with_permission_callback(callback.unchecked_ref()).is_err() {
            leptos::logging::warn!("the browser refused to ask for notification permission");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    on_answer(NotificationChoice::Unavailable);
}

/// Shows a notification if the person allowed them. `tag` names what it is
/// about: a newer one with the same tag replaces it.
pub fn notify(title: &str, body: &str, tag: &str) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::web_sys::{Notification, NotificationOptions};
        if notification_choice() != NotificationChoice::Allowed {
            return;
        }
        let options = NotificationOptions::new();
        options.set_body(body);
        options.set_tag(tag);
        if Notification::new_with_options(title, &options).is_err() {
            leptos::logging::warn!("the browser refused to show a notification");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (title, body, tag);
}

#[cfg(feature = "hydrate")]
fn is_supported() -> bool {
    let window = leptos::prelude::window();
    leptos::web_sys::js_sys::Reflect::has(&window, &"Notification".into()).unwrap_or(false)
}
