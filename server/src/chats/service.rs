//! The chats service: the one implementation behind the chat server
//! functions and `/api/chats`, and the one place their rules are checked
//! (messages, titles, what a reply may be saved as).

use std::sync::Arc;
use std::time::Duration;

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::model::chats::{
    chat_not_found, title_from_message, validate_chat_title, validate_message, ChatDetail, ChatMessage,
    ChatSummary, MessageRole, ReplyEvent, ReplyStatus, MODEL_REQUESTS_PER_HOUR,
};
use app::model::spec_block::split_reply;
use app::model::specs::{validate_spec_content, validate_spec_name, NewSpec, SpecDetail};
use app::ports::{Chats, Specs};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::stream::{self, BoxStream, StreamExt};
use uuid::Uuid;

use crate::chats::context::{conversation, CONTEXT_BUDGET_BYTES};
use crate::chats::replies::{Following, ReplyHub, ReplyWriter};
use crate::chats::{repo, written_elsewhere};
use crate::db::{Connect, DbPool, ServiceError, StoreError};
use crate::llm::continuation::stream_with_continuation;
use crate::llm::{collect_reply, prompts, CompletionRequest, LlmProvider, Message, ProviderError};
use crate::quotas::{Kept, Quotas};

/// The model that answers, and how long its replies may get.
#[derive(Clone)]
pub struct AssistantSettings {
    pub provider: Arc<dyn LlmProvider>,
    pub max_tokens: u32,
    pub max_continuations: u32,
}

pub struct ChatService {
    pool: DbPool,
    assistant: AssistantSettings,
    specs: Arc<dyn Specs>,
    hub: Arc<ReplyHub>,
    /// How many chats an account may keep.
    quotas: Quotas,
}

/// How long Stop waits for the reply to be saved as stopped.
const STOP_PATIENCE: Duration = Duration::from_secs(10);

/// What asking the model for a reply does to the conversation first.
enum Ask {
    /// A new message from the user, then the reply.
    Message(String),
    /// The last answer is replaced by a new one.
    Retry,
}

impl ChatService {
    pub fn new(pool: DbPool, assistant: AssistantSettings, specs: Arc<dyn Specs>, quotas: Quotas) -> Self {
        Self { pool, assistant, specs, hub: Arc::new(ReplyHub::default()), quotas }
    }

    /// The reply being written in the owner's chat, to follow as it grows:
    /// from this server's memory when this server writes it, else from the
    /// database (another server writes it, or none).
    pub async fn follow(
        &self,
        owner: &UserProfile,
        chat_id: Uuid,
    ) -> Result<BoxStream<'static, ReplyEvent>, AppError> {
        let mut connection = self.pool.connection().await?;
        repo::find(&mut connection, owner.id, chat_id).await?.ok_or_else(chat_not_found)?;
        let following = self.hub.follow(chat_id);
        if let Following::Live { .. } = following {
            return Ok(following.into_events());
        }
        repo::end_abandoned_reply(&mut connection, chat_id).await?;
        Ok(match repo::reply_being_written(&mut connection, chat_id).await? {
            Some((message_id, content)) => {
                let rest = written_elsewhere::follow(self.pool.clone(), chat_id, message_id, &content)
                    .take_until(self.hub.shutdown_signal().cancelled_owned());
                stream::iter([ReplyEvent::Snapshot { message_id, content }]).chain(rest).boxed()
            }
            None => following.into_events(),
        })
    }

    /// Marks replies a stopped server left unfinished (their lease lapsed);
    /// run at start-up and by the housekeeping.
    pub async fn recover_interrupted_replies(&self) -> Result<usize, StoreError> {
        let mut connection = self.pool.connection().await?;
        repo::mark_streaming_replies_interrupted(&mut connection, &self.hub.live_chats()).await
    }

    /// Stops every reply being written at once (each is saved as
    /// interrupted), so open reply streams end and do not hold up shutdown.
    pub fn begin_shutdown(&self) {
        self.hub.begin_shutdown();
    }

    /// Stops every reply being written, saving each as interrupted, and
    /// waits until they are saved.
    pub async fn shut_down(&self) {
        self.hub.shut_down().await;
    }

    fn assistant_label(&self) -> String {
        let info = self.assistant.provider.describe();
        format!("{} · {}", info.kind.label(), info.model)
    }

    async fn claim_model_request(&self, owner: &UserProfile, purpose: &'static str) -> Result<(), AppError> {
        let mut connection = self.pool.connection().await?;
        claim_model_request(&mut connection, owner.id, purpose).await
    }

    /// Adds what `ask` says to the chat and starts the reply.
    async fn ask(&self, owner: &UserProfile, chat_id: Uuid, ask: Ask) -> Result<(), AppError> {
        // This server's own reply: ending it as abandoned below would be wrong
        // however late its last save was.
        if self.hub.text_so_far(chat_id).is_some() {
            return Err(still_answering());
        }
        let mut connection = self.pool.connection().await?;
        let owner_id = owner.id;
        let (reply_id, messages) = connection
            .transaction(async |connection| {
                if !repo::lock(connection, owner_id, chat_id).await? {
                    return Err(chat_not_found().into());
                }
                // A reply whose server died blocks the chat no longer than its lease.
                repo::end_abandoned_reply(connection, chat_id).await?;
                let mut messages = repo::messages(connection, chat_id).await?;
                if messages.last().is_some_and(|message| message.status == ReplyStatus::Streaming) {
                    return Err(still_answering().into());
                }
                let now = Utc::now();
                match &ask {
                    Ask::Message(text) => {
                        repo::insert_message(
                            connection,
                            chat_id,
                            MessageRole::User,
                            text,
                            ReplyStatus::Complete,
                            now,
                        )
                        .await?;
                        messages.push(user_message(text));
                    }
                    Ask::Retry => match messages.last() {
                        Some(last) if last.role == MessageRole::Assistant => {
                            repo::delete_message(connection, last.id).await?;
                            messages.pop();
                        }
                        Some(_) => {}
                        None => {
                            return Err(AppError::Invalid("There is no answer to retry yet.".into()).into())
                        }
                    },
                }
                // Counted last, in this transaction: a send refused for
                // anything else (a reply being written) costs no request.
                claim_model_request(connection, owner_id, "chat").await?;
                let reply_at = now + chrono::Duration::microseconds(1);
                let reply_id = repo::insert_message(
                    connection,
                    chat_id,
                    MessageRole::Assistant,
                    "",
                    ReplyStatus::Streaming,
                    reply_at,
                )
                .await?;
                repo::keep_writing_reply(connection, reply_id, None).await?;
                Ok::<_, ServiceError>((reply_id, messages))
            })
            .await?;
        drop(connection);

        let request = CompletionRequest {
            system: prompts::spec_chat(),
            messages: conversation(&messages, CONTEXT_BUDGET_BYTES),
            tools: Vec::new(),
            max_tokens: self.assistant.max_tokens,
        };
        let writer = ReplyWriter {
            pool: self.pool.clone(),
            provider: self.assistant.provider.clone(),
            max_continuations: self.assistant.max_continuations,
        };
        self.hub.start(writer, chat_id, reply_id, request);
        Ok(())
    }
}

