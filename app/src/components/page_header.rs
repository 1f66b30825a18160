use leptos::prelude::*;

/// The title block at the top of every page.
#[component]
pub fn PageHeader(title: &'static str, description: &'static str) -> impl IntoView {
    view! {
        <header class="mb-8">
            <h1 class="text-2xl font-semibold tracking-tight sm:text-3xl">{title}</h1>
            <p class="mt-1 max-w-2xl text-sm text-slate-600 dark:text-slate-400">{description}</p>
        </header>
    }
}
