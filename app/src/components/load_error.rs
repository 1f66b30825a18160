//! What an async view shows when loading failed: the reason, and two ways
//! out. A missing or foreign resource gets the not-found message instead.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;

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
                            <button
                                type="button"
                                class="rounded-lg bg-red-700 px-3 py-1.5 font-medium text-white hover:bg-red-600"
                                on:click=move |_| retry.run(())
                            >
                                "Try again"
                            </button>
                        }
                    })}
                <A href="/" attr:class="rounded-lg px-3 py-1.5 font-medium underline">
                    "Go to dashboard"
                </A>
            </div>
        </section>
    }
}

/// A page whose own data could not be loaded: the tab's title says the
/// thing is not found ("Spec not found") only when that is the reason, and
/// [`LoadError`] says the rest.
#[component]
pub fn PageLoadError(
    /// What the page shows, as a title: "Spec".
    what: &'static str,
    error: AppError,
    #[prop(optional)] retry: Option<Callback<()>>,
) -> impl IntoView {
    let title = match error {
        AppError::NotFound(_) => format!("{what} not found"),
        _ => what.to_owned(),
    };
    view! {
        <Title text=title />
        {LoadError(LoadErrorProps { error, retry })}
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
