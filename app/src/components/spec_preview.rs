//! The spec preview beside a chat: the spec of the latest reply that has
//! one (growing while it is written), its size against the 1 MiB limit, and
//! Save as spec.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use crate::api::chats::SaveChatSpec;
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::card::{card_class, CardPadding};
use crate::components::chat_message::ShownMessage;
use crate::components::field::{control_class, ControlStyle, Field};
use crate::components::form::FormError;
use crate::components::markdown_body::{markdown_html, MarkdownBody};
use crate::format::{byte_size, group_thousands};
use crate::model::chats::{MessageRole, ReplyStatus, SavedSpecRef};
use crate::model::spec_block::split_reply;
use crate::model::specs::MAX_SPEC_BYTES;

/// The spec on show: which reply holds it, its text, whether it is
/// finished, and its HTML if the server rendered it.
#[derive(Clone, PartialEq)]
struct ShownSpec {
    message_id: Uuid,
    content: String,
    is_complete: bool,
    rendered: Option<String>,
}

fn latest_spec(messages: &[ShownMessage]) -> Option<ShownSpec> {
    messages.iter().rev().filter(|shown| shown.message.role == MessageRole::Assistant).find_map(|shown| {
        let message = &shown.message;
        let spec = split_reply(&message.content).spec?;
        // A reply cut short keeps its partial spec visible, but not saveable.
        let is_complete = spec.is_complete && message.status != ReplyStatus::Streaming;
        let rendered = shown.rendered.as_ref().and_then(|rendered| rendered.spec.clone());
        Some(ShownSpec { message_id: message.id, content: spec.content.to_owned(), is_complete, rendered })
    })
}

/// The name a chat's spec is saved under: the spec's title until the
/// person edits it. The conversation holds it, not the preview: the chat is
/// read again when a reply ends, on Stop and after a reconnect, and the
/// preview drawn anew must keep what was typed.
#[derive(Clone, Copy)]
pub struct SpecName {
    text: RwSignal<String>,
    is_edited: RwSignal<bool>,
}

impl Default for SpecName {
    fn default() -> Self {
        Self { text: RwSignal::new(String::new()), is_edited: RwSignal::new(false) }
    }
}

impl SpecName {
    fn follow_title(self, spec: &str) {
        if !self.is_edited.get_untracked() {
            self.text.set(title_of(spec));
        }
    }

    fn edit(self, text: String) {
        self.is_edited.set(true);
        self.text.set(text);
    }
}

fn title_of(spec: &str) -> String {
    spec.lines()
        .find_map(|line| line.strip_prefix("# "))
        .map(|title| title.trim().chars().take(200).collect())
        .unwrap_or_else(|| "App specification".into())
}

#[component]
pub fn SpecPreview(
    chat_id: Uuid,
    messages: Signal<Vec<ShownMessage>>,
    saved_specs: Vec<SavedSpecRef>,
    name: SpecName,
) -> impl IntoView {
    let shown = Memo::new(move |_| messages.with(|messages| latest_spec(messages)));
    let save = ServerAction::<SaveChatSpec>::new();
    Effect::new(move |_| {
        if let Some(spec) = shown.get() {
            name.follow_title(&spec.content);
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(spec)) = save.value().get() {
            navigate(&format!("/specs/{}", spec.id), Default::default());
        }
    });
    let save_error = Signal::derive(move || save.value().get().and_then(Result::err));
    let is_saveable = Signal::derive(move || {
        shown.with(|spec| {
            spec.as_ref().is_some_and(|spec| spec.is_complete && spec.content.len() <= MAX_SPEC_BYTES)
        })
    });

    view! {
        <aside class="space-y-4 xl:sticky xl:top-6 xl:self-start" aria-label="Spec preview">
            <div class=card_class(CardPadding::Compact)>
                <h2 class="font-semibold">"Spec preview"</h2>
                <Show
                    when=move || shown.with(Option::is_some)
                    fallback=|| view! {
                        <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                            "When the assistant writes the specification, it appears here, ready to save."
                        </p>
                    }
                >
                    <div class="mt-2 space-y-3">
                        // Drawn again as the spec grows; the name field and
                        // Save below are not, so a name being edited keeps
                        // its caret and selection.
                        {move || shown.get().map(|spec| view! { <SpecText spec /> })}
                        <Field id="spec-name" label="Spec name">
                            <input
                                id="spec-name"
                                type="text"
                                maxlength="200"
                                prop:value=move || name.text.get()
                                on:input=move |event| name.edit(event_target_value(&event))
                                class=control_class(ControlStyle::Prose)
                            />
                        </Field>
                        <Button
                            tone=ButtonTone::Primary
                            size=ButtonSize::Large
                            class="w-full"
                            disabled=Signal::derive(move || !is_saveable.get() || save.pending().get())
                            on_click=move |_| {
                                if let Some(spec) = shown.get_untracked() {
                                    let name = name.text.get_untracked();
                                    save.dispatch(SaveChatSpec { chat_id, message_id: spec.message_id, name });
                                }
                            }
                        >
                            {move || if save.pending().get() { "Saving…" } else { "Save as spec" }}
                        </Button>
                        <FormError error=save_error />
                    </div>
                </Show>
            </div>
            {(!saved_specs.is_empty()).then(|| view! {
                <div class=format!("text-sm {}", card_class(CardPadding::Compact))>
                    <h2 class="font-semibold">"Saved from this chat"</h2>
                    <ul class="mt-2 space-y-1">
                        {saved_specs
                            .into_iter()
                            .map(|spec| {
                                view! {
                                    <li>
                                        <A href=format!("/specs/{}", spec.id) attr:class="text-indigo-600 hover:underline dark:text-indigo-400">
                                            {spec.name}
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </div>
            })}
        </aside>
    }
}

/// The spec's size against the limit, and its text.
#[component]
fn SpecText(spec: ShownSpec) -> impl IntoView {
    let bytes = spec.content.len();
    let chars = spec.content.chars().count();
    let lines = spec.content.lines().count();
    let is_over = bytes > MAX_SPEC_BYTES;
    let percent = (bytes * 100 / MAX_SPEC_BYTES).min(100);
    let html = markdown_html(&spec.content, spec.rendered);
    let is_complete = spec.is_complete;
    view! {
        <p class="text-xs text-slate-600 dark:text-slate-400" data-testid="spec-counts">
            {format!(
                "{} characters · {} lines · {} of 1 MiB{}",
                group_thousands(chars),
                group_thousands(lines),
                byte_size(bytes as i64),
                if is_complete { "" } else { " · still being written" },
            )}
        </p>
        <div class="h-1.5 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800" aria-hidden="true">
            <div
                class="h-full rounded-full data-[over=true]:bg-red-600"
                class:bg-indigo-500=!is_over
                data-over=is_over.to_string()
                style:width=format!("{percent}%")
            ></div>
        </div>
        // Focusable, so a keyboard can scroll a long spec.
        <MarkdownBody
            html
            testid="spec-preview"
            frame="max-h-[28rem] overflow-y-auto rounded-lg border border-slate-200 p-3 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:border-slate-800"
            attr:tabindex="0"
            attr:role="region"
            attr:aria-label="Specification text"
        />
    }
}
