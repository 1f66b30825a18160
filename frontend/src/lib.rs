//! Browser entry point: hydrates the server-rendered page.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    // Pages are lazy routes (see `app::routes`): hydrating one first loads
    // its WASM chunk, so hydration finishes asynchronously.
    wasm_bindgen_futures::spawn_local(async move {
        let app = leptos::mount::hydrate_from_async(body, app::App).await;
        // The app lives as long as the page.
        app.forget();
        mark_hydrated(&document);
    });
}

/// Tells end-to-end tests (and curious humans) that event handlers are live:
/// clicks before this point would be lost.
fn mark_hydrated(document: &web_sys::Document) {
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
