//! A line of command output with its ANSI colours drawn, its text always
//! rendered as text.

use leptos::prelude::*;

use crate::ansi::{styled_runs, RunStyle};

#[component]
pub fn AnsiText(#[prop(into)] text: String) -> impl IntoView {
    styled_runs(&text)
        .into_iter()
        .map(|run| match run.style == RunStyle::default() {
            true => run.text.into_any(),
            false => view! { <span class=run.style.classes()>{run.text}</span> }.into_any(),
        })
        .collect_view()
}
