//! Every page but the dashboard as a lazily loaded route. In the browser a
//! page's code is a WASM chunk (cargo-leptos `--split`), fetched the first
//! time the page is shown, so the dashboard, the page most visits start on,
//! downloads only the app's frame and its own code. The server renders the
//! pages as before and names the chunks of the page it rendered as preloads
//! in the HTML's head, so hydration does not wait for a second round trip.
//!
//! Code that several split points share becomes a chunk per combination of
//! them, and each chunk is a request: with each page a split point of its
//! own, the specs list needed 87 files, which a slow HTTP/1.1 link (six
//! connections) pays for in round trips. So the pages come in few groups:
//! - each heavy page (chat, wizard, a spec, a build) is a split point alone;
//! - the lists share one ([`Library`]), and so do the account forms and
//!   Settings ([`Account`]).
//!
//! Pages load their data themselves (resources inside the page), so `data`
//! has nothing to start early; on a first visit the data arrives with the
//! HTML anyway.

use leptos::lazy;
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages::{
    build_detail::BuildDetailPage, builds::BuildsPage, chat::ChatPage, project_detail::ProjectDetailPage,
    projects::ProjectsPage, settings::SettingsPage, sign_in::SignInPage, sign_up::SignUpPage,
    spec_detail::SpecDetailPage, specs::SpecsPage, wizard::WizardPage,
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

/// Declares pages that share one chunk: an enum naming them, one split
/// function (`#[lazy]`) that renders any of them, and a route type per page
/// that asks that function for its own. `$preload` is the name `#[lazy]`
/// gives the function's preloader: `__preload_` and the function's name.
macro_rules! lazy_page_group {
    (
        $(#[$group_doc:meta])* $group:ident, rendered by $view:ident, preloaded by $preload:ident {
            $($(#[$doc:meta])* $route:ident => $page:ident,)*
        }
    ) => {
        $(#[$group_doc])*
        #[derive(Debug, Clone, Copy)]
        pub enum $group {
            $($route,)*
        }

        #[lazy]
        fn $view(page: $group) -> AnyView {
            match page {
                $($group::$route => view! { <$page /> }.into_any(),)*
            }
        }

        $(
            $(#[$doc])*
            #[derive(Debug)]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_route: Self) -> AnyView {
                    $view($group::$route).await
                }

                async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    $preload().await;
                }
            }
        )*
    };
}

lazy_page_group! {
    /// The lists: small pages with much in common.
    Library, rendered by library_view, preloaded by __preload_library_view {
        /// `/specs`: the list, its search and pages.
        Specs => SpecsPage,
        /// `/builds`: the list, its chips, search and pages.
        Builds => BuildsPage,
        /// `/projects`: the list and the new-project form.
        Projects => ProjectsPage,
        /// `/projects/:id`: a project, its specs and builds.
        ProjectDetail => ProjectDetailPage,
    }
}

lazy_page_group! {
    /// The account: its forms, shown once per session, and its settings,
    /// seldom visited. Settings' tokens and webhooks here rather than among
    /// the lists keep them out of the pages opened most (the lists 456 →
    /// 397 KiB), without a split point more; the forms, which work before
    /// hydration, carry them instead (272 → 352 KiB).
    Account, rendered by account_view, preloaded by __preload_account_view {
        /// `/sign-in`
        SignIn => SignInPage,
        /// `/sign-up`
        SignUp => SignUpPage,
        /// `/settings`: the account, API tokens and webhooks.
        Settings => SettingsPage,
    }
}
