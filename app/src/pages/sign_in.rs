//! `/sign-in`: email and password, then back to the page the visitor wanted.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::accounts::SignIn;
use crate::components::auth_card::AuthCard;
use crate::components::form::{FormError, FormFields, ServerForm, SubmitButton, TextField};
use crate::model::accounts::page_returning_to;

/// The `next` query value, carried between sign-in and sign-up.
pub(crate) fn use_next_path() -> Signal<String> {
    let query = use_query_map();
    Signal::derive(move || query.read().get("next").unwrap_or_default())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let next = use_next_path();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));

    view! {
        <Title text="Sign in" />
        <AuthCard title="Sign in" subtitle="Welcome back. Sign in to reach your specs and builds.">
            <ServerForm action arguments=|fields: &FormFields| SignIn { email: fields.text("email"), password: fields.text("password"), next: fields.optional_text("next") } attr:class="space-y-4" attr:aria-label="Sign in">
                <input type="hidden" name="next" value=next />
                <TextField label="Email" name="email" input_type="email" autocomplete="email" />
                <TextField
                    label="Password"
                    name="password"
                    input_type="password"
                    autocomplete="current-password"
                />
                <FormError error />
                <SubmitButton label="Sign in" pending_label="Signing in…" is_pending=action.pending() />
            </ServerForm>
            <p class="mt-6 text-center text-sm text-slate-600 dark:text-slate-400">
                "New here? "
                <A
                    href=move || page_returning_to("/sign-up", &next.get())
                    attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-300"
                >
                    "Create an account"
                </A>
            </p>
        </AuthCard>
    }
}
