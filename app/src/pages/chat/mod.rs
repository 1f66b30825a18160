//! `/chat` and `/chat/:id`: talking with the spec assistant. Replies stream
//! in as they are written; Stop keeps what was said, Retry asks again; a
//! spec in a reply shows in the preview beside the chat, ready to be saved.
//! `following` follows a reply while it is written.

mod following;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use self::following::follow_while_replying;
use crate::actions::{count_successes, LastActionError};
use crate::api::chats::{
    get_chat, list_chats, DeleteChat, RetryChatReply, SendChatMessage, StartChat, StopChatReply,
};
use crate::components::button::{classes, Button, ButtonSize, ButtonTone};
use crate::components::chat_composer::MessageField;
use crate::components::chat_message::{MessageView, ShownMessage};
use crate::components::form::{FormError, FormFields, ServerForm};
use crate::components::load_error::{title_for_error, LoadError, SubjectTitle};
use crate::components::spec_preview::{SpecPreview, SpecSaving};
use crate::error::AppError;
use crate::loaded::{load, load_subject, Loaded};
use crate::model::chats::{chat_not_found, ChatPage, ChatSummary, MessageRole, ReplyStatus};

#[component]
pub fn ChatPage() -> impl IntoView {
    let params = use_params_map();
    // `None`: a new chat; `Some(None)`: an id that is not one.
    let route = Memo::new(move |_| params.read().get("id").map(|id| Uuid::parse_str(&id).ok()));
    let current = Signal::derive(move || route.get().flatten());
    // Bumped whenever a chat changes, so the list follows.
    let changed = RwSignal::new(0u32);
    let chats = load(move || changed.get(), |_| list_chats());

    view! {
        <div class="grid grid-cols-1 gap-6 lg:grid-cols-[15rem_minmax(0,1fr)]">
            <ChatList chats current />
            {move || match route.get() {
                None => view! { <NewChat /> }.into_any(),
                Some(Some(id)) => view! { <Conversation id changed /> }.into_any(),
                Some(None) => view! { <NotAChat /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn ChatList(
    chats: Loaded<Result<Vec<ChatSummary>, AppError>>,
    current: Signal<Option<Uuid>>,
) -> impl IntoView {
    view! {
        <nav aria-label="Chats" class="space-y-3">
            <A
                href="/chat"
                attr:class=format!("block text-center {}", classes(ButtonTone::Primary, ButtonSize::Large))
            >
                "New chat"
            </A>
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading chats…"</p> }>
                {move || Suspend::new(async move {
                    match chats.await {
                        Ok(list) if list.is_empty() => {
                            view! {
                                <p class="text-sm text-slate-500 dark:text-slate-400">
                                    "Your chats are listed here, and every reply is kept."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul class="space-y-1" data-testid="chat-list">
                                    {list
                                        .into_iter()
                                        .map(|chat| {
                                            let id = chat.id;
                                            view! {
                                                <li>
                                                    <A
                                                        href=format!("/chat/{id}")
                                                        attr:class="flex items-center gap-2 rounded-lg px-3 py-2 text-sm hover:bg-slate-100 aria-[current=page]:bg-slate-200 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-slate-800"
                                                    >
                                                        <span class="min-w-0 flex-1 truncate">{chat.title}</span>
                                                        <Show when=move || chat.is_replying>
                                                            <span class="size-2 animate-pulse rounded-full bg-indigo-500" title="Replying"></span>
                                                        </Show>
                                                    </A>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <FormError error=Signal::derive(move || Some(error.clone())) /> }.into_any(),
                    }
                })}
            </Transition>
            <p class="sr-only">{move || current.get().map(|_| "A chat is open.")}</p>
        </nav>
    }
}

/// `/chat/<something that is not an id>`: no chat can be there.
#[component]
fn NotAChat() -> impl IntoView {
    let error = chat_not_found();
    #[cfg(feature = "ssr")]
    crate::request::set_response_status(&error);
    view! {
        <Title text=title_for_error("Chat", &error) />
        <LoadError error />
    }
}

/// The first message of a new chat: an idea, in the person's own words.
#[component]
fn NewChat() -> impl IntoView {
    let start = ServerAction::<StartChat>::new();
    let started = count_successes(start);
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    view! {
        <Title text="New chat" />
        <section class="space-y-6">
            <header>
                <h1 class="text-2xl font-semibold tracking-tight">"New chat"</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Describe the app you have in mind. The assistant asks a few questions, then writes a complete specification you can save and build."
                </p>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                    "Prefer answering step by step? "
                    <A href="/wizard" attr:class="font-medium text-indigo-600 hover:underline dark:text-indigo-400">"Use the spec wizard"</A>
                    "."
                </p>
            </header>
            <ServerForm action=start arguments=|fields: &FormFields| StartChat { message: fields.text("message") } attr:class="space-y-3" attr:aria-label="Start a chat">
                <MessageField
                    draft_key="new".to_owned()
                    label="Your idea"
                    placeholder="A recipe box where families plan the week's meals together…"
                    is_busy=start.pending().into()
                    cleared=started
                />
                <FormError error />
            </ServerForm>
        </section>
    }
}

#[component]
fn Conversation(id: Uuid, changed: RwSignal<u32>) -> impl IntoView {
    let send = ServerAction::<SendChatMessage>::new();
    let stop = ServerAction::<StopChatReply>::new();
    let retry = ServerAction::<RetryChatReply>::new();
    let delete = ServerAction::<DeleteChat>::new();
    let (sent, stopped, retried) = (count_successes(send), count_successes(stop), count_successes(retry));
    let reply_ended = RwSignal::new(0u32);
    let chat = load_subject(
        move || (sent.get(), stopped.get(), retried.get(), reply_ended.get()),
        move |_| get_chat(id),
    );

    // The text of the reply being written, as it streams in.
    let live = RwSignal::new(None::<(Uuid, String)>);
    // Here, not in the view drawn from `chat`: a name typed while a reply
    // streams, and a save under way, outlive the reads of the chat.
    let spec_saving = SpecSaving::new(id);
    follow_while_replying(id, chat, live, reply_ended, changed);
    // A new message or a retry shows in the list at once.
    Effect::new(move |previous: Option<(u32, u32)>| {
        let now = (sent.get(), retried.get());
        if previous.is_some_and(|previous| previous != now) {
            changed.update(|count| *count += 1);
        }
        now
    });
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            changed.update(|count| *count += 1);
            navigate("/chat", Default::default());
        }
    });

    // Said to screen readers once each, where the reply itself (redrawn as
    // it streams) would be read out again and again.
    let reply_status =
        Memo::new(move |previous: Option<&&str>| match (live.with(Option::is_some), previous) {
            (true, _) => ANSWERING,
            (false, Some(&ANSWERING | &ANSWERED)) => ANSWERED,
            (false, _) => "",
        });

    view! {
        <SubjectTitle what="Chat" subject=chat title_of=|page: &ChatPage| page.chat.title.clone() />
        <p class="sr-only" role="status" data-testid="reply-status">{move || reply_status.get()}</p>
        <Transition fallback=|| view! { <ConversationSkeleton /> }>
            {move || Suspend::new(async move {
                match chat.await {
                    Ok(page) => view! { <ConversationView page live spec_saving send stop retry delete /> }.into_any(),
                    Err(error) => {
                        view! { <LoadError error retry=Callback::new(move |()| chat.refetch()) /> }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

const ANSWERING: &str = "The assistant is answering…";
const ANSWERED: &str = "The answer is written.";

#[component]
fn ConversationView(
    page: ChatPage,
    live: RwSignal<Option<(Uuid, String)>>,
    spec_saving: SpecSaving,
    send: ServerAction<SendChatMessage>,
    stop: ServerAction<StopChatReply>,
    retry: ServerAction<RetryChatReply>,
    delete: ServerAction<DeleteChat>,
) -> impl IntoView {
    let ChatPage { chat: detail, rendered } = page;
    let id = detail.id;
    let is_replying = detail.is_replying();
    let can_retry = !is_replying && detail.messages.iter().any(|message| message.role == MessageRole::User);
    let streaming_id =
        detail.messages.last().filter(|message| message.status == ReplyStatus::Streaming).map(|m| m.id);
    // The streaming reply's text: live while it arrives (rendered here), as
    // saved otherwise (rendered by the server).
    let messages: Signal<Vec<ShownMessage>> = {
        let messages: Vec<ShownMessage> = detail
            .messages
            .iter()
            .map(|message| ShownMessage {
                message: message.clone(),
                rendered: rendered.iter().find(|reply| reply.message_id == message.id).cloned(),
            })
            .collect();
        Signal::derive(move || {
            let mut messages = messages.clone();
            if let (Some(streaming_id), Some((live_id, text))) = (streaming_id, live.get()) {
                if let Some(shown) = messages
                    .iter_mut()
                    .find(|shown| shown.message.id == streaming_id && live_id == streaming_id)
                {
                    shown.message.content = text;
                    shown.rendered = None;
                }
            }
            messages
        })
    };
    let action_error = LastActionError::new().follow(send).follow(stop).follow(retry).follow(delete).signal();
    let sent = count_successes(send);
    let title = detail.title.clone();

    view! {
        <div class="grid grid-cols-1 gap-6 xl:grid-cols-[minmax(0,1fr)_24rem]">
            <section class="flex min-w-0 flex-col gap-4" aria-label="Conversation">
                <header class="flex flex-wrap items-center justify-between gap-3">
                    <div class="min-w-0">
                        <h1 class="truncate text-xl font-semibold tracking-tight">{title}</h1>
                        <p class="text-xs text-slate-500 dark:text-slate-400">"Answered by " {detail.assistant.clone()}</p>
                    </div>
                    <div class="flex gap-2">
                        <Button on_click=move |_| {
                            if crate::browser::confirm("Delete this chat? Specs saved from it stay.") {
                                delete.dispatch(DeleteChat { chat_id: id });
                            }
                        }>"Delete chat"</Button>
                    </div>
                </header>
                <ol class="space-y-4" data-testid="messages">
                    <For
                        each=move || messages.get()
                        key=|shown| (shown.message.id, shown.message.content.len(), shown.message.status)
                        let:shown
                    >
                        <li>
                            <MessageView shown />
                        </li>
                    </For>
                </ol>
                <div class="flex flex-wrap items-center gap-2">
                    <Show when=move || is_replying>
                        <Button
                            tone=ButtonTone::Alarm
                            disabled=Signal::derive(move || stop.pending().get())
                            on_click=move |_| {
                                stop.dispatch(StopChatReply { chat_id: id });
                            }
                        >
                            "Stop"
                        </Button>
                    </Show>
                    <Show when=move || can_retry>
                        <Button
                            disabled=Signal::derive(move || retry.pending().get())
                            on_click=move |_| {
                                retry.dispatch(RetryChatReply { chat_id: id });
                            }
                        >
                            "Retry last answer"
                        </Button>
                    </Show>
                </div>
                <FormError error=action_error />
                <ServerForm action=send arguments=move |fields: &FormFields| SendChatMessage { chat_id: id, message: fields.text("message") } attr:class="space-y-3" attr:aria-label="Send a message">
                    <input type="hidden" name="chat_id" value=id.to_string() />
                    <MessageField
                        draft_key=id.to_string()
                        label="Your message"
                        placeholder="Answer the questions, or ask for changes…"
                        is_busy=Signal::derive(move || is_replying || send.pending().get())
                        cleared=sent
                    />
                </ServerForm>
            </section>
            <SpecPreview messages saved_specs=detail.saved_specs.clone() saving=spec_saving />
        </div>
    }
}

#[component]
fn ConversationSkeleton() -> impl IntoView {
    view! {
        <div class="space-y-4" aria-busy="true" aria-label="Loading the chat">
            <div class="h-6 w-1/3 animate-pulse rounded bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-24 animate-pulse rounded-xl bg-slate-200 dark:bg-slate-800"></div>
            <div class="h-32 animate-pulse rounded-xl bg-slate-200 dark:bg-slate-800"></div>
        </div>
    }
}
