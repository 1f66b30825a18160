//! Queries on chats, their messages and the model-request ledger. Functions
//! on a chat take the owner's id and filter by it; functions on a message
//! take a message id the service got from an owned chat.

use app::model::chats::{ChatMessage, ChatSummary, MessageRole, ReplyStatus, SavedSpecRef};
use chrono::{DateTime, Utc};
use diesel::dsl::{now, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{app_specs, chat_messages, chats, model_requests};
use crate::db::StoreResult;

const MESSAGE_COUNT: &str = "(SELECT count(*) FROM chat_messages m WHERE m.chat_id = chats.id)";
const IS_REPLYING: &str =
    "EXISTS (SELECT 1 FROM chat_messages m WHERE m.chat_id = chats.id AND m.status = 'streaming')";

pub async fn insert_chat(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    title: &str,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(chats::table)
        .values((chats::id.eq(id), chats::user_id.eq(owner_id), chats::title.eq(title)))
        .execute(connection)
        .await?;
    Ok(id)
}

pub async fn list(connection: &mut AsyncPgConnection, owner_id: Uuid) -> StoreResult<Vec<ChatSummary>> {
    let rows: Vec<(Uuid, String, i64, bool, DateTime<Utc>)> = chats::table
        .filter(chats::user_id.eq(owner_id))
        .order((chats::updated_at.desc(), chats::id.desc()))
        .select((
            chats::id,
            chats::title,
            sql::<BigInt>(MESSAGE_COUNT),
            sql::<Bool>(IS_REPLYING),
            chats::updated_at,
        ))
        .load(connection)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title, message_count, is_replying, updated_at)| ChatSummary {
            id,
            title,
            message_count,
            is_replying,
            updated_at,
        })
        .collect())
}

/// Title and times of the owner's chat.
pub async fn find(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<(String, DateTime<Utc>, DateTime<Utc>)>> {
    Ok(chats::table
        .filter(chats::id.eq(id))
        .filter(chats::user_id.eq(owner_id))
        .select((chats::title, chats::created_at, chats::updated_at))
        .first(connection)
        .await
        .optional()?)
}

/// Locks the owner's chat row until the transaction ends, so two sends to
/// one chat take turns. False when there is no such chat.
pub async fn lock(connection: &mut AsyncPgConnection, owner_id: Uuid, id: Uuid) -> StoreResult<bool> {
    let found: Option<Uuid> = chats::table
        .filter(chats::id.eq(id))
        .filter(chats::user_id.eq(owner_id))
        .select(chats::id)
        .for_update()
        .first(connection)
        .await
        .optional()?;
    Ok(found.is_some())
}

type MessageRow =
    (Uuid, String, String, String, Option<String>, Option<String>, Option<i32>, Option<i32>, DateTime<Utc>);

fn message(
    (id, role, content, status, error, model, input_tokens, output_tokens, created_at): MessageRow,
) -> ChatMessage {
    ChatMessage {
        id,
        role: if role == "user" { MessageRole::User } else { MessageRole::Assistant },
        content,
        // The column's CHECK allows only the known statuses.
        status: ReplyStatus::parse(&status).unwrap_or(ReplyStatus::Failed),
        error,
        model,
        input_tokens,
        output_tokens,
        created_at,
    }
}

/// The chat's messages, oldest first.
pub async fn messages(connection: &mut AsyncPgConnection, chat_id: Uuid) -> StoreResult<Vec<ChatMessage>> {
    let rows: Vec<MessageRow> = chat_messages::table
        .filter(chat_messages::chat_id.eq(chat_id))
        .order((chat_messages::created_at.asc(), chat_messages::id.asc()))
        .select((
            chat_messages::id,
            chat_messages::role,
            chat_messages::content,
            chat_messages::status,
            chat_messages::error,
            chat_messages::model,
            chat_messages::input_tokens,
            chat_messages::output_tokens,
            chat_messages::created_at,
        ))
        .load(connection)
        .await?;
    Ok(rows.into_iter().map(message).collect())
}

/// Adds a message. `created_at` comes from the caller so a question and its
/// reply, made in one transaction, keep their order.
pub async fn insert_message(
    connection: &mut AsyncPgConnection,
    chat_id: Uuid,
    role: MessageRole,
    content: &str,
    status: ReplyStatus,
    created_at: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    let role = match role {
        MessageRole::User => "user",
        MessageRole::Assistant => "assistant",
    };
    diesel::insert_into(chat_messages::table)
        .values((
            chat_messages::id.eq(id),
            chat_messages::chat_id.eq(chat_id),
            chat_messages::role.eq(role),
            chat_messages::content.eq(content),
            chat_messages::status.eq(status.as_str()),
            chat_messages::created_at.eq(created_at),
        ))
        .execute(connection)
        .await?;
    diesel::update(chats::table.filter(chats::id.eq(chat_id)))
        .set(chats::updated_at.eq(now))
        .execute(connection)
        .await?;
    Ok(id)
}

pub async fn delete_message(connection: &mut AsyncPgConnection, message_id: Uuid) -> StoreResult<()> {
    Ok(diesel::delete(chat_messages::table.filter(chat_messages::id.eq(message_id)))
        .execute(connection)
        .await
        .map(drop)?)
}

/// How long a reply's writer holds it without renewing (it renews every
/// second): past this, the server that was writing it is taken for gone.
pub const REPLY_LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(10);

/// What the writer of a reply learns when it renews its lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepWriting {
    Yes,
    /// Stop was asked, on this server or another.
    StopAsked,
    /// The reply is no longer being written (deleted, or ended by another
    /// server that took its writer for gone).
    Gone,
}

