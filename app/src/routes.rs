//! Every page as a lazily loaded route. In the browser each page's code is a
//! WASM chunk of its own (cargo-leptos `--split`), fetched the first time the
//! page is shown, so a first visit downloads the shell and one page rather
//! than all of them. The server renders pages as before and names the chunk
//! of the page it rendered as a preload in the HTML's head, so hydration does
//! not wait for a second round trip.
//!
//! Pages load their data themselves (resources inside the page), so `data`
//! has nothing to start early; on a first visit the data arrives with the
//! HTML anyway.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages::{
    build_detail::BuildDetailPage, builds::BuildsPage, chat::ChatPage, dashboard::DashboardPage,
    project_detail::ProjectDetailPage, projects::ProjectsPage, settings::SettingsPage, sign_in::SignInPage,
    sign_up::SignUpPage, spec_detail::SpecDetailPage, specs::SpecsPage, wizard::WizardPage,
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
    /// `/sign-in`
    SignIn => SignInPage,
    /// `/sign-up`
    SignUp => SignUpPage,
    /// `/`
    Dashboard => DashboardPage,
    /// `/chat` and `/chat/:id`
    Chat => ChatPage,
    /// `/wizard`
    Wizard => WizardPage,
    /// `/specs`
    Specs => SpecsPage,
    /// `/specs/:id`
    SpecDetail => SpecDetailPage,
    /// `/builds`
    Builds => BuildsPage,
    /// `/builds/:id`
    BuildDetail => BuildDetailPage,
    /// `/projects`
    Projects => ProjectsPage,
    /// `/projects/:id`
    ProjectDetail => ProjectDetailPage,
    /// `/settings`
    Settings => SettingsPage,
}
