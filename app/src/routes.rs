//! The heavy pages as lazily loaded routes. In the browser each one's code
//! is a WASM chunk of its own (cargo-leptos `--split`), fetched the first
//! time the page is shown, so the other pages do not download it. The server
//! renders them as before and names the chunks of the page it rendered as
//! preloads in the HTML's head, so hydration does not wait for a second
//! round trip.
//!
//! Only pages with much code of their own are split: code that several split
//! pages share becomes a chunk per combination of pages, and each chunk is a
//! request. With every page split, a page needed 42 to 102 files, which on
//! a slow HTTP/1.1 link (six connections) made the heavy pages hydrate later
//! than the single bundle did (`scripts/wasm-sizes` measures both).
//!
//! Pages load their data themselves (resources inside the page), so `data`
//! has nothing to start early; on a first visit the data arrives with the
//! HTML anyway.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages::{
    build_detail::BuildDetailPage, chat::ChatPage, spec_detail::SpecDetailPage, wizard::WizardPage,
};

/// Declares `route => Page` pairs: a unit type per route whose view, the
/// page, is split into its own chunk.
macro_rules! lazy_pages {
    ($($(#[$doc:meta])* $route:ident => $page:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_route: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    /// `/chat` and `/chat/:id`: the conversation, its streaming and Markdown.
    Chat => ChatPage,
    /// `/wizard`: the steps and the spec they write.
    Wizard => WizardPage,
    /// `/specs/:id`: the spec, its editor, versions and builds.
    SpecDetail => SpecDetailPage,
    /// `/builds/:id`: the live build, its log, files and result.
    BuildDetail => BuildDetailPage,
}