#[derive(QueryableByName)]
struct StopRequestedRow {
    #[diesel(sql_type = Bool)]
    stop_requested: bool,
}

/// Takes or renews the lease on a reply being written, saving its text so
/// far when given. The database's clock times the lease, as every server
/// reads it by that clock; the clock's time now, not the transaction's
/// start, which may have waited on locks.
pub async fn keep_writing_reply(
    connection: &mut AsyncPgConnection,
    message_id: Uuid,
    content: Option<&str>,
) -> StoreResult<KeepWriting> {
    let row: Option<StopRequestedRow> = diesel::sql_query(
        "UPDATE chat_messages
         SET writer_lease_until = clock_timestamp() + make_interval(secs => $2), content = COALESCE($3, content)
         WHERE id = $1 AND status = 'streaming'
         RETURNING stop_requested",
    )
    .bind::<diesel::sql_types::Uuid, _>(message_id)
    .bind::<diesel::sql_types::Double, _>(REPLY_LEASE.as_seconds_f64())
    .bind::<diesel::sql_types::Nullable<Text>, _>(content)
    .get_result(connection)
    .await
    .optional()?;
    Ok(match row {
        Some(StopRequestedRow { stop_requested: false }) => KeepWriting::Yes,
        Some(StopRequestedRow { stop_requested: true }) => KeepWriting::StopAsked,
        None => KeepWriting::Gone,
    })
}

