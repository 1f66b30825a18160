//! Object keys from anyone: an accepted one stays under its prefix.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::storage::key::ObjectKey;

fuzz_target!(|text: &str| {
    let (key, name) = text.split_once('\u{1}').unwrap_or((text, "a"));
    if let Ok(key) = ObjectKey::parse(key) {
        let key = key.as_str();
        assert!(!key.starts_with('/'));
        assert!(key.split('/').all(|segment| !matches!(segment, "" | "." | "..")), "{key:?}");
        assert!(!key.chars().any(|c| c.is_control() || c == '\\'), "{key:?}");
    }
    let prefix = ObjectKey::parse("builds/1").expect("a valid key");
    if let Ok(joined) = prefix.join(name) {
        assert!(std::path::Path::new(joined.as_str()).starts_with("builds/1"), "{joined}");
    }
});
