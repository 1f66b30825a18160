//! A reply another server process is writing. Only that process streams it
//! from the model; the others read it from the database, which it saves to
//! every second: a follower gets the text as saved, and a Stop is asked
//! through the reply's row, which the writer reads when it saves.

use std::time::Duration;

use app::model::chats::{ReplyEvent, ReplyStatus};
use futures_util::stream::{self, BoxStream, StreamExt};
use uuid::Uuid;

use crate::chats::repo;
use crate::db::{Connect, DbPool, StoreError};

/// How often a follower on another server reads the saved text: as often
/// as the writer saves it.
const READ_EVERY: Duration = Duration::from_secs(1);

enum Reading {
    /// The reply goes on; this much of its text was sent.
    Following {
        sent_len: usize,
    },
    /// The reply ended; its end is sent next.
    Ending(ReplyEvent),
    Ended,
}

/// What a follower is sent after the text it was shown (`sent`): what is
/// saved beyond it, as it is saved, then how the reply ended.
pub fn follow(pool: DbPool, chat_id: Uuid, message_id: Uuid, sent: &str) -> BoxStream<'static, ReplyEvent> {
    let reading = Reading::Following { sent_len: sent.len() };
    stream::unfold((pool, reading), move |(pool, reading)| async move {
        let mut sent_len = match reading {
            Reading::Following { sent_len } => sent_len,
            Reading::Ending(done) => return Some((done, (pool, Reading::Ended))),
            Reading::Ended => return None,
        };
        loop {
            tokio::time::sleep(READ_EVERY).await;
            let stored = match read(&pool, chat_id, message_id).await {
                Ok(Some(stored)) => stored,
                // The chat was deleted: nothing more to follow.
                Ok(None) => return None,
                Err(error) => {
                    tracing::warn!(%message_id, %error, "could not read a reply written elsewhere; will try again");
                    continue;
                }
            };
            let Stored { content, status, error } = stored;
            let grown = content.len() > sent_len && content.is_char_boundary(sent_len);
            let next = if status == ReplyStatus::Streaming {
                Reading::Following { sent_len: content.len() }
            } else {
                Reading::Ending(ReplyEvent::Done { message_id, status, error })
            };
            if grown {
                let text = content[sent_len..].to_owned();
                return Some((ReplyEvent::Delta { message_id, text }, (pool, next)));
            }
            match next {
                Reading::Ending(done) => return Some((done, (pool, Reading::Ended))),
                _ => sent_len = content.len().max(sent_len),
            }
        }
    })
    .boxed()
}

struct Stored {
    content: String,
    status: ReplyStatus,
    error: Option<String>,
}

/// The reply as saved. One whose writer is gone (its lease lapsed) is
/// marked interrupted first, so its followers see it end.
async fn read(pool: &DbPool, chat_id: Uuid, message_id: Uuid) -> Result<Option<Stored>, StoreError> {
    let mut connection = pool.connection().await?;
    repo::end_abandoned_reply(&mut connection, chat_id).await?;
    Ok(repo::stored_reply(&mut connection, message_id).await?.map(|(content, status, error)| Stored {
        content,
        status,
        error,
    }))
}

/// Asks the server writing the chat's reply to stop, and waits up to
/// `patience` for it to save how it ended. A reply whose writer is gone (or
/// goes meanwhile) is marked interrupted instead.
pub async fn stop(
    pool: &DbPool,
    chat_id: Uuid,
    message_id: Uuid,
    patience: Duration,
) -> Result<(), StoreError> {
    {
        let mut connection = pool.connection().await?;
        if repo::end_abandoned_reply(&mut connection, chat_id).await? {
            return Ok(());
        }
        repo::request_stop(&mut connection, message_id).await?;
    }
    let deadline = tokio::time::Instant::now() + patience;
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        // A connection per look: many Stops waiting must not drain the pool.
        let mut connection = pool.connection().await?;
        match repo::stored_reply(&mut connection, message_id).await? {
            Some((_, ReplyStatus::Streaming, _)) => {}
            _ => return Ok(()),
        }
    }
    let mut connection = pool.connection().await?;
    repo::end_abandoned_reply(&mut connection, chat_id).await.map(drop)
}
