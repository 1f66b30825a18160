//! Download URLs the server honours itself, for the local backend (S3 signs
//! its own): HMAC-SHA256 over the key, the expiry, the owner and the file
//! name, so none of them can be changed without the signing key.

use std::path::Path;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::Sha256;
use uuid::Uuid;

use crate::storage::key::ObjectKey;

/// Where the server serves signed downloads; the key follows.
pub const LOCAL_DOWNLOAD_PATH: &str = "/api/storage/";
const MIN_KEY_BYTES: usize = 32;
/// Characters left as they are in a query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// Key characters left as they are in the path (`/` separates segments).
const KEY_PATH: &AsciiSet = &QUERY_VALUE.remove(b'/');

pub struct UrlSigner {
    key: Vec<u8>,
}

/// What a signed download URL carries besides the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedParams {
    pub owner: Uuid,
    /// Seconds since the Unix epoch.
    pub expires: i64,
    /// What the browser saves the download as.
    pub file_name: String,
    /// Lower-case hex.
    pub signature: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("This download link has expired. Go back to the build page for a new one.")]
    Expired,
    #[error("This download link is not valid: it was changed or it was not made by this server.")]
    BadSignature,
}

impl UrlSigner {
    /// A signer with `key`, which must be at least 32 bytes.
    pub fn new(key: Vec<u8>) -> Result<Self, String> {
        if key.len() < MIN_KEY_BYTES {
            return Err(format!("the signing key must be at least {MIN_KEY_BYTES} bytes"));
        }
        Ok(Self { key })
    }

    /// The key stored at `path`, made (random, readable by this user alone)
    /// when the file does not exist yet. The new key is written whole to a
    /// file of its own first and then linked to `path`, so a server killed
    /// meanwhile leaves no half-written key, and of two starting at once
    /// the second reads the first one's.
    pub fn load_or_generate(path: &Path) -> std::io::Result<Self> {
        let key = match std::fs::read(path) {
            Ok(key) => key,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Self::generate(path)?,
            Err(error) => return Err(error),
        };
        Self::new(key).map_err(|problem| {
            std::io::Error::other(format!(
                "{}: {problem}; remove the file for a new key (links signed with it stop working)",
                path.display()
            ))
        })
    }

    fn generate(path: &Path) -> std::io::Result<Vec<u8>> {
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key).map_err(std::io::Error::other)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let partial = path.with_extension(format!("partial-{}", Uuid::now_v7().simple()));
        let linked = write_new_file(&partial, &key).and_then(|()| std::fs::hard_link(&partial, path));
        let _ = std::fs::remove_file(&partial);
        match linked {
            Ok(()) => Ok(key),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(path),
            // A file system without hard links: written in place, the only way left.
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::Unsupported | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                write_new_file(path, &key).map(|()| key)
            }
            Err(error) => Err(error),
        }
    }

    /// A key for another purpose (`purpose` names it), derived from this
    /// one, so one secret on disk serves every signature the server makes
    /// and no signature made for one purpose passes for another.
    pub fn derive_key(&self, purpose: &str) -> Vec<u8> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(b"derived key\n");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The path and query of a URL that downloads `key` until `expires_at`.
    pub fn sign(&self, key: &ObjectKey, owner: Uuid, expires_at: DateTime<Utc>, file_name: &str) -> String {
        let expires = expires_at.timestamp();
        let signature = hex::encode(self.mac(key, owner, expires, file_name).finalize().into_bytes());
        format!(
            "{LOCAL_DOWNLOAD_PATH}{}?owner={owner}&expires={expires}&name={}&signature={signature}",
            utf8_percent_encode(key.as_str(), KEY_PATH),
            utf8_percent_encode(file_name, QUERY_VALUE),
        )
    }

    /// Whether `params` were signed by this key for `key` and are still valid at `now`.
    pub fn verify(
        &self,
        key: &ObjectKey,
        params: &SignedParams,
        now: DateTime<Utc>,
    ) -> Result<(), UrlRefusal> {
        let signature = hex::decode(&params.signature).map_err(|_| UrlRefusal::BadSignature)?;
        self.mac(key, params.owner, params.expires, &params.file_name)
            .verify_slice(&signature)
            .map_err(|_| UrlRefusal::BadSignature)?;
        if now.timestamp() > params.expires {
            return Err(UrlRefusal::Expired);
        }
        Ok(())
    }

    fn mac(&self, key: &ObjectKey, owner: Uuid, expires: i64, file_name: &str) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        // Newline-separated: a key, an id and a number hold none, and the
        // name, which may, comes last, so no two links sign the same text.
        mac.update(format!("{key}\n{owner}\n{expires}\n{file_name}").as_bytes());
        mac
    }
}

