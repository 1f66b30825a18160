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
//! - each heavy page (chat, wizard, a spec, a build) is a group alone;
//! - the lists share one ([`Library`]), and so do the account forms and
//!   Settings ([`Account`]).
//!
//! A chunk that cannot be fetched (the network dropped) shows as an error
//! with a way to try again. Leptos's own lazy routes would panic, and a
//! panic ends the whole app.
//!
//! Pages load their data themselves (resources inside the page), so `data`
//! has nothing to start early; on a first visit the data arrives with the
//! HTML anyway.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::components::load_error::LoadError;
use crate::error::AppError;
use crate::pages::{
    build_detail::BuildDetailPage, builds::BuildsPage, chat::ChatPage, project_detail::ProjectDetailPage,
    projects::ProjectsPage, settings::SettingsPage, sign_in::SignInPage, sign_up::SignUpPage,
    spec_detail::SpecDetailPage, specs::SpecsPage, wizard::WizardPage,
};

/// Declares groups of pages, each sharing one chunk: per group an enum
/// naming its pages, one split function that renders any of them, and a
/// route type per page that asks that function for its own. `$chunk` names
/// the split point: the server names it as the page's preload, and
/// cargo-leptos's manifest lists its files under it. `$fetch` fetches the
/// chunk without rendering.
macro_rules! lazy_page_groups {
    ($(
        $(#[$group_doc:meta])* $group:ident in chunk $chunk:ident, rendered by $view:ident, fetched by $fetch:ident {
            $($(#[$doc:meta])* $route:ident => $page:ident,)*
        }
    )*) => {$(
        $(#[$group_doc])*
        #[derive(Debug, Clone, Copy)]
        pub enum $group {
            $($route,)*
        }

        impl $group {
            /// The page itself; in the browser, only the split function
            /// below calls it, so its code lands in the group's chunk.
            fn render(self) -> AnyView {
                match self {
                    $($group::$route => view! { <$page /> }.into_any(),)*
                }
            }
        }

        #[cfg(feature = "hydrate")]
        #[leptos::wasm_split::wasm_split(
            $chunk,
            wasm_split_path = ::leptos::wasm_split,
            preload($fetch),
            fallible
        )]
        fn $view(page: $group) -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
            Ok(page.render())
        }

        #[cfg(not(feature = "hydrate"))]
        async fn $view(page: $group) -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
            leptos::prefetch_lazy_fn_on_server(stringify!($chunk));
            Ok(page.render())
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
                    $view($group::$route).await.unwrap_or_else(|_| page_code_missing())
                }

                async fn preload() {
                    // A failure shows when the page is opened.
                    #[cfg(feature = "hydrate")]
                    let _ = $fetch().await;
                }
            }
        )*
    )*};
}

/// A page whose code did not arrive: the reason, and a reload to try again.
fn page_code_missing() -> AnyView {
    let error = AppError::Transport(
        "This page's code could not be fetched; the network may have dropped. Try again when you are back online."
            .into(),
    );
    let reload = Callback::new(|()| {
        let _ = window().location().reload();
    });
    view! { <LoadError error retry=reload /> }.into_any()
}

lazy_page_groups! {
    /// `/chat` and `/chat/:id`: the conversation and its streaming.
    ChatPages in chunk chat_pages, rendered by chat_view, fetched by fetch_chat_pages {
        Chat => ChatPage,
    }

    /// `/wizard`: the steps and the spec they write.
    WizardPages in chunk wizard_pages, rendered by wizard_view, fetched by fetch_wizard_pages {
        Wizard => WizardPage,
    }

    /// `/specs/:id`: the spec, its editor, versions and builds.
    SpecPages in chunk spec_pages, rendered by spec_view, fetched by fetch_spec_pages {
        SpecDetail => SpecDetailPage,
    }

    /// `/builds/:id`: the live build, its log, files and result.
    BuildPages in chunk build_pages, rendered by build_view, fetched by fetch_build_pages {
        BuildDetail => BuildDetailPage,
    }

    /// The lists: small pages with much in common.
    Library in chunk library_pages, rendered by library_view, fetched by fetch_library_pages {
        /// `/specs`: the list, its search and pages.
        Specs => SpecsPage,
        /// `/builds`: the list, its chips, search and pages.
        Builds => BuildsPage,
        /// `/projects`: the list and the new-project form.
        Projects => ProjectsPage,
        /// `/projects/:id`: a project, its specs and builds.
        ProjectDetail => ProjectDetailPage,
    }

    /// The account: its forms, shown once per session, and its settings,
    /// seldom visited. Settings' tokens and webhooks here rather than among
    /// the lists keep them out of the pages opened most (the lists 456 →
    /// 397 KiB), without a split point more; the forms, which work before
    /// hydration, carry them instead (272 → 352 KiB).
    Account in chunk account_pages, rendered by account_view, fetched by fetch_account_pages {
        /// `/sign-in`
        SignIn => SignInPage,
        /// `/sign-up`
        SignUp => SignUpPage,
        /// `/settings`: the account, API tokens and webhooks.
        Settings => SettingsPage,
    }
}
