//! The product's face: routes, pages, components, server functions and the
//! types the browser and the server share.

// The build page's view types nest deeper than the default 128 allows when
// the nightly compiler lays them out for the fuzzer's instrumented build.
#![recursion_limit = "256"]

pub mod actions;
pub mod ansi;
pub mod api;
pub mod browser;
pub mod build_stream;
pub mod components;
pub mod error;
pub mod format;
pub mod loaded;
pub mod markdown;
pub mod model;
pub mod notifications;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;
pub mod preferences;
pub mod refresh;
pub mod reply_stream;
#[cfg(feature = "ssr")]
pub mod request;
pub mod routes;
pub mod tagged;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy, SsrMode,
};

use crate::components::layout::AppLayout;
use crate::pages::{dashboard::DashboardPage, not_found::NotFoundPage};
use crate::routes::{
    BuildDetail, Builds, Chat, ProjectDetail, Projects, Settings, SignIn, SignUp, SpecDetail, Specs, Wizard,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

/// The tab's title of a page. On the server it is written into the HTML as
/// is (leptos_meta does not escape it), and it carries names people chose:
/// a spec named `</title><script>…` would be markup there. So the server
/// escapes it; the browser sets the tab's text, which must not be.
fn page_title(page: String) -> String {
    let title = format!("{page} · Agents Platform");
    #[cfg(feature = "ssr")]
    let title = html_escape::encode_text(&title).into_owned();
    title
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Title formatter=page_title />
        <Router>
            <Routes fallback=NotFoundPage>
                // Open to anyone (the server keeps this list in `PUBLIC_PAGES`).
                <Route path=path!("sign-in") view={Lazy::<SignIn>::new()} />
                <Route path=path!("sign-up") view={Lazy::<SignUp>::new()} />
                // Everything else needs a signed-in user.
                // In order: the HTML arrives complete, data included, so pages
                // read fully without JavaScript (out-of-order streaming would
                // leave placeholders for JavaScript to fill).
                <ParentRoute path=path!("") view=AppLayout ssr=SsrMode::InOrder>
                    <Route path=path!("") view=DashboardPage />
                    <Route path=path!("chat") view={Lazy::<Chat>::new()} />
                    <Route path=path!("chat/:id") view={Lazy::<Chat>::new()} />
                    <Route path=path!("wizard") view={Lazy::<Wizard>::new()} />
                    <Route path=path!("specs") view={Lazy::<Specs>::new()} />
                    <Route path=path!("specs/:id") view={Lazy::<SpecDetail>::new()} />
                    <Route path=path!("builds") view={Lazy::<Builds>::new()} />
                    <Route path=path!("builds/:id") view={Lazy::<BuildDetail>::new()} />
                    <Route path=path!("projects") view={Lazy::<Projects>::new()} />
                    <Route path=path!("projects/:id") view={Lazy::<ProjectDetail>::new()} />
                    <Route path=path!("settings") view={Lazy::<Settings>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::page_title;

    #[test]
    fn a_name_in_the_title_is_text_in_the_servers_html() {
        assert_eq!(
            page_title("Tom & Jerry </title><script>alert(1)</script>".into()),
            "Tom &amp; Jerry &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Agents Platform"
        );
    }
}
