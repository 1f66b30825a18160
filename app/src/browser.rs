//! Small conveniences of the browser, harmless no-ops during server rendering.

use leptos::prelude::*;

pub fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _promise = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

/// The browser's own "are you sure?" box; `true` during server rendering.
pub fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(message).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        true
    }
}

/// While `is_dirty`, asks before the page is left: by reloading or closing it
/// (the browser's own prompt), or by following a link inside the app. Lasts
/// as long as the calling component.
pub fn guard_unsaved_changes(is_dirty: Signal<bool>) {
    let unload = window_event_listener(leptos::ev::beforeunload, move |event| {
        if is_dirty.get_untracked() {
            event.prevent_default();
            event.set_return_value("You have unsaved changes.");
        }
    });
    on_cleanup(move || unload.remove());
    guard_link_clicks(is_dirty);
}

/// The router follows links from a click listener that skips clicks whose
/// default was prevented; a capturing listener runs before it.
fn guard_link_clicks(is_dirty: Signal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::closure::Closure;
        use leptos::wasm_bindgen::JsCast;

        let on_click =
            Closure::<dyn Fn(leptos::web_sys::MouseEvent)>::new(move |event: leptos::web_sys::MouseEvent| {
                let is_link = event
                    .target()
                    .and_then(|target| target.dyn_into::<leptos::web_sys::Element>().ok())
                    .and_then(|element| element.closest("a[href]").ok().flatten())
                    .is_some();
                if is_link && is_dirty.get_untracked() && !confirm("Leave without saving your changes?") {
                    event.prevent_default();
                    event.stop_propagation();
                }
            });
        let function: leptos::web_sys::js_sys::Function = on_click.into_js_value().unchecked_into();
        let _ = window().add_event_listener_with_callback_and_bool("click", &function, true);
        let function = send_wrapper::SendWrapper::new(function);
        on_cleanup(move || {
            let _ = window().remove_event_listener_with_callback_and_bool("click", &function, true);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = is_dirty;
}

/// Why the browser did not keep something in its local storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageError {
    /// This site's share of storage is used up.
    Full,
    /// Storage is switched off or blocked, as some private modes and
    /// privacy settings do.
    Unavailable,
}

impl StorageError {
    /// What the person is told: what they lose, and that nothing else breaks.
    pub fn message(&self) -> &'static str {
        match self {
            StorageError::Full => {
                "This browser's storage is full, so your draft is not kept if you reload. Nothing else is affected."
            }
            StorageError::Unavailable => {
                "This browser does not let the page store data, so your draft is not kept if you reload. Nothing else is affected."
            }
        }
    }
}

/// The value stored under `key` in this browser; `None` during server
/// rendering, when nothing is stored, or when storage is blocked.
pub fn load_stored(key: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        local_storage()?.get_item(key).ok().flatten()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

/// Keeps `value` under `key` in this browser's local storage, across reloads.
pub fn store(key: &str, value: &str) -> Result<(), StorageError> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;

        let storage = local_storage().ok_or(StorageError::Unavailable)?;
        storage.set_item(key, value).map_err(|error| {
            // Firefox named the quota error differently before adopting the standard name.
            let is_quota = error.dyn_ref::<leptos::web_sys::DomException>().is_some_and(|exception| {
                matches!(exception.name().as_str(), "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED")
            });
            if is_quota {
                StorageError::Full
            } else {
                StorageError::Unavailable
            }
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (key, value);
        Ok(())
    }
}

/// Removes `key` from this browser's local storage, if it can be reached.
pub fn forget_stored(key: &str) {
    #[cfg(feature = "hydrate")]
    {
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(key);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// The page's local storage; `None` where it is blocked (reading the
/// property itself throws then) or absent.
#[cfg(feature = "hydrate")]
fn local_storage() -> Option<leptos::web_sys::Storage> {
    window().local_storage().ok().flatten()
}

/// Moves keyboard focus to the element with `id` once the change that made,
/// moved or renamed it is on screen: a click handler runs before the re-render.
pub fn focus_after_render(id: String) {
    request_animation_frame(move || {
        let element = document().get_element_by_id(&id).and_then(|element| {
            leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(element).ok()
        });
        if let Some(element) = element {
            let _ = element.focus();
        }
    });
}

/// The browser's clock (chrono's needs a feature that would pull more into
/// the WASM); `None` during server rendering.
pub fn now() -> Option<chrono::DateTime<chrono::Utc>> {
    #[cfg(feature = "hydrate")]
    {
        chrono::DateTime::from_timestamp_millis(leptos::web_sys::js_sys::Date::now() as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Whether the page has hydrated: a component made now (a tab opened, a
/// page navigated to) draws in the browser only, never over server HTML.
/// `false` while rendering on the server and while hydrating.
pub fn is_hydrated() -> bool {
    cfg!(feature = "hydrate")
        && !leptos::prelude::Owner::current_shared_context().is_some_and(|context| context.during_hydration())
}

/// How long to wait before asking again after `failures` failed attempts in
/// a row: a second, doubling each time, at most half a minute (a stream
/// refused over and over is not asked every second).
pub fn wait_before_retry(failures: u32) -> std::time::Duration {
    let wait = std::time::Duration::from_secs(1) * 2_u32.pow(failures.min(5));
    wait.min(std::time::Duration::from_secs(30))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::wait_before_retry;

    #[test]
    fn a_retry_waits_a_second_then_twice_as_long_up_to_half_a_minute() {
        let waits: Vec<Duration> = (0..8).map(wait_before_retry).collect();
        let seconds: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
        assert_eq!(seconds, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
