//! Form pieces shared by every form: the form that calls a server function, a labelled input for
//! one of its arguments, the submit button and the error a failed submission shows.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::wasm_bindgen::JsCast;

use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::field::{control_class, hint_id, ControlStyle, Field};
use crate::error::AppError;

/// A form whose submit calls a server function, with or without JavaScript.
/// Without it, the browser posts the fields to the function's address, which
/// reads them as it reads any form. With it, the submit becomes a dispatch of
/// the arguments `arguments` takes from the fields, so `action`'s pending
/// state, value and version tell the page what happened.
///
/// Leptos's `ActionForm` does the same with a general form-to-arguments
/// parser (serde_qs); since nearly every page has a form, that parser was in
/// the WASM of nearly every first visit. Here each form names its few fields.
#[component]
pub fn ServerForm<S, Arguments>(
    action: ServerAction<S>,
    /// The function's arguments from the submitted fields (and whatever
    /// the page already knows, such as the id in a hidden input).
    arguments: Arguments,
    children: Children,
) -> impl IntoView
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
    Arguments: Fn(&FormFields) -> S + 'static,
{
    let on_submit = move |event: SubmitEvent| {
        if event.default_prevented() {
            return;
        }
        event.prevent_default();
        action.dispatch(arguments(&FormFields::submitted_by(&event)));
    };
    view! {
        <form method="post" action=S::url() on:submit=on_submit>
            {children()}
        </form>
    }
}

/// The fields of a submitted form, by name, as the browser would post them.
pub struct FormFields(Option<leptos::web_sys::FormData>);

impl FormFields {
    fn submitted_by(event: &SubmitEvent) -> Self {
        let form =
            event.target().and_then(|target| target.dyn_into::<leptos::web_sys::HtmlFormElement>().ok());
        FormFields(form.and_then(|form| leptos::web_sys::FormData::new_with_form(&form).ok()))
    }

    /// The field's text; empty when the form has no such field.
    pub fn text(&self, name: &str) -> String {
        self.optional_text(name).unwrap_or_default()
    }

    /// The field's text, `None` when it is missing or empty (an unticked
    /// checkbox, an optional field left blank).
    pub fn optional_text(&self, name: &str) -> Option<String> {
        let value = self.0.as_ref()?.get(name).as_string()?;
        (!value.is_empty()).then_some(value)
    }
}

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
        <Button tone=ButtonTone::Primary size=ButtonSize::Large class="w-full" is_submit=true disabled=is_pending>
            {move || if is_pending.get() { pending_label } else { label }}
        </Button>
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
