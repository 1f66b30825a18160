//! The white card every part of the build page's columns sits in.

use leptos::prelude::*;

/// A white card of the side column.
#[component]
pub(super) fn Panel(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">{title}</h2>
            {children()}
        </section>
    }
    .into_any()
}
