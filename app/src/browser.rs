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
