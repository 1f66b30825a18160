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

/// Makes the browser warn before the page is left or reloaded while
/// `is_dirty`, for as long as the calling component lives.
pub fn guard_unsaved_changes(is_dirty: Signal<bool>) {
    let listener = window_event_listener(leptos::ev::beforeunload, move |event| {
        if is_dirty.get_untracked() {
            event.prevent_default();
            event.set_return_value("You have unsaved changes.");
        }
    });
    on_cleanup(move || listener.remove());
}
