//! Modal dialogs: a panel over a dimmed page that Escape or the backdrop
//! closes, and the confirmation every destructive action asks for.

use leptos::prelude::*;

use crate::components::button::{Button, ButtonSize, ButtonTone};

/// A modal panel. It is shown while `is_open` is true; closing (Escape, the
/// backdrop, a Cancel button) sets it to false.
#[component]
pub fn Modal(title: &'static str, is_open: RwSignal<bool>, children: ChildrenFn) -> impl IntoView {
    let close = move || is_open.set(false);
    view! {
        <Show when=move || is_open.get()>
            <div
                class="fixed inset-0 z-50 flex items-end justify-center bg-slate-900/50 p-4 backdrop-blur-sm sm:items-center"
                on:click=move |_| close()
                on:keydown=move |event| {
                    if event.key() == "Escape" {
                        close();
                    }
                }
            >
                <div
                    role="dialog"
                    aria-modal="true"
                    aria-label=title
                    tabindex="-1"
                    class="max-h-[90vh] w-full max-w-2xl overflow-y-auto rounded-2xl bg-white p-6 shadow-xl dark:bg-slate-900"
                    on:click=|event| event.stop_propagation()
                >
                    <h2 class="text-lg font-semibold">{title}</h2>
                    <div class="mt-4">{children()}</div>
                </div>
            </div>
        </Show>
    }
}

/// "Are you sure?" for something that cannot be undone.
#[component]
pub fn ConfirmDialog(
    title: &'static str,
    #[prop(into)] message: Signal<String>,
    confirm_label: &'static str,
    /// The button that closes the dialog without doing anything.
    #[prop(default = "Cancel")]
    dismiss_label: &'static str,
    is_open: RwSignal<bool>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <Modal title is_open>
            <p class="text-sm text-slate-600 dark:text-slate-300">{move || message.get()}</p>
            <div class="mt-6 flex justify-end gap-3">
                <Button tone=ButtonTone::Quiet size=ButtonSize::Large on_click=move |_| is_open.set(false)>
                    {dismiss_label}
                </Button>
                <Button
                    tone=ButtonTone::Alarm
                    size=ButtonSize::Large
                    on_click=move |_| {
                        is_open.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </Button>
            </div>
        </Modal>
    }
}
