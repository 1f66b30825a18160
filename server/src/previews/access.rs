//! Who may see a preview: the build's owner, proved twice over. The build
//! page hands out a short-lived signed link; following it on the preview
//! origin trades it for a signed grant in a cookie of that origin alone.
//! Both are HMAC-SHA256 over what they say, with a key of their own, and
//! both name the credential the link was asked with: access ends with it
//! (signed out, revoked), however long the grant has left.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::auth::credential::SignedInBy;

/// What a token is for; a link never passes for a grant, nor the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Link,
    Grant,
}

impl Purpose {
    fn tag(self) -> &'static str {
        match self {
            Purpose::Link => "link",
            Purpose::Grant => "grant",
        }
    }
}

/// What a valid token says: whose build it opens, and by which credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub build_id: Uuid,
    pub user_id: Uuid,
    pub expires: DateTime<Utc>,
    pub granted_by: SignedInBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessRefusal {
    #[error("This preview link has expired. Open the preview again from the build page.")]
    Expired,
    #[error("This preview link is not valid: it was changed or it was not made by this server.")]
    Invalid,
}

pub struct AccessSigner {
    key: Vec<u8>,
}

impl AccessSigner {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    /// `build.user.expires.credential.signature`: dots never occur in the parts.
    pub fn sign(&self, purpose: Purpose, access: &Access) -> String {
        let expires = access.expires.timestamp();
        let granted_by = access.granted_by.encode();
        let signature = hex::encode(
            self.mac(purpose, access.build_id, access.user_id, expires, &granted_by).finalize().into_bytes(),
        );
        format!("{}.{}.{expires}.{granted_by}.{signature}", access.build_id, access.user_id)
    }

    pub fn verify(&self, purpose: Purpose, token: &str, now: DateTime<Utc>) -> Result<Access, AccessRefusal> {
        let mut parts = token.split('.');
        let (Some(build), Some(user), Some(expires), Some(granted_by), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AccessRefusal::Invalid);
        };
        let build_id = Uuid::parse_str(build).map_err(|_| AccessRefusal::Invalid)?;
        let user_id = Uuid::parse_str(user).map_err(|_| AccessRefusal::Invalid)?;
        let expires_secs = expires.parse::<i64>().map_err(|_| AccessRefusal::Invalid)?;
        let signature = hex::decode(signature).map_err(|_| AccessRefusal::Invalid)?;
        self.mac(purpose, build_id, user_id, expires_secs, granted_by)
            .verify_slice(&signature)
            .map_err(|_| AccessRefusal::Invalid)?;
        let granted_by = SignedInBy::decode(granted_by).ok_or(AccessRefusal::Invalid)?;
        let expires = DateTime::from_timestamp(expires_secs, 0).ok_or(AccessRefusal::Invalid)?;
        if now > expires {
            return Err(AccessRefusal::Expired);
        }
        Ok(Access { build_id, user_id, expires, granted_by })
    }

    fn mac(
        &self,
        purpose: Purpose,
        build_id: Uuid,
        user_id: Uuid,
        expires: i64,
        granted_by: &str,
    ) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        // Newline-separated: of the fields, only the last could hold one.
        mac.update(
            format!("preview {}\n{build_id}\n{user_id}\n{expires}\n{granted_by}", purpose.tag()).as_bytes(),
        );
        mac
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn access(now: DateTime<Utc>) -> Access {
        let expires = DateTime::from_timestamp(now.timestamp() + 60, 0).unwrap();
        Access {
            build_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            expires,
            granted_by: SignedInBy::token("agt_1"),
        }
    }

    #[test]
    fn a_token_says_what_was_signed_until_it_expires() {
        let signer = AccessSigner::new(vec![7; 32]);
        let now = Utc::now();
        let access = access(now);
        let token = signer.sign(Purpose::Link, &access);
        assert_eq!(signer.verify(Purpose::Link, &token, now), Ok(access));
        assert_eq!(
            signer.verify(Purpose::Link, &token, now + Duration::seconds(61)),
            Err(AccessRefusal::Expired)
        );
    }

    #[test]
    fn a_changed_token_another_purpose_or_another_key_is_refused() {
        let signer = AccessSigner::new(vec![7; 32]);
        let now = Utc::now();
        let access = access(now);
        let token = signer.sign(Purpose::Link, &access);
        assert_eq!(signer.verify(Purpose::Grant, &token, now), Err(AccessRefusal::Invalid));
        assert_eq!(
            AccessSigner::new(vec![8; 32]).verify(Purpose::Link, &token, now),
            Err(AccessRefusal::Invalid)
        );
        let other_build = token.replacen(&access.build_id.to_string(), &Uuid::now_v7().to_string(), 1);
        assert_eq!(signer.verify(Purpose::Link, &other_build, now), Err(AccessRefusal::Invalid));
        let later = token.replacen(
            &access.expires.timestamp().to_string(),
            &(access.expires.timestamp() + 3600).to_string(),
            1,
        );
        assert_eq!(signer.verify(Purpose::Link, &later, now), Err(AccessRefusal::Invalid));
        let other_credential =
            token.replacen(&access.granted_by.encode(), &SignedInBy::token("agt_2").encode(), 1);
        assert_eq!(signer.verify(Purpose::Link, &other_credential, now), Err(AccessRefusal::Invalid));
        for garbage in ["", "a.b.c.d.e", "....", &format!("{token}.x")] {
            assert_eq!(signer.verify(Purpose::Link, garbage, now), Err(AccessRefusal::Invalid), "{garbage}");
        }
    }
}
