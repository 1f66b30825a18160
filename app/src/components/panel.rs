//! The white card every part of the build page's columns sits in, and the
//! label-and-value rows its description lists are made of.

use leptos::prelude::*;

use crate::components::card::{card_class, CardPadding};

/// A white card of the side column.
#[component]
pub fn Panel(
    title: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class=card_class(CardPadding::Compact) data-testid=testid>
            <h2 class="font-semibold">{title}</h2>
            {children()}
        </section>
    }
    .into_any()
}

/// One entry of a `<dl>` in a panel: the label left, the value right.
#[component]
pub fn Row(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="flex justify-between gap-3">
            <dt class="shrink-0 text-slate-500 dark:text-slate-400">{label}</dt>
            <dd class="min-w-0 truncate text-right">{children()}</dd>
        </div>
    }
}