/// `bytes` in a new file at `path`, readable by this user alone, on disk.
fn write_new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn signer() -> UrlSigner {
        UrlSigner::new(vec![7; 32]).unwrap()
    }

    fn params_of(url: &str) -> SignedParams {
        let query = url.split_once('?').unwrap().1;
        let pairs: std::collections::HashMap<String, String> = serde_urlencoded::from_str(query).unwrap();
        SignedParams {
            owner: pairs["owner"].parse().unwrap(),
            expires: pairs["expires"].parse().unwrap(),
            file_name: pairs["name"].clone(),
            signature: pairs["signature"].clone(),
        }
    }

    #[test]
    fn a_signed_url_verifies_until_it_expires() {
        let key = ObjectKey::parse("builds/1/artifacts.tar.gz").unwrap();
        let owner = Uuid::now_v7();
        let now = Utc::now();
        let url = signer().sign(&key, owner, now + chrono::Duration::minutes(5), "todo app-1.tar.gz");
        assert!(url.starts_with("/api/storage/builds/1/artifacts.tar.gz?"), "{url}");
        let params = params_of(&url);
        assert_eq!(params.file_name, "todo app-1.tar.gz");
        assert_eq!(signer().verify(&key, &params, now), Ok(()));
        assert_eq!(
            signer().verify(&key, &params, now + chrono::Duration::minutes(6)),
            Err(UrlRefusal::Expired)
        );
    }

    #[test]
    fn changing_any_part_breaks_the_signature() {
        let key = ObjectKey::parse("builds/1/artifacts.tar.gz").unwrap();
        let now = Utc::now();
        let params =
            params_of(&signer().sign(&key, Uuid::now_v7(), now + chrono::Duration::minutes(5), "a.tar.gz"));
        let other_key = ObjectKey::parse("builds/2/artifacts.tar.gz").unwrap();
        assert_eq!(signer().verify(&other_key, &params, now), Err(UrlRefusal::BadSignature));
        for tampered in [
            SignedParams { expires: params.expires + 3600, ..params.clone() },
            SignedParams { owner: Uuid::now_v7(), ..params.clone() },
            SignedParams { file_name: "b.tar.gz".into(), ..params.clone() },
            SignedParams { signature: "00".repeat(32), ..params.clone() },
            SignedParams { signature: "not hex".into(), ..params.clone() },
        ] {
            assert_eq!(signer().verify(&key, &tampered, now), Err(UrlRefusal::BadSignature));
        }
        let other_signer = UrlSigner::new(vec![8; 32]).unwrap();
        assert_eq!(other_signer.verify(&key, &params, now), Err(UrlRefusal::BadSignature));
    }

    #[test]
    fn names_that_differ_only_in_a_line_break_have_different_signatures() {
        // Found by the property below: the name's line breaks were signed as spaces.
        let key = ObjectKey::parse("builds/1/artifacts.tar.gz").unwrap();
        let now = Utc::now();
        let params =
            params_of(&signer().sign(&key, Uuid::now_v7(), now + chrono::Duration::minutes(5), "a\nb"));
        let blurred = SignedParams { file_name: "a b".into(), ..params };
        assert_eq!(signer().verify(&key, &blurred, now), Err(UrlRefusal::BadSignature));
    }

    #[test]
    fn short_keys_are_refused_and_a_missing_key_file_is_made_once() {
        assert!(UrlSigner::new(vec![1; 16]).is_err());
        let dir = std::env::temp_dir().join(format!("signer-{}", Uuid::now_v7()));
        let path = dir.join("storage-signing.key");
        let first = UrlSigner::load_or_generate(&path).unwrap();
        let second = UrlSigner::load_or_generate(&path).unwrap();
        assert_eq!(first.key, second.key);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "nothing but the key is left");
        // A key cut short (by an older version killed as it wrote it) says what to do.
        std::fs::write(&path, [1; 12]).unwrap();
        let refused = UrlSigner::load_or_generate(&path).err().expect("a short key is refused").to_string();
        assert!(refused.contains("storage-signing.key") && refused.contains("remove the file"), "{refused}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn of_two_servers_making_the_key_at_once_both_use_the_same() {
        let dir = std::env::temp_dir().join(format!("signer-{}", Uuid::now_v7()));
        let path = dir.join("storage-signing.key");
        let keys: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let makers: Vec<_> =
                (0..8).map(|_| scope.spawn(|| UrlSigner::load_or_generate(&path).unwrap().key)).collect();
            makers.into_iter().map(|maker| maker.join().unwrap()).collect()
        });
        assert!(keys.iter().all(|key| *key == keys[0] && key.len() == 32), "{keys:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    // Any other name, owner or time is refused, for generated links.
    proptest! {
        #[test]
        fn a_signed_link_verifies_and_any_other_name_owner_or_time_does_not(
            segments in proptest::collection::vec("[a-zA-Z0-9 é._~%+-]{1,12}", 1..4),
            file_name in "\\PC{0,30}|[\\n\\r \\t&=?#%+]{0,8}",
            other_name in "\\PC{0,30}|[\\n\\r \\t&=?#%+]{0,8}",
            owner in any::<u128>(),
            expires in 0i64..4_000_000_000,
            later in 1i64..1_000_000,
        ) {
            let segments: Vec<String> = segments.into_iter().filter(|segment| segment != "." && segment != "..").collect();
            prop_assume!(!segments.is_empty());
            let key = ObjectKey::parse(&segments.join("/")).expect("a valid key");
            let owner = Uuid::from_u128(owner);
            let expires_at = Utc.timestamp_opt(expires, 0).single().expect("a time");
            let params = params_of(&signer().sign(&key, owner, expires_at, &file_name));
            prop_assert_eq!(&params.file_name, &file_name);
            prop_assert_eq!(signer().verify(&key, &params, expires_at), Ok(()));
            prop_assert_eq!(signer().verify(&key, &SignedParams { expires: expires + later, ..params.clone() }, expires_at), Err(UrlRefusal::BadSignature));
            prop_assert_eq!(signer().verify(&key, &SignedParams { owner: Uuid::from_u128(!owner.as_u128()), ..params.clone() }, expires_at), Err(UrlRefusal::BadSignature));
            // A name that differs only in its line breaks is another name.
            let blurred = file_name.replace('\n', " ");
            if blurred != file_name {
                prop_assert_eq!(signer().verify(&key, &SignedParams { file_name: blurred, ..params.clone() }, expires_at), Err(UrlRefusal::BadSignature));
            }
            if other_name != file_name {
                prop_assert_eq!(signer().verify(&key, &SignedParams { file_name: other_name, ..params.clone() }, expires_at), Err(UrlRefusal::BadSignature));
            }
            prop_assert_eq!(signer().verify(&key, &params, expires_at + chrono::Duration::seconds(1)), Err(UrlRefusal::Expired));
        }
    }
}