/// Marks the chat's reply interrupted if it says `streaming` but no server
/// holds its lease (its server died): the chat takes messages again, and
/// its followers see it end. Answers whether there was one.
pub async fn end_abandoned_reply(connection: &mut AsyncPgConnection, chat_id: Uuid) -> StoreResult<bool> {
    let ended = diesel::update(
        chat_messages::table
            .filter(chat_messages::chat_id.eq(chat_id))
            .filter(chat_messages::status.eq(ReplyStatus::Streaming.as_str()))
            .filter(writer_gone()),
    )
    .set((
        chat_messages::status.eq(ReplyStatus::Interrupted.as_str()),
        chat_messages::error.eq("This reply stopped being written before it was finished."),
        chat_messages::writer_lease_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(connection)
    .await?;
    Ok(ended > 0)
}

/// The chat's reply a live server is writing, with its text as saved.
pub async fn reply_being_written(
    connection: &mut AsyncPgConnection,
    chat_id: Uuid,
) -> StoreResult<Option<(Uuid, String)>> {
    Ok(chat_messages::table
        .filter(chat_messages::chat_id.eq(chat_id))
        .filter(chat_messages::status.eq(ReplyStatus::Streaming.as_str()))
        .filter(chat_messages::writer_lease_until.gt(diesel::dsl::now))
        .select((chat_messages::id, chat_messages::content))
        .first(connection)
        .await
        .optional()?)
}

/// Asks the server writing the reply to stop; it sees the request when it
/// next renews its lease.
pub async fn request_stop(connection: &mut AsyncPgConnection, message_id: Uuid) -> StoreResult<()> {
    Ok(diesel::update(
        chat_messages::table
            .filter(chat_messages::id.eq(message_id))
            .filter(chat_messages::status.eq(ReplyStatus::Streaming.as_str())),
    )
    .set(chat_messages::stop_requested.eq(true))
    .execute(connection)
    .await
    .map(drop)?)
}

/// A reply's text and status as stored, for a follower on another server
/// than its writer's.
pub async fn stored_reply(
    connection: &mut AsyncPgConnection,
    message_id: Uuid,
) -> StoreResult<Option<(String, ReplyStatus, Option<String>)>> {
    let row: Option<(String, String, Option<String>)> = chat_messages::table
        .filter(chat_messages::id.eq(message_id))
        .select((chat_messages::content, chat_messages::status, chat_messages::error))
        .first(connection)
        .await
        .optional()?;
    Ok(row.map(|(content, status, error)| {
        (content, ReplyStatus::parse(&status).unwrap_or(ReplyStatus::Failed), error)
    }))
}

/// How a reply ended.
pub struct FinishedReply<'a> {
    pub content: &'a str,
    pub status: ReplyStatus,
    pub error: Option<&'a str>,
    pub model: Option<&'a str>,
    pub input_tokens: Option<i32>,
    pub output_tokens: Option<i32>,
}

/// Saves how a reply ended, unless another server ended it first (it took
/// this writer for gone); answers whether it saved.
pub async fn finish_reply(
    connection: &mut AsyncPgConnection,
    message_id: Uuid,
    reply: &FinishedReply<'_>,
) -> StoreResult<bool> {
    let saved = diesel::update(
        chat_messages::table
            .filter(chat_messages::id.eq(message_id))
            .filter(chat_messages::status.eq(ReplyStatus::Streaming.as_str())),
    )
    .set((
        chat_messages::content.eq(reply.content),
        chat_messages::status.eq(reply.status.as_str()),
        chat_messages::error.eq(reply.error),
        chat_messages::model.eq(reply.model),
        chat_messages::input_tokens.eq(reply.input_tokens),
        chat_messages::output_tokens.eq(reply.output_tokens),
        chat_messages::writer_lease_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(connection)
    .await?;
    Ok(saved == 1)
}

/// Marks replies left `streaming` by a server that stopped as interrupted,
/// keeping the text they had. Replies another live server is writing (its
/// lease holds) are left to it, and so are the chats this one writes
/// (`writing`), however late their last save.
pub async fn mark_streaming_replies_interrupted(
    connection: &mut AsyncPgConnection,
    writing: &[Uuid],
) -> StoreResult<usize> {
    Ok(diesel::update(
        chat_messages::table
            .filter(chat_messages::status.eq(ReplyStatus::Streaming.as_str()))
            .filter(writer_gone())
            .filter(chat_messages::chat_id.ne_all(writing.to_vec())),
    )
    .set((
        chat_messages::status.eq(ReplyStatus::Interrupted.as_str()),
        chat_messages::error.eq("The server restarted while this reply was being written."),
        chat_messages::writer_lease_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(connection)
    .await?)
}

/// No server holds the reply's lease (or one from before leases wrote it).
#[diesel::dsl::auto_type]
fn writer_gone() -> _ {
    chat_messages::writer_lease_until.is_null().or(chat_messages::writer_lease_until.lt(now))
}

pub async fn rename(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    id: Uuid,
    title: &str,
) -> StoreResult<bool> {
    let changed = diesel::update(chats::table.filter(chats::id.eq(id)).filter(chats::user_id.eq(owner_id)))
        .set(chats::title.eq(title))
        .execute(connection)
        .await?;
    Ok(changed == 1)
}

pub async fn delete(connection: &mut AsyncPgConnection, owner_id: Uuid, id: Uuid) -> StoreResult<bool> {
    let deleted = diesel::delete(chats::table.filter(chats::id.eq(id)).filter(chats::user_id.eq(owner_id)))
        .execute(connection)
        .await?;
    Ok(deleted == 1)
}

/// Specs saved from the chat, newest first.
pub async fn saved_specs(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    chat_id: Uuid,
) -> StoreResult<Vec<SavedSpecRef>> {
    let rows: Vec<(Uuid, String)> = app_specs::table
        .filter(app_specs::chat_id.eq(chat_id))
        .filter(app_specs::user_id.eq(owner_id))
        .order(app_specs::created_at.desc())
        .select((app_specs::id, app_specs::name))
        .load(connection)
        .await?;
    Ok(rows.into_iter().map(|(id, name)| SavedSpecRef { id, name }).collect())
}

/// How long a model request counts towards its owner's hourly allowance.
pub const MODEL_REQUEST_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Deletes the model requests that count no more: the ledger is read over
/// the last [`MODEL_REQUEST_WINDOW`] only.
pub async fn forget_uncounted_model_requests(connection: &mut AsyncPgConnection) -> StoreResult<usize> {
    let counted_since = Utc::now() - MODEL_REQUEST_WINDOW;
    Ok(diesel::delete(model_requests::table.filter(model_requests::created_at.le(counted_since)))
        .execute(connection)
        .await?)
}

/// Counts the owner's model requests since `since` and, when under `limit`,
/// records a new one. Otherwise answers when the oldest counted request
/// leaves the window. Serialised per user by an advisory lock, so parallel
/// requests cannot all slip under the limit.
pub async fn claim_model_request(
    connection: &mut AsyncPgConnection,
    owner_id: Uuid,
    purpose: &'static str,
    since: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Result<(), DateTime<Utc>>> {
    connection
        .transaction(async |connection| {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind::<Text, _>(format!("model requests {owner_id}"))
                .execute(connection)
                .await?;
            let recent: Vec<DateTime<Utc>> = model_requests::table
                .filter(model_requests::user_id.eq(owner_id))
                .filter(model_requests::created_at.gt(since))
                .order(model_requests::created_at.asc())
                .select(model_requests::created_at)
                .limit(limit)
                .load(connection)
                .await?;
            if recent.len() as i64 >= limit {
                return Ok(Err(recent[0]));
            }
            diesel::insert_into(model_requests::table)
                .values((model_requests::user_id.eq(owner_id), model_requests::purpose.eq(purpose)))
                .execute(connection)
                .await?;
            Ok(Ok(()))
        })
        .await
}
