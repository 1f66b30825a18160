//! What an async view shows when loading failed: the reason, and two ways
//! out. A missing or foreign resource gets the not-found message instead.
//! And the tab's title of a page about one thing, which says when it is
//! missing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::components::button::{Button, ButtonTone};
use crate::error::AppError;
use crate::loaded::Loaded;

#[component]
pub fn LoadError(error: AppError, #[prop(optional)] retry: Option<Callback<()>>) -> impl IntoView {
    let is_not_found = matches!(error, AppError::NotFound(_));
    let title = if is_not_found { "Not found" } else { "This could not be loaded" };
    view! {
        <section
            role="alert"
            class="rounded-2xl border border-red-200 bg-red-50 p-6 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
        >
            <h2 class="text-base font-semibold">{title}</h2>
            <p class="mt-1">{error.to_string()}</p>
            <div class="mt-4 flex gap-3">
                {retry
                    .filter(|_| !is_not_found)
                    .map(|retry| {
                        view! {
                            <Button tone=ButtonTone::Alarm on_click=move |_| retry.run(())>
                                "Try again"
                            </Button>
                        }
                    })}
                <A href="/" attr:class="rounded-lg px-3 py-1.5 font-medium underline">
                    "Go to dashboard"
                </A>
            </div>
        </section>
    }
}

/// The tab's title of a page about one thing, made from what it loaded:
/// `title_of` it once loaded, "Spec not found" when it is missing, "Spec"
/// while it loads or when it failed otherwise. Place it before the page's
/// `Transition`: then the server writes it into the HTML's head, since
/// [`load_subject`](crate::loaded::load_subject) holds the head until the
/// value is there. (A title inside the `Transition` is written a moment
/// after the head has left, and reaches the tab only once the WASM runs.)
#[component]
pub fn SubjectTitle<T>(
    /// What the page shows, as a title: "Spec".
    what: &'static str,
    subject: Loaded<Result<T, AppError>>,
    title_of: fn(&T) -> String,
) -> impl IntoView
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    let text = move || match subject.read().as_ref() {
        Some(Ok(subject)) => title_of(subject),
        Some(Err(error)) => title_for_error(what, error),
        None => what.to_owned(),
    };
    view! { <Title text=text /> }
}

/// "Spec not found" when that is why a page has nothing to show, else "Spec":
/// a dropped network is not a missing spec.
pub fn title_for_error(what: &str, error: &AppError) -> String {
    match error {
        AppError::NotFound(_) => format!("{what} not found"),
        _ => what.to_owned(),
    }
}

/// The same inside a card (a list on a settings page): the reason and a
/// retry, without leaving the page.
#[component]
pub fn InlineLoadError(error: AppError, retry: Callback<()>) -> impl IntoView {
    view! {
        <div role="alert" class="mt-6 text-sm text-red-700 dark:text-red-300">
            <p>{error.to_string()}</p>
            <button type="button" class="mt-2 font-medium underline" on:click=move |_| retry.run(())>
                "Try again"
            </button>
        </div>
    }
}
