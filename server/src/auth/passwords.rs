//! Password hashing with argon2id at OWASP's recommended cost (19 MiB, two
//! passes, one lane). Hashing takes tens of milliseconds of CPU, so it runs on
//! the blocking pool, never on the async runtime, and only as many hashes run
//! at once as there are cores: a burst of sign-ins waits its turn instead of
//! taking 19 MiB and a thread each.

use std::sync::OnceLock;

use tokio::sync::Semaphore;

use app::error::AppError;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the hashing task did not finish: {0}")]
    Task(#[from] tokio::task::JoinError),
}

fn argon2id() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's argon2id parameters are in range");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A failed hash is the server's fault, never the person's: logged, and
/// answered without its details.
impl From<PasswordError> for AppError {
    fn from(error: PasswordError) -> Self {
        tracing::error!(%error, "password hashing failed");
        AppError::Internal
    }
}

fn hash_blocking(password: &str) -> Result<String, PasswordError> {
    argon2id()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| PasswordError::Hashing(error.to_string()))
}

fn hashing_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |cores| cores.get())))
}

/// Runs `work` on the blocking pool once a hashing slot is free.
async fn in_hashing_slot<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
) -> Result<T, PasswordError> {
    in_slot(hashing_slots(), work).await
}

/// Runs `work` on the blocking pool once one of `slots` is free. The slot
/// goes with the work, not with the caller: a caller that gives up (its
/// client hung up) leaves the hash running, and the slot taken until it ends.
async fn in_slot<T: Send + 'static>(
    slots: &'static Semaphore,
    work: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
) -> Result<T, PasswordError> {
    let slot = slots.acquire().await.expect("the hashing semaphore is never closed");
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await?
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of a new random-salted hash.
pub async fn hash_password(password: String) -> Result<String, PasswordError> {
    in_hashing_slot(move || hash_blocking(&password)).await
}

/// Whether `password` matches `stored_hash`. Without a stored hash (no such
/// account) the same work is done against a throw-away hash, so the answer
/// takes as long and tells nobody whether the email is registered.
pub async fn verify_password(password: String, stored_hash: Option<String>) -> Result<bool, PasswordError> {
    in_hashing_slot(move || {
        let (hash, is_real) = match &stored_hash {
            Some(hash) => (hash.as_str(), true),
            None => (decoy_hash()?, false),
        };
        // The parameters come from the stored hash, so older costs still verify.
        let matches = argon2id().verify_password(password.as_bytes(), hash).is_ok();
        Ok(matches && is_real)
    })
    .await
}

fn decoy_hash() -> Result<&'static str, PasswordError> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DECOY.get() {
        return Ok(hash);
    }
    let hash = hash_blocking("decoy password, never a real account")?;
    Ok(DECOY.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_caller_that_gives_up_leaves_its_slot_taken_until_the_hash_ends() {
        static SLOTS: Semaphore = Semaphore::const_new(1);
        let abandoned = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            in_slot(&SLOTS, || {
                std::thread::sleep(std::time::Duration::from_millis(300));
                Ok(())
            }),
        )
        .await;
        assert!(abandoned.is_err(), "the caller gave up");
        assert_eq!(SLOTS.available_permits(), 0, "the abandoned hash still runs in its slot");
        let next = tokio::time::timeout(std::time::Duration::from_secs(5), in_slot(&SLOTS, || Ok(()))).await;
        assert!(next.is_ok_and(|done| done.is_ok()), "the slot is free again once the hash ends");
    }

    #[tokio::test]
    async fn a_hash_is_argon2id_at_owasp_cost_and_verifies_only_the_right_password() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("correct horse battery".into(), Some(hash.clone())).await.unwrap());
        assert!(!verify_password("correct horse battery!".into(), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let first = hash_password("correct horse battery".into()).await.unwrap();
        let second = hash_password("correct horse battery".into()).await.unwrap();
        assert_ne!(first, second, "salts must be random");
    }

    #[tokio::test]
    async fn no_stored_hash_never_verifies() {
        assert!(!verify_password("decoy password, never a real account".into(), None).await.unwrap());
    }
}
