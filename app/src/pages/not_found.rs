use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::button::{classes, ButtonSize, ButtonTone};
use crate::error::AppError;

/// Shown for any address the router does not know; answers HTTP 404.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let missing = AppError::NotFound(
        "There is nothing at this address. It may have moved, or the link may be mistyped.".into(),
    );
    #[cfg(feature = "ssr")]
    crate::request::set_response_status(&missing);

    view! {
        <Title text="Page not found" />
        <section class="mx-auto max-w-md py-24 text-center">
            <p class="text-sm font-semibold text-indigo-600 dark:text-indigo-300">"404"</p>
            <h1 class="mt-2 text-3xl font-semibold tracking-tight">"Page not found"</h1>
            <p class="mt-3 text-slate-600 dark:text-slate-400">{missing.to_string()}</p>
            <A
                href="/"
                attr:class=format!("mt-8 inline-flex {}", classes(ButtonTone::Primary, ButtonSize::Large))
            >
                "Go to dashboard"
            </A>
        </section>
    }
}
