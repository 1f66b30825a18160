//! Reads an app spec the way a builder skims it: the app's name from its
//! title, and its features from the bullets or sub-headings under a
//! "Features" heading; failing that, from any bullets, then any headings.

use std::collections::HashSet;

/// More would make a build of the offline agent long to watch and no more convincing.
pub const MAX_FEATURES: usize = 12;
/// Steps a spec gives a feature itself (nested bullets, acceptance criteria) that are kept.
const MAX_SPEC_STEPS: usize = 2;
const MAX_DESCRIPTION_CHARS: usize = 160;
const MAX_NAME_CHARS: usize = 60;

/// Headings whose bullets describe something other than features.
const NOT_FEATURE_SECTIONS: [&str; 7] =
    ["out of scope", "non-goal", "non goal", "question", "non-functional", "stack", "technolog"];

/// What the spec outline writes when a feature has no detail; not worth repeating.
const NO_DETAIL: &str = "No further detail";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedApp {
    pub name: String,
    pub features: Vec<PlannedFeature>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFeature {
    pub description: String,
    /// What the spec itself says must hold, when it says anything.
    pub criteria: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Heading { level: usize, text: String },
    Bullet { is_nested: bool, text: String },
    Text(String),
}

pub fn plan_app(spec: &str) -> PlannedApp {
    let lines = parse_lines(spec);
    let name = app_name(&lines);
    let from_features_section =
        features_section(&lines).map(|(level, body)| tidy(features_in_section(level, body)));
    let features =
        [from_features_section, Some(tidy(bullet_features(&lines))), Some(tidy(heading_features(&lines)))]
            .into_iter()
            .flatten()
            .find(|features| !features.is_empty())
            .unwrap_or_else(|| {
                vec![PlannedFeature {
                    description: format!("Add items to {name} and see them listed"),
                    criteria: Vec::new(),
                }]
            });
    PlannedApp { name, features }
}

fn parse_lines(spec: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut is_in_code_block = false;
    for raw in spec.lines() {
        let trimmed = raw.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            is_in_code_block = !is_in_code_block;
            continue;
        }
        if !is_in_code_block && !trimmed.is_empty() {
            lines.push(classify(raw));
        }
    }
    lines
}

fn classify(raw: &str) -> Line {
    let trimmed = raw.trim();
    let hashes = trimmed.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
        let text = trimmed[hashes..].trim().trim_end_matches('#').trim();
        return Line::Heading { level: hashes, text: strip_numbering(text).to_owned() };
    }
    if let Some(text) = list_item_text(trimmed) {
        let indent: usize =
            raw.chars().take_while(|c| c.is_whitespace()).map(|c| if c == '\t' { 4 } else { 1 }).sum();
        return Line::Bullet { is_nested: indent >= 2, text: text.to_owned() };
    }
    Line::Text(trimmed.to_owned())
}

/// The text of a list item: `- x`, `* x`, `+ x`, `1. x` or `1) x`.
fn list_item_text(line: &str) -> Option<&str> {
    if let Some(rest) = ["- ", "* ", "+ "].iter().find_map(|marker| line.strip_prefix(marker)) {
        return Some(rest.trim());
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        return rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")).map(str::trim);
    }
    None
}

/// `1. Save recipes` → `Save recipes`.
fn strip_numbering(text: &str) -> &str {
    list_item_text(text).filter(|_| text.starts_with(|c: char| c.is_ascii_digit())).unwrap_or(text)
}

fn app_name(lines: &[Line]) -> String {
    let title = lines.iter().find_map(|line| match line {
        Line::Heading { level: 1, text } => Some(text.as_str()),
        _ => None,
    });
    let first_text = lines.iter().find_map(|line| match line {
        Line::Text(text) => Some(text.as_str()),
        _ => None,
    });
    title.or(first_text).and_then(|text| clean(text, MAX_NAME_CHARS)).unwrap_or_else(|| "The app".to_owned())
}

/// The level and lines of the first section whose heading names features,
/// down to the next heading of the same or a higher level.
fn features_section(lines: &[Line]) -> Option<(usize, &[Line])> {
    let (start, level) = lines.iter().enumerate().find_map(|(at, line)| match line {
        Line::Heading { level, text } if names_features(text) => Some((at, *level)),
        _ => None,
    })?;
    let body = &lines[start + 1..];
    let end = body
        .iter()
        .position(|line| matches!(line, Line::Heading { level: other, .. } if *other <= level))
        .unwrap_or(body.len());
    Some((level, &body[..end]))
}

