//! Webhook signatures in the Standard Webhooks format
//! (<https://www.standardwebhooks.com>), made with its own crate: three
//! headers, `webhook-id`, `webhook-timestamp` (Unix seconds) and
//! `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
//! `<id>.<timestamp>.<body>` keyed with the secret's decoded bytes). A
//! receiver checks the signature and refuses old timestamps, so a captured
//! delivery cannot be replayed later.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use standardwebhooks::Webhook;

/// Standard Webhooks' mark for a secret.
pub const SECRET_MARKER: &str = "whsec_";

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// A new signing secret: 256 random bits.
pub fn generate_secret() -> Result<String, getrandom::Error> {
    let mut random = [0_u8; 32];
    getrandom::fill(&mut random)?;
    Ok(format!("{SECRET_MARKER}{}", STANDARD.encode(random)))
}

/// The `webhook-signature` value for one attempt.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &str) -> Result<String, SigningError> {
    let signer = Webhook::new(secret).map_err(|_| SigningError)?;
    signer.sign(message_id, timestamp, body.as_bytes()).map_err(|_| SigningError)
}

/// The stored secret is not `whsec_` and base64: only a damaged row can be.
#[derive(Debug, thiserror::Error)]
#[error("the hook's signing secret is damaged")]
pub struct SigningError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_specification_example() {
        // The example in the specification's "Signature scheme" section.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_are_random_marked_and_usable() {
        let (first, second) = (generate_secret().unwrap(), generate_secret().unwrap());
        assert_ne!(first, second);
        assert!(first.starts_with(SECRET_MARKER) && first.len() == SECRET_MARKER.len() + 44, "{first}");
        assert!(sign(&first, "id", 1, "{}").unwrap().starts_with("v1,"));
        assert!(sign("whsec_not base64!", "id", 1, "{}").is_err());
    }
}
