//! A panel of a page: a rounded, bordered section named by its heading.

use leptos::prelude::*;

/// `labelled_by` is the id of the card's heading; `class` adds layout
/// (a grid span, stickiness) to the card's own look.
#[component]
pub fn Card(
    labelled_by: &'static str,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section
            aria-labelledby=labelled_by
            class=format!("rounded-2xl border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900 {class}")
        >
            {children()}
        </section>
    }
}
