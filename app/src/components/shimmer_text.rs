//! Text with a soft light sweeping over it: "this is happening right now".

use leptos::prelude::*;

/// Shimmers its text while `is_on`, in the text's own colour, so it reads the
/// same on any background. `is_subtle` sweeps slower and fainter, for text
/// beside a stronger signal (a badge, a heading). People who ask for less
/// motion see still text.
#[component]
pub fn ShimmerText(
    #[prop(into)] is_on: Signal<bool>,
    #[prop(optional)] is_subtle: bool,
    children: Children,
) -> impl IntoView {
    let (animation, highlight) = if is_subtle {
        ("animate-shimmer-subtle", "via-indigo-300 dark:via-slate-300")
    } else {
        ("animate-shimmer", "via-indigo-400 dark:via-white")
    };
    view! {
        <span class=move || {
            if is_on.get() {
                // The fill, not `color`, goes transparent: the gradient's
                // ends stay the inherited text colour.
                format!("{animation} {highlight} bg-linear-to-r from-current to-current bg-[length:200%_100%] bg-clip-text [-webkit-text-fill-color:transparent]")
            } else {
                String::new()
            }
        }>{children()}</span>
    }
}
