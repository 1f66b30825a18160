//! Build events made storable whatever a build printed: PostgreSQL's `jsonb`
//! refuses U+0000 anywhere in a string ("unsupported Unicode escape
//! sequence"), and a program's output or a model's text may contain it.
//! Bytes that were not UTF-8 were already replaced when they became text.

use app::model::builds::BuildEvent;
use serde_json::Value;

/// Shown where a NUL character was: visible, and storable.
const NUL_STANDIN: char = '\u{2400}';

/// `event` with every NUL character replaced by `␀`.
pub fn without_nul(event: BuildEvent) -> BuildEvent {
    match event {
        // Nearly every event is a log line: handled without a detour.
        BuildEvent::Log { stream, line } => BuildEvent::Log { stream, line: text_without_nul(line) },
        other => {
            let Ok(mut value) = serde_json::to_value(&other) else { return other };
            if !scrub(&mut value) {
                return other;
            }
            serde_json::from_value(value).unwrap_or(other)
        }
    }
}

pub fn text_without_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', &NUL_STANDIN.to_string())
    } else {
        text
    }
}

/// Replaces NULs in every string of `value`; answers whether it found any.
fn scrub(value: &mut Value) -> bool {
    match value {
        Value::String(text) if text.contains('\0') => {
            *text = text.replace('\0', &NUL_STANDIN.to_string());
            true
        }
        Value::Array(items) => items.iter_mut().fold(false, |found, item| scrub(item) | found),
        Value::Object(fields) => fields.values_mut().fold(false, |found, field| scrub(field) | found),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use app::model::builds::{LogStream, Severity};

    use super::*;

    #[test]
    fn nul_characters_in_any_event_become_a_visible_stand_in() {
        let log = without_nul(BuildEvent::Log { stream: LogStream::Stdout, line: "a\0b".into() });
        assert_eq!(log, BuildEvent::Log { stream: LogStream::Stdout, line: "a␀b".into() });
        let feature = without_nul(BuildEvent::FeatureStart {
            index: 0,
            description: "\0evil".into(),
            category: "ok".into(),
        });
        assert_eq!(
            feature,
            BuildEvent::FeatureStart { index: 0, description: "␀evil".into(), category: "ok".into() }
        );
        let clean =
            BuildEvent::Error { severity: Severity::Warning, message: "fine".into(), recovered: true };
        assert_eq!(without_nul(clean.clone()), clean);
        let json = serde_json::to_string(&feature).unwrap();
        assert!(!json.contains("\\u0000"), "{json}");
    }
}
