//! `feature_list.json`: the features with their test steps, in the format of
//! `agent_protocol::feature_list`, edited as JSON rather than through its
//! types: written with its keys in a fixed order, and keeping any others a
//! list may hold, so that marking a feature as passing rewrites the file
//! with only that one value changed.

use serde_json::{Map, Value};

const KEY_ORDER: [&str; 4] = ["category", "description", "steps", "passes"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeatureListError {
    #[error("it is not valid JSON ({0})")]
    NotJson(String),
    #[error("it is not a JSON array of feature objects")]
    NotAnArrayOfObjects,
    #[error("feature {0} has no description")]
    MissingDescription(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeatureList {
    entries: Vec<Map<String, Value>>,
}

impl FeatureList {
    /// A new list of functional features, none passing yet.
    pub fn planned(features: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        let entries = features
            .into_iter()
            .map(|(description, steps)| {
                let mut entry = Map::new();
                entry.insert("category".into(), Value::from("functional"));
                entry.insert("description".into(), Value::from(description));
                entry.insert("steps".into(), Value::from(steps));
                entry.insert("passes".into(), Value::Bool(false));
                entry
            })
            .collect();
        Self { entries }
    }

    pub fn parse(text: &str) -> Result<Self, FeatureListError> {
        let value: Value =
            serde_json::from_str(text).map_err(|error| FeatureListError::NotJson(error.to_string()))?;
        let Value::Array(items) = value else {
            return Err(FeatureListError::NotAnArrayOfObjects);
        };
        let entries = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::Object(map) if map.get("description").is_some_and(Value::is_string) => Ok(map),
                Value::Object(_) => Err(FeatureListError::MissingDescription(index)),
                _ => Err(FeatureListError::NotAnArrayOfObjects),
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { entries })
    }

    pub fn descriptions(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|entry| entry.get("description").and_then(Value::as_str).unwrap_or_default().to_owned())
            .collect()
    }

    #[cfg(test)]
    pub fn is_passing(&self, index: usize) -> bool {
        self.entries.get(index).and_then(|entry| entry.get("passes")).and_then(Value::as_bool) == Some(true)
    }

    /// The same list with feature `index` passing; everything else as it was.
    pub fn with_passing(&self, index: usize) -> Self {
        let mut list = self.clone();
        if let Some(entry) = list.entries.get_mut(index) {
            entry.insert("passes".into(), Value::Bool(true));
        }
        list
    }

    /// Pretty JSON, two spaces deep, the known keys first.
    pub fn to_json(&self) -> String {
        if self.entries.is_empty() {
            return "[]\n".into();
        }
        let entries: Vec<String> = self.entries.iter().map(entry_json).collect();
        format!("[\n{}\n]\n", entries.join(",\n"))
    }
}

fn entry_json(entry: &Map<String, Value>) -> String {
    let known = KEY_ORDER.iter().filter_map(|key| entry.get_key_value(*key));
    let others = entry.iter().filter(|(key, _)| !KEY_ORDER.contains(&key.as_str()));
    let fields: Vec<String> = known
        .chain(others)
        .map(|(key, value)| {
            let value = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
            format!("    {}: {}", Value::String(key.clone()), value.replace('\n', "\n    "))
        })
        .collect();
    format!("  {{\n{}\n  }}", fields.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_features() -> FeatureList {
        FeatureList::planned([
            ("Add a task".to_owned(), vec!["Type it".to_owned(), "Press Add".to_owned()]),
            ("Sort tasks".to_owned(), vec!["Press Sort".to_owned()]),
        ])
    }

    #[test]
    fn a_planned_list_is_valid_json_with_nothing_passing() {
        let text = two_features().to_json();
        let value: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(value[0]["category"], "functional");
        assert_eq!(value[0]["steps"][1], "Press Add");
        assert_eq!(value[1]["passes"], false);
        assert!(text.starts_with("[\n  {\n    \"category\": \"functional\",\n    \"description\""), "{text}");
    }

    #[test]
    fn marking_one_feature_changes_only_its_passes_value() {
        let before = two_features().to_json();
        let after = FeatureList::parse(&before).expect("parses").with_passing(1).to_json();
        let changed: Vec<(&str, &str)> =
            before.lines().zip(after.lines()).filter(|(old, new)| old != new).collect();
        assert_eq!(changed, [("    \"passes\": false", "    \"passes\": true")]);
        let after = FeatureList::parse(&after).expect("parses");
        assert!(!after.is_passing(0) && after.is_passing(1));
    }

    #[test]
    fn keys_it_does_not_know_are_kept() {
        let text = r#"[{"description": "Add", "passes": false, "priority": 2}]"#;
        let rewritten = FeatureList::parse(text).expect("parses").with_passing(0).to_json();
        let value: Value = serde_json::from_str(&rewritten).expect("valid JSON");
        assert_eq!(value[0]["priority"], 2);
        assert_eq!(value[0]["passes"], true);
    }

    #[test]
    fn a_list_that_is_not_an_array_of_features_is_refused() {
        assert_eq!(FeatureList::parse("{}"), Err(FeatureListError::NotAnArrayOfObjects));
        assert_eq!(FeatureList::parse(r#"[{"passes": true}]"#), Err(FeatureListError::MissingDescription(0)));
        assert!(matches!(FeatureList::parse("[oops"), Err(FeatureListError::NotJson(_))));
    }
}
