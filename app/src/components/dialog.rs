//! Modal dialogs: the browser's own `<dialog>`, shown modally, and the
//! confirmation every destructive action asks for.

use leptos::prelude::*;

use crate::components::button::{Button, ButtonSize, ButtonTone};

/// A modal panel. It is shown while `is_open` is true; closing (Escape, a
/// press and release on the backdrop, a Cancel button) sets it to false.
/// Shown modally, the browser moves focus into it, keeps Tab inside it,
/// makes the page behind inert and gives focus back when it closes. Its
/// content is made afresh each time it opens.
#[component]
pub fn Modal(title: &'static str, is_open: RwSignal<bool>, children: ChildrenFn) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else { return };
        match (is_open.get(), dialog.open()) {
            (true, false) => {
                let _ = dialog.show_modal();
            }
            (false, true) => dialog.close(),
            _ => {}
        }
    });
    // Escape and the backdrop ask first when something typed would be lost.
    let close_unless_kept = move || {
        if dialog
            .get_untracked()
            .is_none_or(|dialog| !has_typed_text(&dialog) || crate::browser::confirm(DISCARD))
        {
            is_open.set(false);
        }
    };
    // A click whose press began inside the panel (selecting text, say) is not a click on the backdrop.
    let pressed_on_backdrop = StoredValue::new(false);
    view! {
        <dialog
            node_ref=dialog
            aria-label=title
            class="m-auto max-h-[90vh] w-full max-w-2xl overflow-y-auto rounded-2xl bg-white p-6 text-slate-900 shadow-xl backdrop:bg-slate-900/50 backdrop:backdrop-blur-sm dark:bg-slate-900 dark:text-slate-100"
            on:cancel=move |event: leptos::web_sys::Event| {
                event.prevent_default();
                close_unless_kept();
            }
            // The browser may close it whatever the page says (a second
            // Escape in a row): if it was to stay open, it opens again.
            on:close=move |_| {
                if let (true, Some(dialog)) = (is_open.get_untracked(), dialog.get_untracked()) {
                    let _ = dialog.show_modal();
                }
            }
            on:pointerdown=move |event| {
                pressed_on_backdrop.set_value(is_on_backdrop(&dialog, &event));
            }
            on:click=move |event| {
                // Each press counts once; a click from the keyboard has no press.
                let was_pressed = pressed_on_backdrop.get_value();
                pressed_on_backdrop.set_value(false);
                if was_pressed && is_on_backdrop(&dialog, &event) {
                    close_unless_kept();
                }
            }
        >
            <h2 class="text-lg font-semibold">{title}</h2>
            <Show when=move || is_open.get()>
                <div class="mt-4">{children()}</div>
            </Show>
        </dialog>
    }
}

const DISCARD: &str = "Discard what you typed?";

/// Whether a pointer event was on the backdrop: aimed at the dialog itself
/// (not something in it) and outside its box (its scroll bar is inside).
fn is_on_backdrop(dialog: &NodeRef<leptos::html::Dialog>, event: &leptos::web_sys::MouseEvent) -> bool {
    let Some(dialog) = dialog.get_untracked() else { return false };
    let dialog_itself: &leptos::web_sys::EventTarget = dialog.as_ref();
    if event.target().as_ref() != Some(dialog_itself) {
        return false;
    }
    let frame = dialog.get_bounding_client_rect();
    let (x, y) = (f64::from(event.client_x()), f64::from(event.client_y()));
    x < frame.left() || x > frame.right() || y < frame.top() || y > frame.bottom()
}

/// Whether a field in `dialog` holds something other than it started with.
fn has_typed_text(dialog: &leptos::web_sys::HtmlDialogElement) -> bool {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{HtmlInputElement, HtmlTextAreaElement};
    let Ok(fields) = dialog.query_selector_all("input, textarea") else { return false };
    (0..fields.length()).filter_map(|index| fields.item(index)).any(|field| {
        if let Some(input) = field.dyn_ref::<HtmlInputElement>() {
            input.value() != input.default_value()
        } else {
            field
                .dyn_ref::<HtmlTextAreaElement>()
                .is_some_and(|area| area.default_value().is_ok_and(|initial| area.value() != initial))
        }
    })
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
