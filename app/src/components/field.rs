//! A labelled form control with an optional hint below it: the one look of
//! every text field. `Field` draws the label and the hint; the control it is
//! given carries the `id`, [`control_class`] and, with a hint,
//! `aria-describedby=hint_id(id)`, so it stays a plain element that can be
//! static for a no-JavaScript form or live for a draft.

use leptos::prelude::*;

/// How a control's text is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ControlStyle {
    /// Names, descriptions, answers.
    #[default]
    Prose,
    /// Specs and other Markdown or source text, edited as written.
    Code,
}

/// The label above a control, or a group's legend.
pub const LABEL_CLASS: &str = "block text-sm font-medium text-slate-700 dark:text-slate-300";
/// The hint below a control.
pub const HINT_CLASS: &str = "mt-1 text-xs text-slate-500 dark:text-slate-400";

/// The classes of a control under its label, in a [`Field`].
pub fn control_class(style: ControlStyle) -> String {
    format!("mt-1 block w-full {}", control_look(style))
}

/// The look of a control without its place, for one that stands in a row
/// beside its button (a search box) and is given its width there.
pub fn control_look(style: ControlStyle) -> &'static str {
    match style {
        ControlStyle::Prose => {
            "rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-2 focus:outline-indigo-500/40 dark:border-slate-700 dark:bg-slate-950"
        }
        ControlStyle::Code => {
            "rounded-lg border border-slate-300 bg-white px-3 py-2 font-mono text-xs leading-5 focus:border-indigo-500 focus:outline-2 focus:outline-indigo-500/40 dark:border-slate-700 dark:bg-slate-950"
        }
    }
}

/// The id of the hint of the control `id`, for its `aria-describedby`.
pub fn hint_id(id: &str) -> String {
    format!("{id}-hint")
}

/// `children` is the control whose id is `id`.
#[component]
pub fn Field(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into, default = None)] hint: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let hint = hint.map(|hint| {
        view! {
            <p id=hint_id(&id) class=HINT_CLASS>
                {hint}
            </p>
        }
    });
    view! {
        <div>
            <label for=id class=LABEL_CLASS>
                {label}
            </label>
            {children()}
            {hint}
        </div>
    }
}
