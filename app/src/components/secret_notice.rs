//! A secret just made (an API token, a webhook's signing secret), shown this
//! once with a Copy button.

use leptos::prelude::*;

use crate::browser::copy_to_clipboard;
use crate::components::button::{Button, ButtonSize};

/// `testid` marks the notice; its input is `<testid>-secret`.
#[component]
pub fn SecretNotice(
    /// What was made, and that it will not be shown again.
    message: String,
    /// The input's accessible name.
    label: &'static str,
    secret: String,
    testid: &'static str,
) -> impl IntoView {
    let (is_copied, set_copied) = signal(false);
    let copy = {
        let secret = secret.clone();
        move |_| {
            copy_to_clipboard(&secret);
            set_copied.set(true);
        }
    };
    view! {
        <div role="status" data-testid=testid class="mt-4 rounded-xl border border-emerald-300 bg-emerald-50 p-4 text-sm dark:border-emerald-800 dark:bg-emerald-950">
            <p class="font-medium text-emerald-900 dark:text-emerald-100">{message}</p>
            <div class="mt-2 flex gap-2">
                <input
                    readonly
                    aria-label=label
                    data-testid=format!("{testid}-secret")
                    value=secret
                    class="min-w-0 flex-1 rounded-md border border-emerald-300 bg-white px-2 py-1 font-mono text-xs dark:border-emerald-800 dark:bg-slate-950"
                    on:focus=move |event| {
                        event_target::<web_sys::HtmlInputElement>(&event).select();
                    }
                />
                <Button size=ButtonSize::Small on_click=copy>
                    {move || if is_copied.get() { "Copied" } else { "Copy" }}
                </Button>
            </div>
        </div>
    }
}
