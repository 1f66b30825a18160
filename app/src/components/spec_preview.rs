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

/// Saving a chat's spec: the name it is saved under (the spec's title
/// until the person edits it; their name then stays for this chat's later
/// specs too) and the save itself. The conversation holds it, not the
/// preview: the chat is read again when a reply ends, on Stop and after a
/// reconnect, and the preview drawn anew must keep what was typed, where
/// the person was typing it, and a save under way.
#[derive(Clone, Copy)]
pub struct SpecSaving {
    chat_id: Uuid,
    name: RwSignal<String>,
    is_name_edited: RwSignal<bool>,
    /// The name field's selection while the person is in it.
    caret: StoredValue<Option<(u32, u32)>>,
    action: ServerAction<SaveChatSpec>,
}

impl SpecSaving {
    /// Goes to the spec once it is saved.
    pub fn new(chat_id: Uuid) -> Self {
        let action = ServerAction::<SaveChatSpec>::new();
        let navigate = use_navigate();
        Effect::new(move |_| {
            if let Some(Ok(spec)) = action.value().get() {
                navigate(&format!("/specs/{}", spec.id), Default::default());
            }
        });
        Self {
            chat_id,
            name: RwSignal::new(String::new()),
            is_name_edited: RwSignal::new(false),
            caret: StoredValue::new(None),
            action,
        }
    }

    fn follow_title(self, title: String) {
        if !self.is_name_edited.get_untracked() {
            self.name.set(title);
        }
    }

    fn edit(self, name: String) {
        self.is_name_edited.set(true);
        self.name.set(name);
    }

    fn keep_caret(self, field: &web_sys::HtmlInputElement) {
        let start = field.selection_start().ok().flatten().unwrap_or_default();
        let end = field.selection_end().ok().flatten().unwrap_or(start);
        self.caret.set_value(Some((start, end)));
    }

    /// Puts the person back where they were in a field drawn anew, unless
    /// they have gone to another element meanwhile.
    fn restore_caret(self, field: &web_sys::HtmlInputElement) {
        let Some((start, end)) = self.caret.get_value() else { return };
        let is_focus_free = document().active_element().is_none_or(|active| active.tag_name() == "BODY");
        if is_focus_free {
            // The selection first: focusing keeps it.
            let _ = field.set_selection_range(start, end);
            let _ = field.focus();
        }
    }

    fn save(self, message_id: Uuid) {
        let name = self.name.get_untracked();
        self.action.dispatch(SaveChatSpec { chat_id: self.chat_id, message_id, name });
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
    messages: Signal<Vec<ShownMessage>>,
    saved_specs: Vec<SavedSpecRef>,
    saving: SpecSaving,
) -> impl IntoView {
    let shown = Memo::new(move |_| messages.with(|messages| latest_spec(messages)));
    // A memo, so the name is set as the title changes, not with each piece.
    let title = Memo::new(move |_| shown.with(|spec| spec.as_ref().map(|spec| title_of(&spec.content))));
    Effect::new(move |_| {
        if let Some(title) = title.get() {
            saving.follow_title(title);
        }
    });
    let save_error = Signal::derive(move || saving.action.value().get().and_then(Result::err));
    let is_saving = saving.action.pending();
    let field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            // Once the redraw is in the page, its value set.
            request_animation_frame(move || saving.restore_caret(&field));
        }
    });
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
                            // Where the person is in it is kept, for a field drawn anew.
                            <input
                                id="spec-name"
                                type="text"
                                maxlength="200"
                                node_ref=field
                                prop:value=move || saving.name.get()
                                on:input=move |event| {
                                    saving.edit(event_target_value(&event));
                                    saving.keep_caret(&event_target(&event));
                                }
                                on:keyup=move |event| saving.keep_caret(&event_target(&event))
                                on:mouseup=move |event| saving.keep_caret(&event_target(&event))
                                on:select=move |event| saving.keep_caret(&event_target(&event))
                                // Gone to another element: not taken back.
                                on:blur=move |event| {
                                    if event.related_target().is_some() {
                                        saving.caret.set_value(None);
                                    }
                                }
                                class=control_class(ControlStyle::Prose)
                            />
                        </Field>
                        <Button
                            tone=ButtonTone::Primary
                            size=ButtonSize::Large
                            class="w-full"
                            disabled=Signal::derive(move || !is_saveable.get() || is_saving.get())
                            on_click=move |_| {
                                // The spec may have grown since the button was drawn.
                                if let Some(spec) = shown.get_untracked().filter(|_| is_saveable.get_untracked()) {
                                    saving.save(spec.message_id);
                                }
                            }
                        >
                            {move || if is_saving.get() { "Saving…" } else { "Save as spec" }}
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
