//! The message box of the chat: Enter sends, Shift+Enter starts a new line,
//! and the unsent text is kept in this browser per chat, across reloads.

use leptos::html::Textarea;
use leptos::prelude::*;

use crate::browser::{forget_stored, load_stored, store};
use crate::components::button::{Button, ButtonTone};

fn draft_storage_key(draft_key: &str) -> String {
    format!("agents-platform:chat-draft:{draft_key}")
}

/// A `<textarea name="message">` with a Send button, for use inside an
/// `ServerForm`. `cleared` counts successful sends: each one empties the box
/// and forgets the draft.
#[component]
pub fn MessageField(
    draft_key: String,
    label: &'static str,
    placeholder: &'static str,
    is_busy: Signal<bool>,
    cleared: ReadSignal<u32>,
) -> impl IntoView {
    let storage_key = StoredValue::new(draft_storage_key(&draft_key));
    let field = NodeRef::<Textarea>::new();
    let storage_problem = RwSignal::new(None::<&'static str>);

    // After hydration: bring back the draft left here before.
    Effect::new(move |_| {
        if let (Some(field), Some(draft)) = (field.get(), load_stored(&storage_key.get_value())) {
            if field.value().is_empty() {
                field.set_value(&draft);
            }
        }
    });
    Effect::new(move |previous: Option<u32>| {
        let count = cleared.get();
        if previous.is_some_and(|previous| previous != count) {
            if let Some(field) = field.get_untracked() {
                field.set_value("");
            }
            forget_stored(&storage_key.get_value());
        }
        count
    });
    let keep_draft = move |_| {
        let Some(field) = field.get_untracked() else { return };
        let text = field.value();
        let outcome = if text.is_empty() {
            forget_stored(&storage_key.get_value());
            Ok(())
        } else {
            store(&storage_key.get_value(), &text)
        };
        storage_problem.set(outcome.err().map(|problem| problem.message()));
    };
    let send_on_enter = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
            event.prevent_default();
            if is_busy.get_untracked() {
                return;
            }
            if let Some(form) = field.get_untracked().and_then(|field| field.form()) {
                let _ = form.request_submit();
            }
        }
    };

    view! {
        <div>
            <label for="chat-message" class="sr-only">{label}</label>
            <div class="rounded-xl border border-slate-300 bg-white focus-within:border-indigo-500 focus-within:outline-2 focus-within:outline-indigo-500/40 dark:border-slate-700 dark:bg-slate-900">
                <textarea
                    id="chat-message"
                    name="message"
                    rows="3"
                    required
                    placeholder=placeholder
                    node_ref=field
                    on:input=keep_draft
                    on:keydown=send_on_enter
                    class="block w-full resize-y rounded-t-xl bg-transparent px-3 py-2 text-sm focus:outline-none"
                ></textarea>
                <div class="flex items-center justify-between gap-3 border-t border-slate-200 px-3 py-2 dark:border-slate-800">
                    <p class="text-xs text-slate-500 dark:text-slate-400">"Enter sends · Shift+Enter for a new line"</p>
                    <Button tone=ButtonTone::Primary is_submit=true disabled=is_busy>
                        "Send"
                    </Button>
                </div>
            </div>
            <Show when=move || storage_problem.get().is_some()>
                <p role="status" data-testid="draft-warning" class="mt-2 rounded-lg bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                    {move || storage_problem.get()}
                </p>
            </Show>
        </div>
    }
}
