//! The answers of the spec wizard and the app specification they make: plain
//! data and text, identical in the browser (the live preview) and on the server.

use serde::{Deserialize, Serialize};

/// What a spec is called when its outline has no name yet.
pub const UNTITLED_APP: &str = "Untitled app";

/// The wizard's answers. Every struct defaults missing fields, so a draft
/// saved before a field existed still loads.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(default)]
pub struct SpecOutline {
    pub name: String,
    /// One line: what the app does and for whom.
    pub pitch: String,
    pub target_users: String,
    /// In order of importance, most important first.
    pub features: Vec<FeatureIdea>,
    /// The main data the app stores.
    pub data: String,
    /// The pages or screens.
    pub pages: String,
    /// Free text; empty means the builder chooses.
    pub stack: String,
    pub quality: QualityBar,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(default)]
pub struct FeatureIdea {
    pub title: String,
    pub detail: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(default)]
pub struct QualityBar {
    pub tests: TestLevel,
    pub needs_auth: bool,
    pub deployment: String,
}

/// How much automated testing the builder owes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TestLevel {
    Essential,
    #[default]
    Thorough,
    Exhaustive,
}

impl TestLevel {
    pub const ALL: [TestLevel; 3] = [TestLevel::Essential, TestLevel::Thorough, TestLevel::Exhaustive];

    pub fn label(self) -> &'static str {
        match self {
            TestLevel::Essential => "Essential",
            TestLevel::Thorough => "Thorough",
            TestLevel::Exhaustive => "Exhaustive",
        }
    }

    /// One line for a person choosing the level.
    pub fn summary(self) -> &'static str {
        match self {
            TestLevel::Essential => "The main path of every feature is tested.",
            TestLevel::Thorough => "Main paths, error cases and edge cases are tested.",
            TestLevel::Exhaustive => {
                "Unit, integration and end-to-end tests for everything, accessibility included."
            }
        }
    }

    /// The testing rule for the whole app, as the spec states it.
    fn policy(self) -> &'static str {
        match self {
            TestLevel::Essential => {
                "Automated tests cover the main path of every core feature. The app builds and its tests pass with one command."
            }
            TestLevel::Thorough => {
                "Automated unit and integration tests cover every core feature: its main path, its error cases and its edge cases. The app builds and its tests pass with one command."
            }
            TestLevel::Exhaustive => {
                "Unit, integration and end-to-end tests cover every core feature: its main path, every error case and its edge cases, and every page is checked for accessibility. The app builds and its tests pass with one command."
            }
        }
    }

    /// The acceptance criterion about tests that every feature gets.
    fn feature_criterion(self) -> &'static str {
        match self {
            TestLevel::Essential => "An automated test covers its main path.",
            TestLevel::Thorough => "Automated tests cover its main path, its error cases and its edge cases.",
            TestLevel::Exhaustive => {
                "Unit, integration and end-to-end tests cover its main path, every error case and its edge cases."
            }
        }
    }
}

impl SpecOutline {
    /// Enough to make a useful spec: a name, a pitch and one named feature.
    pub fn is_ready(&self) -> bool {
        self.missing().is_empty()
    }

