//! `/sign-up`: a new account, signed in straight away.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::accounts::SignUp;
use crate::components::auth_card::AuthCard;
use crate::components::form::{FormError, FormFields, ServerForm, SubmitButton, TextField};
use crate::model::accounts::{page_returning_to, MAX_DISPLAY_NAME_CHARS, MIN_PASSWORD_CHARS};
use crate::pages::sign_in::use_next_path;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let next = use_next_path();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));

    view! {
        <Title text="Create your account" />
        <AuthCard title="Create your account" subtitle="Specs, builds and their results stay private to you.">
            <ServerForm action arguments=|fields: &FormFields| SignUp { email: fields.text("email"), display_name: fields.text("display_name"), password: fields.text("password"), next: fields.optional_text("next") } attr:class="space-y-4" attr:aria-label="Create your account">
                <input type="hidden" name="next" value=next />
                <TextField
                    label="Name"
                    name="display_name"
                    autocomplete="name"
                    maxlength=MAX_DISPLAY_NAME_CHARS as u32
                />
                <TextField label="Email" name="email" input_type="email" autocomplete="email" />
                <TextField
                    label="Password"
                    name="password"
                    input_type="password"
                    autocomplete="new-password"
                    minlength=MIN_PASSWORD_CHARS as u32
                    hint="At least 10 characters, and not your email address."
                />
                <FormError error />
                <SubmitButton label="Create account" pending_label="Creating your account…" is_pending=action.pending() />
            </ServerForm>
            <p class="mt-6 text-center text-sm text-slate-600 dark:text-slate-400">
                "Already have an account? "
                <A
                    href=move || page_returning_to("/sign-in", &next.get())
                    attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-300"
                >
                    "Sign in"
                </A>
            </p>
        </AuthCard>
    }
}