/// Counts a request to the model against the owner's hourly allowance, or
/// says how long until one is free.
async fn claim_model_request(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    purpose: &'static str,
) -> Result<(), AppError> {
    let since = Utc::now() - repo::MODEL_REQUEST_WINDOW;
    match repo::claim_model_request(connection, owner_id, purpose, since, MODEL_REQUESTS_PER_HOUR).await? {
        Ok(()) => Ok(()),
        Err(oldest) => Err(over_the_limit(oldest + repo::MODEL_REQUEST_WINDOW - Utc::now())),
    }
}

fn still_answering() -> AppError {
    AppError::Conflict("The assistant is still answering. Wait for it to finish, or press Stop.".into())
}

fn user_message(text: &str) -> ChatMessage {
    ChatMessage {
        id: Uuid::nil(),
        role: MessageRole::User,
        content: text.to_owned(),
        status: ReplyStatus::Complete,
        error: None,
        model: None,
        input_tokens: None,
        output_tokens: None,
        created_at: Utc::now(),
    }
}

fn over_the_limit(wait: chrono::Duration) -> AppError {
    let seconds = wait.num_seconds().max(1) as u64;
    let minutes = seconds.div_ceil(60);
    AppError::TooManyRequests {
        message: format!(
            "You have made {MODEL_REQUESTS_PER_HOUR} requests to the assistant in the last hour, the most \
             allowed. Try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        ),
        retry_after_secs: seconds,
    }
}

fn provider_failure(error: ProviderError) -> AppError {
    tracing::warn!(%error, "the model provider failed");
    AppError::Unavailable(format!("The assistant could not answer: {error}"))
}

#[async_trait::async_trait]
impl Chats for ChatService {
    async fn list(&self, owner: &UserProfile) -> Result<Vec<ChatSummary>, AppError> {
        let mut connection = self.pool.connection().await?;
        Ok(repo::list(&mut connection, owner.id).await?)
    }

    async fn get(&self, owner: &UserProfile, id: Uuid) -> Result<ChatDetail, AppError> {
        let mut connection = self.pool.connection().await?;
        let (title, created_at, updated_at) =
            repo::find(&mut connection, owner.id, id).await?.ok_or_else(chat_not_found)?;
        let mut messages = repo::messages(&mut connection, id).await?;
        let saved_specs = repo::saved_specs(&mut connection, owner.id, id).await?;
        // The database is up to a second behind a reply being written.
        if let Some((message_id, text)) = self.hub.text_so_far(id) {
            if let Some(message) = messages.iter_mut().find(|message| message.id == message_id) {
                message.content = text;
            }
        }
        Ok(ChatDetail {
            id,
            title,
            messages,
            saved_specs,
            assistant: self.assistant_label(),
            created_at,
            updated_at,
        })
    }

    async fn start(&self, owner: &UserProfile, message: String) -> Result<ChatDetail, AppError> {
        let message = validate_message(&message)?;
        let mut connection = self.pool.connection().await?;
        let quotas = self.quotas;
        let title = title_from_message(&message);
        let chat_id = connection
            .transaction(async |connection| {
                quotas.make_room(connection, owner.id, Kept::Chats).await?;
                let id = repo::insert_chat(connection, owner.id, &title).await?;
                Ok::<_, ServiceError>(id)
            })
            .await?;
        drop(connection);
        if let Err(error) = self.ask(owner, chat_id, Ask::Message(message)).await {
            // Nothing was asked: the empty chat would only clutter the list.
            let _ = self.delete(owner, chat_id).await;
            return Err(error);
        }
        self.get(owner, chat_id).await
    }

    async fn send(&self, owner: &UserProfile, id: Uuid, message: String) -> Result<ChatDetail, AppError> {
        let message = validate_message(&message)?;
        self.ask(owner, id, Ask::Message(message)).await?;
        self.get(owner, id).await
    }

    async fn stop(&self, owner: &UserProfile, id: Uuid) -> Result<ChatDetail, AppError> {
        let chat = self.get(owner, id).await?;
        let Some(mut ended) = self.hub.stop(id) else {
            // Not written here: another server may be writing it, or none
            // any more (a reply stuck as streaming is then ended).
            if let Some(reply) =
                chat.messages.last().filter(|message| message.status == ReplyStatus::Streaming)
            {
                written_elsewhere::stop(&self.pool, id, reply.id, STOP_PATIENCE).await?;
            }
            return self.get(owner, id).await;
        };
        {
            // Answer once the partial reply is saved, so the page shows it as stopped.
            let wait_for_done = async {
                while let Ok(event) = ended.recv().await {
                    if matches!(event, ReplyEvent::Done { .. }) {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(STOP_PATIENCE, wait_for_done).await;
        }
        self.get(owner, id).await
    }

    async fn retry(&self, owner: &UserProfile, id: Uuid) -> Result<ChatDetail, AppError> {
        self.ask(owner, id, Ask::Retry).await?;
        self.get(owner, id).await
    }

    async fn rename(&self, owner: &UserProfile, id: Uuid, title: String) -> Result<ChatDetail, AppError> {
        let title = validate_chat_title(&title)?;
        let mut connection = self.pool.connection().await?;
        if !repo::rename(&mut connection, owner.id, id, &title).await? {
            return Err(chat_not_found());
        }
        drop(connection);
        self.get(owner, id).await
    }

    async fn delete(&self, owner: &UserProfile, id: Uuid) -> Result<(), AppError> {
        let mut connection = self.pool.connection().await?;
        if !repo::delete(&mut connection, owner.id, id).await? {
            return Err(chat_not_found());
        }
        // A reply being written has nowhere left to go.
        self.hub.stop(id);
        Ok(())
    }

    async fn save_spec(
        &self,
        owner: &UserProfile,
        id: Uuid,
        message_id: Uuid,
        name: String,
    ) -> Result<SpecDetail, AppError> {
        // The name first: a person fixes what they typed before anything else.
        validate_spec_name(&name)?;
        let chat = self.get(owner, id).await?;
        let reply = chat
            .messages
            .iter()
            .find(|message| message.id == message_id && message.role == MessageRole::Assistant)
            .ok_or_else(|| AppError::NotFound("There is no such reply in this chat.".into()))?;
        let spec = split_reply(&reply.content)
            .spec
            .filter(|spec| spec.is_complete)
            .ok_or_else(|| AppError::Invalid("That reply holds no finished spec yet.".into()))?;
        let spec = NewSpec::parse(&name, spec.content, None, Some(id))?;
        self.specs.create(owner, spec).await
    }

    async fn refine_spec(&self, owner: &UserProfile, content: String) -> Result<String, AppError> {
        let content = validate_spec_content(&content)?;
        if content.trim().is_empty() {
            return Err(AppError::Invalid("There is no spec to refine yet.".into()));
        }
        self.claim_model_request(owner, "refine").await?;
        let request = CompletionRequest {
            system: prompts::spec_refinement(),
            messages: vec![Message::user(content)],
            tools: Vec::new(),
            max_tokens: self.assistant.max_tokens,
        };
        let events = stream_with_continuation(
            self.assistant.provider.clone(),
            request,
            self.assistant.max_continuations,
        );
        let reply = collect_reply(events).await.map_err(provider_failure)?;
        let refined = match split_reply(&reply.text).spec {
            Some(spec) => spec.content.to_owned(),
            None => reply.text.trim().to_owned(),
        };
        if refined.is_empty() {
            return Err(AppError::Unavailable(
                "The assistant answered with an empty spec. Try again.".into(),
            ));
        }
        Ok(refined)
    }
}
