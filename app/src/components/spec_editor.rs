//! The spec text editor: a large monospace text area with live counts of
//! characters, lines and bytes against the 1 MiB limit.

use leptos::prelude::*;

use crate::components::field::{control_class, ControlStyle, Field};
use crate::format::{byte_size, group_thousands};
use crate::model::specs::MAX_SPEC_BYTES;

/// A `<textarea name=name>`; `text` follows what is typed, so a page can tell
/// whether there are unsaved changes. The text area is never rewritten from
/// `text`: that would move the caret, and cost a full copy per keystroke.
#[component]
pub fn ContentEditor(
    name: &'static str,
    initial: String,
    #[prop(optional)] text: Option<RwSignal<String>>,
) -> impl IntoView {
    let text = text.unwrap_or_else(|| RwSignal::new(initial.clone()));
    let bytes = Memo::new(move |_| text.with(String::len));
    let is_over = move || bytes.get() > MAX_SPEC_BYTES;
    view! {
        <Field id=format!("field-{name}") label="Content">
            <textarea
                id=format!("field-{name}")
                name=name
                rows="18"
                spellcheck="false"
                aria-describedby=format!("field-{name}-size")
                on:input=move |event| text.set(event_target_value(&event))
                class=control_class(ControlStyle::Code)
            >
                {initial}
            </textarea>
            <div id=format!("field-{name}-size") data-testid="size-meter" class="mt-2 text-xs text-slate-500 dark:text-slate-400">
                <div class="h-1.5 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800" aria-hidden="true">
                    <div
                        class="h-full rounded-full bg-indigo-500 data-[over=true]:bg-red-600"
                        data-over=move || is_over().to_string()
                        style:width=move || format!("{}%", (bytes.get() * 100 / MAX_SPEC_BYTES).min(100))
                    ></div>
                </div>
                <p class="mt-1 data-[over=true]:font-medium data-[over=true]:text-red-700 dark:data-[over=true]:text-red-300" data-over=move || is_over().to_string()>
                    {move || {
                        let (chars, lines) = text.with(|text| (text.chars().count(), text.lines().count()));
                        format!(
                            "{} characters · {} lines · {} of 1 MiB{}",
                            group_thousands(chars),
                            group_thousands(lines),
                            byte_size(bytes.get() as i64),
                            if is_over() { " (over the limit)" } else { "" },
                        )
                    }}
                </p>
            </div>
        </Field>
    }
}
