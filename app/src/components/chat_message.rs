//! One message of a chat. The assistant's Markdown is rendered safely; a
//! spec inside a reply is shown as a card (the preview panel shows it whole).

use leptos::prelude::*;

use crate::components::markdown_body::{markdown_html, MarkdownBody};
use crate::format::group_thousands;
use crate::model::chats::{ChatMessage, MessageRole, RenderedReply, ReplyStatus};
use crate::model::spec_block::split_reply;

/// A message as the page shows it: with its Markdown as the server
/// rendered it, unless its text changed since (a reply being written).
#[derive(Debug, Clone, PartialEq)]
pub struct ShownMessage {
    pub message: ChatMessage,
    pub rendered: Option<RenderedReply>,
}

#[component]
pub fn MessageView(shown: ShownMessage) -> impl IntoView {
    let ShownMessage { message, rendered } = shown;
    match message.role {
        MessageRole::User => view! {
            <article class="ml-auto max-w-[85%] rounded-2xl rounded-br-sm bg-indigo-600 px-4 py-3 text-sm text-white" data-role="user">
                <p class="whitespace-pre-wrap break-words">{message.content}</p>
            </article>
        }
        .into_any(),
        MessageRole::Assistant => view! { <AssistantMessage message rendered /> }.into_any(),
    }
}

#[component]
fn AssistantMessage(message: ChatMessage, rendered: Option<RenderedReply>) -> impl IntoView {
    let is_streaming = message.status == ReplyStatus::Streaming;
    let parts = split_reply(&message.content);
    let (before, after) = match rendered {
        Some(rendered) => (Some(rendered.before), Some(rendered.after)),
        None => (None, None),
    };
    let before = markdown_html(parts.before, before);
    let after = markdown_html(parts.after, after);
    let spec_card = parts.spec.map(|spec| {
        let lines = spec.content.lines().count();
        let title = spec.content.lines().find_map(|line| line.strip_prefix("# ")).unwrap_or("App specification").to_owned();
        view! {
            <div class="flex items-center gap-3 rounded-xl border border-indigo-200 bg-indigo-50 px-4 py-3 dark:border-indigo-900 dark:bg-indigo-950/40" data-testid="reply-spec-card">
                <span aria-hidden="true" class="text-lg">"📄"</span>
                <div class="min-w-0">
                    <p class="truncate font-medium">{title}</p>
                    <p class="text-xs text-slate-600 dark:text-slate-400">
                        {if spec.is_complete {
                            format!("Specification · {} lines · shown in the preview", group_thousands(lines))
                        } else {
                            format!("Writing the specification… {} lines so far", group_thousands(lines))
                        }}
                    </p>
                </div>
            </div>
        }
    });
    let is_thinking = is_streaming && message.content.is_empty();
    let footer = status_note(&message);
    let usage = match (&message.model, message.input_tokens, message.output_tokens) {
        (Some(model), Some(input), Some(output)) if !is_streaming => Some(format!(
            "{model} · {} tokens in, {} out",
            group_thousands(input as usize),
            group_thousands(output as usize)
        )),
        _ => None,
    };
    view! {
        <article
            class="max-w-[95%] rounded-2xl rounded-bl-sm border border-slate-200 bg-white px-4 py-3 dark:border-slate-800 dark:bg-slate-900"
            data-role="assistant"
            data-status=message.status.as_str()
            aria-busy=is_streaming.to_string()
        >
            <Show when=move || is_thinking>
                <p class="animate-pulse text-sm text-slate-500">"Thinking…"</p>
            </Show>
            <MarkdownBody html=before frame="prose-chat" />
            {spec_card}
            <MarkdownBody html=after frame="prose-chat" />
            <Show when=move || is_streaming && !is_thinking>
                <span class="inline-block h-4 w-2 animate-pulse bg-indigo-500 align-middle" aria-hidden="true"></span>
            </Show>
            {footer.map(|(tone, text)| view! { <p class=tone role="status">{text}</p> })}
            {usage.map(|usage| view! { <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">{usage}</p> })}
        </article>
    }
}

/// What to say under a reply that did not complete.
fn status_note(message: &ChatMessage) -> Option<(&'static str, String)> {
    const QUIET: &str = "mt-2 text-xs text-slate-500 dark:text-slate-400";
    const ALERT: &str =
        "mt-2 rounded-lg bg-red-50 px-3 py-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-200";
    match message.status {
        ReplyStatus::Complete | ReplyStatus::Streaming => None,
        ReplyStatus::Stopped => Some((QUIET, "Stopped. The answer so far is kept; Retry asks again.".into())),
        ReplyStatus::Interrupted => Some((
            QUIET,
            message.error.clone().unwrap_or_else(|| "This reply was interrupted.".into())
                + " Retry to ask again.",
        )),
        ReplyStatus::Failed => Some((
            ALERT,
            format!(
                "{} Retry to ask again.",
                message.error.clone().unwrap_or_else(|| "The reply failed.".into())
            ),
        )),
    }
}
