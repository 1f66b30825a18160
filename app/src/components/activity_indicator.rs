//! A dot with a ring pulsing out of it while something is at work, still
//! when it is not.

use leptos::prelude::*;

#[component]
pub fn ActivityIndicator(#[prop(into)] is_active: Signal<bool>) -> impl IntoView {
    view! {
        <span class="relative inline-flex size-3 shrink-0" aria-hidden="true" data-testid="activity-indicator" data-active=move || is_active.get().to_string()>
            <Show when=move || is_active.get()>
                <span class="absolute inline-flex size-full animate-pulse-ring rounded-full bg-indigo-400"></span>
            </Show>
            <span class=move || {
                if is_active.get() {
                    "relative inline-flex size-3 rounded-full bg-indigo-600 dark:bg-indigo-400"
                } else {
                    "relative inline-flex size-3 rounded-full bg-slate-300 dark:bg-slate-600"
                }
            }></span>
        </span>
    }
}
