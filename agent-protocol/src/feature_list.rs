//! `feature_list.json` ([`FEATURE_LIST_FILE`]): the features the initializer
//! planned, each with its test steps and whether it passes. The harness reads
//! it after every session; the agent is the one that writes it.
//!
//! [`FEATURE_LIST_FILE`]: crate::harness::FEATURE_LIST_FILE

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feature {
    #[serde(default)]
    pub category: String,
    pub description: String,
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(default)]
    pub passes: bool,
}

/// The feature list, or why it cannot be read.
pub fn parse_feature_list(bytes: &[u8]) -> Result<Vec<Feature>, String> {
    let features: Vec<Feature> = serde_json::from_slice(bytes)
        .map_err(|error| format!("feature_list.json is not a list of features: {error}"))?;
    if features.is_empty() {
        return Err("feature_list.json lists no features".into());
    }
    if let Some(blank) = features.iter().position(|feature| feature.description.trim().is_empty()) {
        return Err(format!("feature {blank} of feature_list.json has no description"));
    }
    Ok(features)
}

pub fn passing_count(features: &[Feature]) -> usize {
    features.iter().filter(|feature| feature.passes).count()
}

/// The first feature that does not pass yet, in the list's order (the
/// initializer orders them by priority).
pub fn next_failing(features: &[Feature]) -> Option<(usize, &Feature)> {
    features.iter().enumerate().find(|(_, feature)| !feature.passes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_feature_is_the_first_that_does_not_pass() {
        let features = parse_feature_list(
            br#"[{"category":"functional","description":"Add","steps":["a"],"passes":true},
                 {"description":"Remove","passes":false},{"description":"Edit"}]"#,
        )
        .unwrap();
        assert_eq!(passing_count(&features), 1);
        assert_eq!(
            next_failing(&features).map(|(index, feature)| (index, feature.description.as_str())),
            Some((1, "Remove"))
        );
    }

    #[test]
    fn unreadable_or_empty_lists_say_why() {
        assert!(parse_feature_list(b"{}").unwrap_err().contains("not a list"));
        assert!(parse_feature_list(b"[]").unwrap_err().contains("no features"));
        assert!(parse_feature_list(br#"[{"description":" "}]"#).unwrap_err().contains("no description"));
    }
}