    /// What `is_ready` still waits for, as a person would list it.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if is_blank(&self.name) {
            missing.push("A name for the app");
        }
        if is_blank(&self.pitch) {
            missing.push("A one-line pitch");
        }
        if !self.features.iter().any(|feature| !is_blank(&feature.title)) {
            missing.push("At least one core feature with a title");
        }
        missing
    }

    /// The complete app specification in Markdown. Every section is always
    /// there: an unanswered one says the builder decides, so a builder never
    /// has to guess whether something was forgotten or left open on purpose.
    pub fn to_markdown(&self) -> String {
        // Blocks are separated by one blank line; a block may span lines (a list).
        let mut blocks: Vec<String> = Vec::new();
        let name = one_line(&self.name);
        blocks.push(format!("# {}", if name.is_empty() { UNTITLED_APP } else { name.as_str() }));

        blocks.push("## Overview".into());
        blocks.push(answer_or(
            &one_line(&self.pitch),
            "To be decided by the builder: no one-line pitch has been given yet, so infer the app's purpose from the sections below and state it in the README.",
        ));

        blocks.push("## Target users".into());
        blocks.push(answer_or(
            &self.target_users,
            "To be decided by the builder: assume a general audience with no special training, and state that assumption in the README.",
        ));

        blocks.push("## Core features".into());
        self.push_features(&mut blocks);

        blocks.push("## Data model".into());
        blocks.push(answer_or(
            &self.data,
            "To be decided by the builder, from what the core features need to store.",
        ));

        blocks.push("## Pages and screens".into());
        blocks.push(answer_or(
            &self.pages,
            "To be decided by the builder, from what the core features need to show.",
        ));

        blocks.push("## Technology stack".into());
        blocks.push(answer_or(
            &self.stack,
            "To be decided by the builder: choose a mainstream, well-supported stack that fits the features, and explain the choice in the README.",
        ));

        blocks.push("## Quality bar".into());
        blocks.push(self.quality_list());

        blocks.push("## Out of scope and open questions".into());
        blocks.push("Anything not described above is out of scope for the first version.".into());
        let questions = self.open_questions();
        if questions.is_empty() {
            blocks.push("There are no open questions: every section above has an answer.".into());
        } else {
            blocks.push(
                "These questions are still open; the builder answers them with their best judgement and notes each answer in the README:"
                    .into(),
            );
            blocks.push(bullets(questions.into_iter().map(String::from)));
        }

        let mut markdown = blocks.join("\n\n");
        markdown.push('\n');
        markdown
    }

    fn push_features(&self, blocks: &mut Vec<String>) {
        // A row the user added but left empty is not a feature.
        let features =
            self.features.iter().filter(|feature| !is_blank(&feature.title) || !is_blank(&feature.detail));
        let mut number = 0;
        for feature in features {
            number += 1;
            let title = one_line(&feature.title);
            let title = if title.is_empty() { "Untitled feature".to_owned() } else { title };
            blocks.push(format!("### {number}. {title}"));
            blocks.push(answer_or(
                &feature.detail,
                "No further detail was given; the builder decides the specifics.",
            ));
            blocks.push("**Acceptance criteria**".into());
            blocks.push(bullets(self.acceptance_criteria(&title)));
        }
        if number == 0 {
            blocks.push(
                "To be decided by the builder: no features have been listed yet, so propose the smallest set that fulfils the overview and describe it in the README before building."
                    .into(),
            );
        }
    }

    /// The same criteria for every feature, shaped by the quality bar, so
    /// each feature has a definition of done without the user writing one.
    fn acceptance_criteria(&self, title: &str) -> Vec<String> {
        let mut criteria = vec![
            format!("\u{201c}{title}\u{201d} works from start to finish for a user, as described above."),
            "Invalid input and failures show a clear message that says what went wrong and what to do next; nothing the user entered is lost."
                .to_owned(),
            "It can be used with a keyboard alone and on small and wide screens.".to_owned(),
        ];
        if self.quality.needs_auth {
            criteria.push(
                "Only signed-in users can use it, and each user sees and changes only their own data."
                    .to_owned(),
            );
        }
        criteria.push(self.quality.tests.feature_criterion().to_owned());
        criteria
    }

    fn quality_list(&self) -> String {
        let quality = &self.quality;
        let authentication = if quality.needs_auth {
            "Required. People sign up and sign in with an account; every page except sign-up and sign-in requires a session, and each user sees and changes only their own data."
        } else {
            "Not required. The app is used without accounts; do not add sign-up or sign-in."
        };
        let deployment = answer_or(
            &one_line(&quality.deployment),
            "To be decided by the builder; the README explains how to run the app locally and how to deploy it.",
        );
        bullets([
            format!("**Testing ({}):** {}", quality.tests.label().to_lowercase(), quality.tests.policy()),
            format!("**Authentication:** {authentication}"),
            format!("**Deployment:** {deployment}"),
        ])
    }

    fn open_questions(&self) -> Vec<&'static str> {
        let has_features =
            self.features.iter().any(|feature| !is_blank(&feature.title) || !is_blank(&feature.detail));
        [
            (is_blank(&self.name), "What is the app called?"),
            (is_blank(&self.pitch), "What does the app do, in one sentence?"),
            (is_blank(&self.target_users), "Who are the users, and what do they need most?"),
            (!has_features, "Which features does the first version need?"),
            (is_blank(&self.data), "What data does the app store, and how do the pieces relate?"),
            (is_blank(&self.pages), "Which pages or screens does the app have?"),
            (is_blank(&self.stack), "Which technology stack should the app use?"),
            (is_blank(&self.quality.deployment), "Where and how is the app deployed?"),
        ]
        .into_iter()
        .filter_map(|(is_open, question)| is_open.then_some(question))
        .collect()
    }
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// `text` with every run of whitespace, line breaks included, as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The answer as typed (trimmed, its own line breaks kept), or `fallback`.
fn answer_or(text: &str, fallback: &str) -> String {
    let text = text.trim();
    let chosen = if text.is_empty() { fallback } else { text };
    chosen.to_owned()
}

