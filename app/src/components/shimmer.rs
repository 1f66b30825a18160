//! Text with a soft light sweeping over it: "this is happening right now".

use leptos::prelude::*;

/// Shimmers its text while `is_on`, in the text's own colour, so it reads the
/// same on any background. People who ask for less motion see still text.
#[component]
pub fn Shimmer(#[prop(into)] is_on: Signal<bool>, children: Children) -> impl IntoView {
    view! {
        <span class=move || {
            if is_on.get() {
                // The fill, not `color`, goes transparent: the gradient's
                // ends stay the inherited text colour.
                "animate-shimmer bg-linear-to-r from-current via-indigo-400 to-current bg-[length:200%_100%] bg-clip-text [-webkit-text-fill-color:transparent] dark:via-white"
            } else {
                ""
            }
        }>{children()}</span>
    }
}
