//! Object keys the platform writes and reads: checked once, so no caller
//! can name a path outside its prefix or smuggle control characters into
//! a URL or a file name.

use std::fmt;

const MAX_KEY_BYTES: usize = 1024;

/// A validated object key: `/`-separated segments, none empty, `.` or `..`,
/// no leading `/`, no control characters or backslashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key:?} is not a valid object key: {reason}")]
pub struct InvalidKey {
    pub key: String,
    pub reason: &'static str,
}

impl ObjectKey {
    pub fn parse(key: &str) -> Result<Self, InvalidKey> {
        let refuse = |reason| Err(InvalidKey { key: key.chars().take(200).collect(), reason });
        if key.is_empty() {
            return refuse("it is empty");
        }
        if key.len() > MAX_KEY_BYTES {
            return refuse("it is longer than 1024 bytes");
        }
        if key.starts_with('/') {
            return refuse("it is absolute");
        }
        if key.chars().any(|character| character.is_control() || character == '\\') {
            return refuse("it contains a control character or a backslash");
        }
        for segment in key.split('/') {
            match segment {
                "" => return refuse("it has an empty segment"),
                "." | ".." => return refuse("it has a . or .. segment"),
                _ => {}
            }
        }
        Ok(Self(key.to_owned()))
    }

    /// `self` followed by `/name`, where `name` is checked the same way.
    pub fn join(&self, name: &str) -> Result<Self, InvalidKey> {
        Self::parse(&format!("{}/{name}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_keys_are_accepted() {
        for key in ["builds/0193/artifacts.tar.gz", "a", "builds/x/checkpoints/0001.bundle", "ünïcode/ok"] {
            assert_eq!(ObjectKey::parse(key).unwrap().as_str(), key);
        }
    }

    #[test]
    fn traversal_absolute_and_control_characters_are_refused() {
        for key in [
            "",
            "/etc/passwd",
            "builds/../secrets",
            "builds/./x",
            "..",
            "builds//x",
            "builds/x/",
            "builds\\x",
            "builds/x\ny",
            "builds/\u{7f}",
        ] {
            assert!(ObjectKey::parse(key).is_err(), "{key:?} was accepted");
        }
        assert!(ObjectKey::parse(&"a".repeat(1025)).is_err());
    }

    #[test]
    fn joining_checks_the_new_segment() {
        let prefix = ObjectKey::parse("builds/1").unwrap();
        assert_eq!(prefix.join("manifest.json").unwrap().as_str(), "builds/1/manifest.json");
        assert!(prefix.join("../2/manifest.json").is_err());
        assert_eq!(prefix.join("manifest.json").unwrap().file_name(), "manifest.json");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::ObjectKey;

    /// Strings made of the characters that matter to a path.
    fn key_like() -> impl Strategy<Value = String> {
        let piece =
            prop::sample::select(vec!["a", "b", ".", "..", "/", "\\", "\0", "\n", "é", " ", "%2e", "~"]);
        proptest::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn an_accepted_key_never_leaves_its_prefix(text in key_like(), name in key_like()) {
            if let Ok(key) = ObjectKey::parse(&text) {
                let key = key.as_str();
                prop_assert!(!key.starts_with('/'));
                prop_assert!(key.split('/').all(|segment| !matches!(segment, "" | "." | "..")), "{key:?}");
                prop_assert!(!key.chars().any(|c| c.is_control() || c == '\\'), "{key:?}");
                let prefix = ObjectKey::parse("builds/1").expect("a valid key");
                if let Ok(joined) = prefix.join(&name) {
                    prop_assert!(joined.as_str().starts_with("builds/1/"));
                    prop_assert!(std::path::Path::new(joined.as_str()).starts_with("builds/1"));
                }
            }
        }
    }
}
