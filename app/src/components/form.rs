//! Form pieces shared by every form: a labelled input for a server function, the submit button and
//! the error a failed submission shows.

use leptos::prelude::*;

use crate::components::field::{control_class, hint_id, ControlStyle, Field};
use crate::error::AppError;

/// A labelled input whose `name` is the server function's argument.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] minlength: Option<u32>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let described_by = hint.map(|_| hint_id(&id));
    view! {
        <Field id=id.clone() label hint>
            <input
                id=id
                name=name
                type=input_type
                autocomplete=autocomplete
                minlength=minlength
                maxlength=maxlength
                required=required
                aria-describedby=described_by
                class=control_class(ControlStyle::Prose)
            />
        </Field>
    }
}

/// The primary button of a form; says what is happening while it is pending.
#[component]
pub fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    #[prop(into)] is_pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            disabled=move || is_pending.get()
            class="inline-flex w-full items-center justify-center rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70"
        >
            {move || if is_pending.get() { pending_label } else { label }}
        </button>
    }
}

/// The message of a failed submission, announced to screen readers.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <Show when=move || error.get().is_some()>
            <p
                role="alert"
                data-testid="form-error"
                class="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
            >
                {move || error.get().map(|error| error.to_string())}
            </p>
        </Show>
    }
}