fn names_features(heading: &str) -> bool {
    heading.to_lowercase().contains("feature") && !is_about_something_else(heading)
}

fn is_about_something_else(heading: &str) -> bool {
    let heading = heading.to_lowercase();
    NOT_FEATURE_SECTIONS.iter().any(|words| heading.contains(words))
}

/// Sub-headings are features when there are any (the platform's own specs
/// write `### 1. Title`, a paragraph, then acceptance criteria); else the
/// section's bullets are.
fn features_in_section(level: usize, body: &[Line]) -> Vec<PlannedFeature> {
    let has_sub_headings =
        body.iter().any(|line| matches!(line, Line::Heading { level: other, .. } if *other > level));
    if !has_sub_headings {
        return features_from_bullets(body);
    }
    let mut features: Vec<PlannedFeature> = Vec::new();
    let mut has_detail = false;
    for line in body {
        match line {
            Line::Heading { text, .. } => {
                features.push(PlannedFeature { description: text.clone(), criteria: Vec::new() });
                has_detail = false;
            }
            Line::Text(text) if !has_detail && !is_label(text) && !text.starts_with(NO_DETAIL) => {
                if let Some(feature) = features.last_mut() {
                    feature.description = format!("{}: {}", feature.description, first_sentence(text));
                    has_detail = true;
                }
            }
            Line::Bullet { text, .. } => {
                if let Some(feature) = features.last_mut() {
                    feature.criteria.push(text.clone());
                }
            }
            Line::Text(_) => {}
        }
    }
    features
}

/// Top-level bullets are features; bullets nested under one are its steps.
fn features_from_bullets<'a>(lines: impl IntoIterator<Item = &'a Line>) -> Vec<PlannedFeature> {
    let mut features: Vec<PlannedFeature> = Vec::new();
    for line in lines {
        match line {
            Line::Bullet { is_nested: false, text } => {
                features.push(PlannedFeature { description: text.clone(), criteria: Vec::new() })
            }
            Line::Bullet { is_nested: true, text } => {
                if let Some(feature) = features.last_mut() {
                    feature.criteria.push(text.clone());
                }
            }
            _ => {}
        }
    }
    features
}

/// Bullets anywhere, except in sections about something other than features.
fn bullet_features(lines: &[Line]) -> Vec<PlannedFeature> {
    let mut is_skipped = false;
    let kept = lines.iter().filter(|line| {
        if let Line::Heading { text, .. } = line {
            is_skipped = is_about_something_else(text);
        }
        !is_skipped
    });
    features_from_bullets(kept)
}

fn heading_features(lines: &[Line]) -> Vec<PlannedFeature> {
    lines
        .iter()
        .filter_map(|line| match line {
            Line::Heading { level, text } if *level >= 2 && !is_about_something_else(text) => {
                Some(PlannedFeature { description: text.clone(), criteria: Vec::new() })
            }
            _ => None,
        })
        .collect()
}

/// A line such as `**Acceptance criteria**` or `Steps:` that introduces what follows.
fn is_label(text: &str) -> bool {
    (text.starts_with("**") && text.ends_with("**")) || text.ends_with(':')
}

fn first_sentence(text: &str) -> &str {
    text.find(". ").map_or(text, |end| &text[..end])
}

/// Cleaned, without duplicates (ignoring case and punctuation), at most [`MAX_FEATURES`].
fn tidy(features: Vec<PlannedFeature>) -> Vec<PlannedFeature> {
    let mut seen = HashSet::new();
    features
        .into_iter()
        .filter_map(|feature| {
            let description = clean(&feature.description, MAX_DESCRIPTION_CHARS)?;
            let key: String =
                description.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
            if !seen.insert(key) {
                return None;
            }
            let criteria = feature
                .criteria
                .iter()
                .filter_map(|criterion| clean(criterion, MAX_DESCRIPTION_CHARS))
                .take(MAX_SPEC_STEPS)
                .collect();
            Some(PlannedFeature { description, criteria })
        })
        .take(MAX_FEATURES)
        .collect()
}

