//! A download link's query as anyone may write it: checked without a
//! panic, and never accepted without the server's key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::storage::key::ObjectKey;
use server::storage::signed_url::{SignedParams, UrlSigner};

fuzz_target!(|query: &str| {
    let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else { return };
    let field = |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let (Some(owner), Some(expires), Some(signature)) = (field("owner"), field("expires"), field("signature"))
    else {
        return;
    };
    let (Ok(owner), Ok(expires)) = (owner.parse::<uuid::Uuid>(), expires.parse::<i64>()) else { return };
    let params = SignedParams { owner, expires, file_name: field("name").unwrap_or_default(), signature };
    let signer = UrlSigner::new(vec![7; 32]).expect("a 32-byte key");
    let key = ObjectKey::parse(&field("key").unwrap_or_else(|| "builds/1/a.tar.gz".into()))
        .unwrap_or_else(|_| ObjectKey::parse("builds/1/a.tar.gz").expect("a valid key"));
    let now = chrono::DateTime::from_timestamp(0, 0).expect("the epoch");
    assert!(signer.verify(&key, &params, now).is_err(), "a link signed by nobody was accepted: {query:?}");
});
