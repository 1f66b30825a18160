//! Buttons in six tones and three sizes, and a link that looks like one (a
//! download, which must stay a plain `<a>`). Attributes (`attr:id`,
//! `attr:aria-label`) given to them land on the element. A click handler is
//! the `on_click` prop, not a spread `on:click`: a spread handler is added
//! again, beside the old one, each time its view is rebuilt in Leptos's
//! `erase_components` mode (tachys 0.2 `AnyViewWithAttrs::rebuild`), so a
//! Next button would keep going to the step it first pointed at.

use leptos::ev::MouseEvent;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ButtonTone {
    /// The one thing the place is for (Resume, Next, Save).
    Primary,
    #[default]
    Secondary,
    /// Destroys or stops something; asks first.
    Danger,
    /// No border: the small tools of a row (move up, remove).
    Quiet,
    /// Solid red: the last yes to destroying or stopping something (in the
    /// dialog that asks), and the one action of an error's box.
    Alarm,
    /// A switch that stays pressed while on: give it `attr:aria-pressed`
    /// (a log's categories, following its end).
    Toggle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ButtonSize {
    /// Inside a row of a list.
    Small,
    /// Toolbars and cards.
    #[default]
    Medium,
    /// A step's own navigation (Back, Next).
    Large,
}

const SHARED: &str = "whitespace-nowrap focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-60";

/// The classes of a button in `tone` and `size`, for a control that must be
/// a plain element of its own (a menu's toggle).
pub fn classes(tone: ButtonTone, size: ButtonSize) -> String {
    let tone = match tone {
        ButtonTone::Primary => "bg-indigo-600 font-semibold text-white hover:bg-indigo-500",
        ButtonTone::Secondary => {
            "border border-slate-300 bg-white font-medium hover:bg-slate-100 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800"
        }
        ButtonTone::Danger => {
            "border border-slate-300 bg-white font-medium text-red-700 hover:bg-slate-100 dark:border-slate-700 dark:bg-slate-900 dark:text-red-300 dark:hover:bg-slate-800"
        }
        ButtonTone::Quiet => "font-medium hover:bg-slate-100 dark:hover:bg-slate-800",
        ButtonTone::Alarm => "bg-red-700 font-medium text-white hover:bg-red-600",
        ButtonTone::Toggle => {
            "border border-slate-300 bg-white font-medium hover:bg-slate-100 aria-pressed:border-indigo-500 aria-pressed:bg-indigo-50 aria-pressed:text-indigo-800 dark:border-slate-700 dark:bg-slate-900 dark:hover:bg-slate-800 dark:aria-pressed:bg-indigo-950 dark:aria-pressed:text-indigo-200"
        }
    };
    let size = match size {
        ButtonSize::Small => "rounded-md px-2 py-1 text-xs",
        ButtonSize::Medium => "rounded-lg px-3 py-1.5 text-sm",
        ButtonSize::Large => "rounded-lg px-4 py-2 text-sm",
    };
    format!("{size} {tone} {SHARED}")
}

/// A `<button>`; `is_submit` makes it send the form around it. `class` adds
/// its place in the layout (a full width, a margin) to its own look.
#[component]
pub fn Button(
    #[prop(optional)] tone: ButtonTone,
    #[prop(optional)] size: ButtonSize,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] is_submit: bool,
    #[prop(into, optional)] disabled: Signal<bool>,
    #[prop(into, optional)] on_click: Option<Callback<MouseEvent>>,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            type=if is_submit { "submit" } else { "button" }
            class=if class.is_empty() { classes(tone, size) } else { format!("{} {class}", classes(tone, size)) }
            disabled=move || disabled.get()
            on:click=move |event| {
                if let Some(on_click) = on_click {
                    on_click.run(event);
                }
            }
        >
            {children()}
        </button>
    }
}

/// An `<a>` dressed as a button. Give it `attr:download` and
/// `attr:rel="external"` for a file, so the router leaves the click alone.
/// `on_click` runs besides following the link (a prop, like `Button`'s).
#[component]
pub fn ButtonLink(
    #[prop(optional)] tone: ButtonTone,
    #[prop(optional)] size: ButtonSize,
    href: String,
    #[prop(into, optional)] on_click: Option<Callback<MouseEvent>>,
    children: Children,
) -> impl IntoView {
    view! {
        <a
            href=href
            class=format!("inline-flex items-center justify-center gap-2 {}", classes(tone, size))
            on:click=move |event| {
                if let Some(on_click) = on_click {
                    on_click.run(event);
                }
            }
        >
            {children()}
        </a>
    }
}
