//! Personal API tokens: 256 random bits shown once as `ap_…`, stored only as a
//! SHA-256 digest. A digest without salt is enough here: the secret is random
//! and long, so there is nothing to guess, and lookups stay one index probe.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Marks our tokens, so they are easy to spot in a leaked file or a secret scanner.
pub const TOKEN_MARKER: &str = "ap_";
/// How much of the secret the token list shows.
const VISIBLE_PREFIX_CHARS: usize = TOKEN_MARKER.len() + 6;

pub struct GeneratedToken {
    pub secret: String,
    pub digest: Vec<u8>,
    pub prefix: String,
}

pub fn generate_token() -> Result<GeneratedToken, getrandom::Error> {
    let mut random = [0_u8; 32];
    getrandom::fill(&mut random)?;
    let secret = format!("{TOKEN_MARKER}{}", URL_SAFE_NO_PAD.encode(random));
    let prefix = secret[..VISIBLE_PREFIX_CHARS].to_owned();
    Ok(GeneratedToken { digest: token_digest(&secret), prefix, secret })
}

pub fn token_digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_marked_and_stored_as_their_digest() {
        let first = generate_token().unwrap();
        let second = generate_token().unwrap();
        assert_ne!(first.secret, second.secret);
        assert!(first.secret.starts_with("ap_") && first.secret.len() == 3 + 43, "{}", first.secret);
        assert!(first.secret.starts_with(&first.prefix));
        assert_eq!(first.digest, token_digest(&first.secret));
        assert_eq!(first.digest.len(), 32);
    }
}
