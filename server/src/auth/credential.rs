//! The credential that signed a request's caller in, named by the digest the
//! database stores it under, never by its secret. What outlives the request
//! it was granted by (an event stream, a preview's access) keeps this name
//! and asks with it whether the credential still signs its user in: a
//! session signed out or expired, a token revoked, an account deleted all
//! end it.

use std::fmt;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{repo, sessions, tokens};
use crate::db::{Connect, DbPool, StoreResult};

/// How long what a credential granted may outlast it: a stream or a
/// preview asks again this often.
pub const RECHECK_EVERY: Duration = Duration::from_secs(15);

#[derive(Clone, PartialEq, Eq, Hash)]
pub enum SignedInBy {
    /// A browser session: the SHA-256 of its id, hex, as the sessions table keys it.
    Session(String),
    /// A personal API token: the SHA-256 of its secret, hex, as the tokens table keeps it.
    Token(String),
}

/// A SHA-256 digest in hex.
const DIGEST_HEX_LEN: usize = 64;

impl SignedInBy {
    pub fn token(secret: &str) -> Self {
        Self::Token(hex::encode(tokens::token_digest(secret)))
    }

    pub fn session(id: &tower_sessions::session::Id) -> Self {
        Self::Session(sessions::stored_id(id))
    }

    /// `s` or `t`, then the digest: no dot, so it fits inside a dotted token.
    pub fn encode(&self) -> String {
        match self {
            Self::Session(digest) => format!("s{digest}"),
            Self::Token(digest) => format!("t{digest}"),
        }
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (kind, digest) = text.split_at_checked(1)?;
        let is_digest = digest.len() == DIGEST_HEX_LEN
            && digest.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
        if !is_digest {
            return None;
        }
        match kind {
            "s" => Some(Self::Session(digest.to_owned())),
            "t" => Some(Self::Token(digest.to_owned())),
            _ => None,
        }
    }

    /// Whether it still signs in `user_id`: one indexed lookup.
    pub async fn still_signs_in(
        &self,
        connection: &mut AsyncPgConnection,
        user_id: Uuid,
    ) -> StoreResult<bool> {
        Ok(match self {
            Self::Session(digest) => sessions::user_of_stored_key(connection, digest).await? == Some(user_id),
            Self::Token(digest) => {
                let Ok(digest) = hex::decode(digest) else { return Ok(false) };
                repo::find_token_holder(connection, &digest)
                    .await?
                    .is_some_and(|holder| holder.user.id == user_id)
            }
        })
    }
}

impl SignedInBy {
    /// [`Self::still_signs_in`], where a database that cannot answer says
    /// nothing either way: what the credential opened goes on (it is asked
    /// again later), and the failure is logged.
    pub async fn still_signs_in_as_far_as_known(&self, pool: &DbPool, user_id: Uuid) -> bool {
        let answer = match pool.connection().await {
            Ok(mut connection) => self.still_signs_in(&mut connection, user_id).await,
            Err(error) => Err(error),
        };
        answer.unwrap_or_else(|error| {
            tracing::warn!(%error, "could not check whether a credential still signs in; taking it that it does");
            true
        })
    }
}

/// Digests only, but logs have no need of them either.
impl fmt::Debug for SignedInBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Session(_) => "SignedInBy::Session(..)",
            Self::Token(_) => "SignedInBy::Token(..)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_reads_back_what_it_wrote_and_nothing_else() {
        for signed_in_by in [SignedInBy::token("secret"), SignedInBy::Session("ab".repeat(32))] {
            assert_eq!(SignedInBy::decode(&signed_in_by.encode()), Some(signed_in_by));
        }
        let digest = "0f".repeat(32);
        for garbage in [
            String::new(),
            "s".into(),
            format!("x{digest}"),
            format!("s{}", &digest[1..]),
            format!("s{digest}0"),
            format!("s{}", digest.to_uppercase()),
            format!("t{}.", &digest[1..]),
            "é".repeat(33),
        ] {
            assert_eq!(SignedInBy::decode(&garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn a_token_is_named_by_its_digest_not_its_secret() {
        let encoded = SignedInBy::token("agt_the-secret").encode();
        assert!(!encoded.contains("the-secret"));
        assert_eq!(encoded, format!("t{}", hex::encode(tokens::token_digest("agt_the-secret"))));
    }
}
