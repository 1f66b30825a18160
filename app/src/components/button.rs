//! The buttons of toolbars and cards, in three tones, and a link that looks
//! like one (a download, which must stay a plain `<a>`). Attributes and
//! `on:` handlers given to them land on the element.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ButtonTone {
    /// The one thing the place is for (Resume, Download).
    Primary,
    #[default]
    Secondary,
    /// Destroys or stops something; asks first.
    Danger,
}

impl ButtonTone {
    fn classes(self) -> &'static str {
        match self {
            ButtonTone::Primary => {
                "rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60"
            }
            ButtonTone::Secondary => {
                "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
            }
            ButtonTone::Danger => {
                "rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60 dark:border-slate-700 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-slate-800"
            }
        }
    }
}

/// A `<button>`; `submit` makes it send the form around it.
#[component]
pub fn Button(
    #[prop(optional)] tone: ButtonTone,
    #[prop(optional)] is_submit: bool,
    #[prop(into, optional)] disabled: Signal<bool>,
    children: Children,
) -> impl IntoView {
    view! {
        <button type=if is_submit { "submit" } else { "button" } class=tone.classes() disabled=move || disabled.get()>
            {children()}
        </button>
    }
}

/// An `<a>` dressed as a button. Give it `attr:download` and
/// `attr:rel="external"` for a file, so the router leaves the click alone.
#[component]
pub fn ButtonLink(#[prop(optional)] tone: ButtonTone, href: String, children: Children) -> impl IntoView {
    view! {
        <a href=href class=format!("inline-flex items-center justify-center gap-2 {}", tone.classes())>
            {children()}
        </a>
    }
}
