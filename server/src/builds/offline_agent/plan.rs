//! The offline agent's reading of a spec: the features it plans, from the
//! spec's Markdown (bullets under a features heading first, then any
//! bullets, then headings), each with test steps and a behaviour.

use serde::Serialize;

/// The most features the offline agent plans.
const MAX_FEATURES: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedFeature {
    pub category: String,
    pub description: String,
    pub steps: Vec<String>,
    pub passes: bool,
}

/// What a feature does to the app's state, chosen from its first verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Add,
    Remove,
    Toggle,
    Search,
    Rename,
    /// Anything else: the action is recorded in the app's history.
    Record,
}

impl Behaviour {
    pub fn of(description: &str) -> Self {
        let lower = description.to_lowercase();
        let first = lower.split(|c: char| !c.is_alphanumeric()).find(|word| !word.is_empty()).unwrap_or("");
        match first {
            "add" | "create" | "new" | "write" | "post" | "upload" | "save" => Behaviour::Add,
            "remove" | "delete" | "archive" | "clear" => Behaviour::Remove,
            "mark" | "toggle" | "complete" | "check" | "finish" | "star" | "favorite" | "favourite" => {
                Behaviour::Toggle
            }
            "search" | "filter" | "find" | "browse" | "list" | "view" | "show" | "sort" => Behaviour::Search,
            "edit" | "rename" | "update" | "change" | "modify" => Behaviour::Rename,
            _ => Behaviour::Record,
        }
    }

    fn steps(self, description: &str) -> Vec<String> {
        let steps: [&str; 3] = match self {
            Behaviour::Add => {
                ["Start with an empty list", "Do: {d}", "The new item is in the list, not done"]
            }
            Behaviour::Remove => {
                ["Start with two items", "Do: {d} for the first", "Only the second item is left"]
            }
            Behaviour::Toggle => {
                ["Start with one open item", "Do: {d}", "The item is done; doing it again reopens it"]
            }
            Behaviour::Search => [
                "Start with items of different titles",
                "Do: {d} with part of one title",
                "Only the matching items are shown",
            ],
            Behaviour::Rename => {
                ["Start with one item", "Do: {d} with a new title", "The item has the new title"]
            }
            Behaviour::Record => ["Start the app", "Do: {d}", "The app records that it was done"],
        };
        steps.iter().map(|step| step.replace("{d}", description)).collect()
    }
}

/// The features to build, in the spec's order.
pub fn plan_features(spec: &str) -> Vec<PlannedFeature> {
    let mut descriptions = bullets_under_feature_headings(spec);
    if descriptions.is_empty() {
        descriptions = spec.lines().filter_map(bullet).collect();
    }
    if descriptions.is_empty() {
        descriptions = spec.lines().filter_map(|line| heading(line).map(|(_, text)| text)).skip(1).collect();
    }
    if descriptions.is_empty() {
        descriptions.push("Show the app's main page".to_owned());
    }
    let mut seen = std::collections::HashSet::new();
    descriptions
        .into_iter()
        .map(|text| text.trim_end_matches(['.', ':']).trim().to_owned())
        .filter(|text| !text.is_empty() && seen.insert(text.to_lowercase()))
        .take(MAX_FEATURES)
        .map(|description| PlannedFeature {
            category: "functional".into(),
            steps: Behaviour::of(&description).steps(&description),
            description,
            passes: false,
        })
        .collect()
}

fn bullets_under_feature_headings(spec: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut inside: Option<usize> = None;
    for line in spec.lines() {
        if let Some((level, text)) = heading(line) {
            if inside.is_some_and(|open| level <= open) {
                inside = None;
            }
            if text.to_lowercase().contains("feature") {
                inside = Some(level);
            }
            continue;
        }
        if inside.is_some() {
            found.extend(bullet(line));
        }
    }
    found
}

fn heading(line: &str) -> Option<(usize, String)> {
    let trimmed = line.trim_start();
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    (level > 0 && trimmed[level..].starts_with(' ')).then(|| (level, trimmed[level..].trim().to_owned()))
}

/// A top-level bullet's text, without Markdown emphasis; nested bullets are details.
fn bullet(line: &str) -> Option<String> {
    let text = line.strip_prefix("- ").or_else(|| line.strip_prefix("* "))?;
    let text = text.trim_start_matches("[ ] ").trim_start_matches("[x] ").replace("**", "").replace('`', "");
    // "Title: details" keeps the title.
    let title = text.split(" — ").next().unwrap_or(&text);
    let title = match title.split_once(": ") {
        Some((head, _)) if head.len() >= 3 => head,
        _ => title,
    };
    Some(title.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bullets_under_a_features_heading_become_the_features() {
        let spec = "# Todo\n\nIntro.\n- not a feature\n\n## Core features\n- **Add a todo**: with a title\n- Mark a todo as done\n  - nested detail\n- Add a todo\n\n## Pages\n- Home\n";
        let features = plan_features(spec);
        let names: Vec<&str> = features.iter().map(|feature| feature.description.as_str()).collect();
        assert_eq!(names, ["Add a todo", "Mark a todo as done"]);
        assert!(features.iter().all(|feature| !feature.passes && feature.steps.len() == 3));
    }

    #[test]
    fn without_a_features_heading_any_bullets_then_headings_are_used() {
        assert_eq!(plan_features("# App\n* Search notes\n").len(), 1);
        let from_headings = plan_features("# App\n## Sign in\n## Dashboard\n");
        assert_eq!(
            from_headings.iter().map(|f| f.description.as_str()).collect::<Vec<_>>(),
            ["Sign in", "Dashboard"]
        );
        assert_eq!(plan_features("just words").len(), 1);
    }

    #[test]
    fn the_first_verb_picks_the_behaviour() {
        assert_eq!(Behaviour::of("Add a todo"), Behaviour::Add);
        assert_eq!(Behaviour::of("Delete a note"), Behaviour::Remove);
        assert_eq!(Behaviour::of("Mark a todo as done"), Behaviour::Toggle);
        assert_eq!(Behaviour::of("Search notes"), Behaviour::Search);
        assert_eq!(Behaviour::of("Rename a list"), Behaviour::Rename);
        assert_eq!(Behaviour::of("Sign in"), Behaviour::Record);
    }
}
