//! A panel of a page: a rounded, bordered surface, as a section named by its
//! heading ([`Card`]) or, for an element that must stay what it is (a list
//! item, a link, a list), as its classes ([`card_class`]).

use leptos::prelude::*;

/// How much room a card leaves around what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CardPadding {
    /// No padding: its rows or columns draw their own (a list with
    /// dividers, a split view).
    Flush,
    /// The cards of a list and of a side column.
    Compact,
    /// A page's own cards.
    #[default]
    Roomy,
}

/// The classes of a card with `padding`, for an element that cannot be a
/// [`Card`].
pub fn card_class(padding: CardPadding) -> &'static str {
    match padding {
        CardPadding::Flush => {
            "rounded-2xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"
        }
        CardPadding::Compact => {
            "rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900"
        }
        CardPadding::Roomy => {
            "rounded-2xl border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900"
        }
    }
}

/// `labelled_by` is the id of the card's heading; `class` adds layout
/// (a grid span, stickiness) to the card's own look.
#[component]
pub fn Card(
    labelled_by: &'static str,
    #[prop(optional)] padding: CardPadding,
    #[prop(optional)] class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section
            aria-labelledby=labelled_by
            class=if class.is_empty() { card_class(padding).to_owned() } else { format!("{} {class}", card_class(padding)) }
        >
            {children()}
        </section>
    }
}