/// One line of plain text without Markdown emphasis or a checkbox, or
/// `None` when too little of it is left to mean anything.
fn clean(text: &str, max_chars: usize) -> Option<String> {
    let text = text.trim();
    let text = ["[ ]", "[x]", "[X]"].iter().find_map(|checkbox| text.strip_prefix(checkbox)).unwrap_or(text);
    let text = text.replace("**", "").replace("__", "").replace('`', "");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.trim_end_matches(['.', ':', ';', ',']).trim();
    if text.chars().filter(|c| c.is_alphanumeric()).count() < 3 {
        return None;
    }
    Some(capitalise(&cut_at_word(text, max_chars)))
}

/// At most `max_chars` characters, cut at a space when it has to be cut.
pub fn cut_at_word(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |space| &cut[..space]);
    cut.trim_end_matches(|c: char| !c.is_alphanumeric()).to_owned()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use app::model::spec_outline::{FeatureIdea, SpecOutline};

    use super::*;

    fn descriptions(app: &PlannedApp) -> Vec<&str> {
        app.features.iter().map(|feature| feature.description.as_str()).collect()
    }

    #[test]
    fn bullets_under_the_features_heading_are_the_features() {
        let app = plan_app(
            "# Pantry\n\nKeep track of food.\n\n## Users\n\n- Busy cooks\n\n## Core features\n\n\
             - Add a food item\n  - Type its name\n  - Press Add\n- **Search** the pantry\n\n## Out of scope\n\n- Recipes\n",
        );
        assert_eq!(app.name, "Pantry");
        assert_eq!(descriptions(&app), ["Add a food item", "Search the pantry"]);
        assert_eq!(app.features[0].criteria, ["Type its name", "Press Add"]);
    }

    #[test]
    fn the_platforms_own_specs_give_one_feature_per_sub_heading() {
        let outline = SpecOutline {
            name: "Family Table".into(),
            pitch: "Plan the week's meals together.".into(),
            features: vec![
                FeatureIdea { title: "Save recipes".into(), detail: "Users can save recipes. More.".into() },
                FeatureIdea { title: "Plan the week".into(), detail: String::new() },
            ],
            ..SpecOutline::default()
        };
        let app = plan_app(&outline.to_markdown());
        assert_eq!(app.name, "Family Table");
        assert_eq!(descriptions(&app), ["Save recipes: Users can save recipes", "Plan the week"]);
        assert_eq!(app.features[0].criteria.len(), MAX_SPEC_STEPS);
        assert!(app.features[0].criteria[0].contains("Save recipes"), "{:?}", app.features[0].criteria);
    }

    #[test]
    fn without_a_features_heading_other_bullets_are_used() {
        let app = plan_app(
            "# Notes\n\n## What it does\n\n1. Write a note\n2. Pin a note\n\n## Tech stack\n\n- Rust\n",
        );
        assert_eq!(descriptions(&app), ["Write a note", "Pin a note"]);
    }

    #[test]
    fn without_bullets_the_headings_are_used() {
        let app = plan_app("# Diary\n\n## Write an entry\n\nText.\n\n## Read old entries\n\nText.\n");
        assert_eq!(descriptions(&app), ["Write an entry", "Read old entries"]);
    }

    #[test]
    fn a_spec_without_structure_still_plans_one_feature() {
        let app = plan_app("A place to keep my bookmarks.");
        assert_eq!(app.name, "A place to keep my bookmarks");
        assert_eq!(app.features.len(), 1);
    }

    #[test]
    fn duplicates_are_dropped_and_the_list_is_capped() {
        let bullets: String =
            (1..=20).map(|n| format!("- Feature number {n}\n- feature NUMBER {n}.\n")).collect();
        let app = plan_app(&format!("# Many\n\n## Features\n\n{bullets}"));
        assert_eq!(app.features.len(), MAX_FEATURES);
        assert_eq!(descriptions(&app)[..2], ["Feature number 1", "Feature number 2"]);
    }

    #[test]
    fn code_blocks_are_not_read_as_features() {
        let app = plan_app("# Tool\n\n## Features\n\n- Export a report\n\n```\n- not a feature\n```\n");
        assert_eq!(descriptions(&app), ["Export a report"]);
    }

    #[test]
    fn long_descriptions_are_cut_at_a_word() {
        let cut = cut_at_word("alpha beta gamma", 12);
        assert_eq!(cut, "alpha beta");
    }
}
