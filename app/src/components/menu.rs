//! A menu button: a button that opens a short list of actions (the ARIA
//! menu-button pattern). Opening moves focus to the first item; the arrow
//! keys, Home and End move between items; Escape closes it and gives focus
//! back to the button; choosing an item, clicking outside or tabbing away
//! closes it.

use leptos::ev::{FocusEvent, KeyboardEvent, PointerEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{HtmlElement, Node};

use crate::components::button::{classes, ButtonSize, ButtonTone};

/// The look of an entry; give links in a menu this class and
/// `attr:role="menuitem"`.
pub const MENU_ITEM_CLASS: &str = "block w-full rounded-md px-3 py-2 text-left text-sm hover:bg-slate-100 focus-visible:bg-slate-100 focus-visible:outline-none dark:hover:bg-slate-800 dark:focus-visible:bg-slate-800";

/// `children` are the entries: [`MenuItem`]s, or links with
/// [`MENU_ITEM_CLASS`] and `role="menuitem"`.
#[component]
pub fn Menu(
    label: &'static str,
    #[prop(optional)] tone: ButtonTone,
    #[prop(optional)] size: ButtonSize,
    #[prop(default = "w-56")] width: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let is_open = RwSignal::new(false);
    let root = NodeRef::<html::Div>::new();
    let toggle = NodeRef::<html::Button>::new();

    // Focus follows the menu: its first item once shown.
    Effect::new(move |_| {
        if is_open.get() {
            request_animation_frame(move || focus_item(&root, |_, _| 0));
        }
    });
    let close_and_return_focus = move || {
        is_open.set(false);
        if let Some(button) = toggle.get_untracked() {
            let _ = button.focus();
        }
    };
    // A press anywhere outside closes the menu; a press on an item lets its
    // click run first (the click bubbles to the list, which closes it).
    let outside = window_event_listener(leptos::ev::pointerdown, move |event: PointerEvent| {
        if is_open.get_untracked()
            && !is_inside(&root, event.target().and_then(|target| target.dyn_into::<Node>().ok()))
        {
            is_open.set(false);
        }
    });
    on_cleanup(move || outside.remove());

    let on_keydown = move |event: KeyboardEvent| {
        let step: Option<fn(usize, usize) -> usize> = match event.key().as_str() {
            "ArrowDown" => Some(|current, count| (current + 1) % count),
            "ArrowUp" => Some(|current, count| (current + count - 1) % count),
            "Home" => Some(|_, _| 0),
            "End" => Some(|_, count| count - 1),
            "Escape" => {
                event.prevent_default();
                close_and_return_focus();
                None
            }
            "Tab" => {
                is_open.set(false);
                None
            }
            _ => None,
        };
        if let Some(step) = step {
            event.prevent_default();
            focus_item(&root, step);
        }
    };
    // Keyboard focus leaving for somewhere else on the page closes it too.
    let on_focusout = move |event: FocusEvent| {
        let next = event.related_target().and_then(|target| target.dyn_into::<Node>().ok());
        if next.is_some() && !is_inside(&root, next) {
            is_open.set(false);
        }
    };

    view! {
        <div class="relative" node_ref=root on:keydown=on_keydown on:focusout=on_focusout>
            <button
                type="button"
                node_ref=toggle
                aria-haspopup="menu"
                aria-expanded=move || is_open.get().to_string()
                class=format!("inline-flex items-center gap-1 {}", classes(tone, size))
                on:click=move |_| is_open.update(|open| *open = !*open)
            >
                {label}
                <span aria-hidden="true" class="text-xs">"▾"</span>
            </button>
            <Show when=move || is_open.get()>
                <div
                    role="menu"
                    aria-label=label
                    class=format!("absolute right-0 z-20 mt-2 {width} rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900")
                    on:click=move |_| is_open.set(false)
                >
                    {children()}
                </div>
            </Show>
        </div>
    }
}

/// An entry that runs `on_select` (the menu closes by itself).
#[component]
pub fn MenuItem(
    #[prop(into)] on_select: Callback<()>,
    #[prop(optional)] is_danger: bool,
    children: Children,
) -> impl IntoView {
    let tone = if is_danger { "text-red-700 dark:text-red-300" } else { "" };
    view! {
        <button type="button" role="menuitem" class=format!("{MENU_ITEM_CLASS} {tone}") on:click=move |_| on_select.run(())>
            {children()}
        </button>
    }
}

fn is_inside(root: &NodeRef<html::Div>, node: Option<Node>) -> bool {
    match (root.get_untracked(), node) {
        (Some(root), Some(node)) => root.contains(Some(&node)),
        _ => false,
    }
}

/// Focuses the item `choose(current, count)` picks, `current` being the
/// focused item's position (0 when none is).
fn focus_item(root: &NodeRef<html::Div>, choose: impl Fn(usize, usize) -> usize) {
    let Some(root) = root.get_untracked() else { return };
    let Ok(items) = root.query_selector_all("[role=menuitem]") else { return };
    let items = (0..items.length())
        .filter_map(|index| items.item(index)?.dyn_into::<HtmlElement>().ok())
        .collect::<Vec<_>>();
    if items.is_empty() {
        return;
    }
    let active = leptos::prelude::document().active_element();
    let current = items
        .iter()
        .position(|item| {
            active.as_ref().is_some_and(|active| active == item.unchecked_ref::<leptos::web_sys::Element>())
        })
        .unwrap_or(0);
    let _ = items[choose(current, items.len())].focus();
}