fn bullets(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().map(|item| format!("- {item}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECTIONS: [&str; 8] = [
        "## Overview",
        "## Target users",
        "## Core features",
        "## Data model",
        "## Pages and screens",
        "## Technology stack",
        "## Quality bar",
        "## Out of scope and open questions",
    ];

    fn feature(title: &str, detail: &str) -> FeatureIdea {
        FeatureIdea { title: title.into(), detail: detail.into() }
    }

    fn recipe_box() -> SpecOutline {
        SpecOutline {
            name: "Recipe Box".into(),
            pitch: "Keep family recipes\nin one place.".into(),
            target_users: "Home cooks.".into(),
            features: vec![
                feature("Add a recipe", "Title, ingredients and steps."),
                feature("Search recipes", "By title or ingredient."),
                feature("Share a recipe", "A read-only link."),
            ],
            data: "Recipes with ingredients.".into(),
            pages: "List, detail, editor.".into(),
            stack: "Rust and PostgreSQL".into(),
            quality: QualityBar { tests: TestLevel::Thorough, needs_auth: true, deployment: "Docker".into() },
        }
    }

    #[test]
    fn name_is_the_level_one_heading() {
        let markdown = recipe_box().to_markdown();
        assert!(markdown.starts_with("# Recipe Box\n\n## Overview"), "{markdown}");
    }

    #[test]
    fn features_are_numbered_in_order() {
        let markdown = recipe_box().to_markdown();
        let positions: Vec<usize> = ["### 1. Add a recipe", "### 2. Search recipes", "### 3. Share a recipe"]
            .iter()
            .map(|heading| {
                markdown.find(heading).unwrap_or_else(|| panic!("{heading} missing in {markdown}"))
            })
            .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{markdown}");
    }

    #[test]
    fn empty_feature_rows_are_skipped_without_a_gap_in_numbering() {
        let mut outline = recipe_box();
        outline.features.insert(1, feature("  ", ""));
        let markdown = outline.to_markdown();
        assert!(markdown.contains("### 2. Search recipes"), "{markdown}");
        assert!(!markdown.contains("### 4."), "{markdown}");
    }

    #[test]
    fn every_feature_has_acceptance_criteria_naming_it() {
        let markdown = recipe_box().to_markdown();
        assert_eq!(markdown.matches("**Acceptance criteria**").count(), 3);
        assert!(
            markdown.contains("- \u{201c}Search recipes\u{201d} works from start to finish"),
            "{markdown}"
        );
    }

    #[test]
    fn every_section_is_present_whether_answered_or_not() {
        for outline in [recipe_box(), SpecOutline::default()] {
            let markdown = outline.to_markdown();
            let mut last = 0;
            for section in SECTIONS {
                let at = markdown.find(section).unwrap_or_else(|| panic!("{section} missing in {markdown}"));
                assert!(at > last, "{section} out of order in {markdown}");
                last = at;
            }
        }
    }

    #[test]
    fn empty_answers_fall_back_to_the_builder_deciding() {
        let markdown = SpecOutline::default().to_markdown();
        assert!(markdown.starts_with("# Untitled app\n"), "{markdown}");
        // Overview, users, features, data, pages, stack and deployment.
        assert_eq!(markdown.matches("To be decided by the builder").count(), 7, "{markdown}");
        assert!(markdown.contains("- Which features does the first version need?"), "{markdown}");
        // No section is left with an empty body.
        let lines: Vec<&str> = markdown.lines().filter(|line| !line.is_empty()).collect();
        for pair in lines.windows(2) {
            assert!(!(pair[0].starts_with("## ") && pair[1].starts_with('#')), "{} has no body", pair[0]);
        }
    }

    #[test]
    fn a_complete_outline_has_no_open_questions() {
        let markdown = recipe_box().to_markdown();
        assert!(!markdown.contains("To be decided by the builder"), "{markdown}");
        assert!(markdown.contains("There are no open questions"), "{markdown}");
    }

    #[test]
    fn the_pitch_is_kept_on_one_line() {
        let markdown = recipe_box().to_markdown();
        assert!(markdown.contains("## Overview\n\nKeep family recipes in one place.\n"), "{markdown}");
    }

    #[test]
    fn test_level_changes_the_testing_wording() {
        let mut outline = recipe_box();
        let rendered: Vec<String> = TestLevel::ALL
            .into_iter()
            .map(|level| {
                outline.quality.tests = level;
                outline.to_markdown()
            })
            .collect();
        assert!(rendered[0].contains("**Testing (essential):**"), "{}", rendered[0]);
        assert!(rendered[0].contains("- An automated test covers its main path."));
        assert!(rendered[2].contains("end-to-end tests"), "{}", rendered[2]);
        assert_ne!(rendered[0], rendered[1]);
        assert_ne!(rendered[1], rendered[2]);
    }

    #[test]
    fn authentication_is_stated_either_way() {
        let mut outline = recipe_box();
        assert!(outline.to_markdown().contains("**Authentication:** Required."));
        outline.quality.needs_auth = false;
        let markdown = outline.to_markdown();
        assert!(markdown.contains("**Authentication:** Not required."), "{markdown}");
        assert!(!markdown.contains("Only signed-in users can use it"), "{markdown}");
    }

    #[test]
    fn readiness_needs_a_name_a_pitch_and_a_named_feature() {
        assert!(recipe_box().is_ready());
        let empty = SpecOutline::default();
        assert!(!empty.is_ready());
        assert_eq!(
            empty.missing(),
            ["A name for the app", "A one-line pitch", "At least one core feature with a title"]
        );
        let untitled_feature = SpecOutline { features: vec![feature(" ", "details only")], ..recipe_box() };
        assert_eq!(untitled_feature.missing(), ["At least one core feature with a title"]);
    }

    #[test]
    fn a_draft_saved_without_newer_fields_still_loads() {
        let outline: SpecOutline = serde_json::from_str(r#"{"name":"Notes","features":[{"title":"Write"}]}"#)
            .expect("a partial draft deserialises");
        assert_eq!(outline.name, "Notes");
        assert_eq!(outline.features, [feature("Write", "")]);
        assert_eq!(outline.quality.tests, TestLevel::Thorough);
    }
}
