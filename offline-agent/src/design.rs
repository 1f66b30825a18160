//! How each feature of the list becomes code: a title for the page, a slug
//! for its file names (unique and safe on any file system), and the
//! behaviour its module implements.

use std::collections::HashSet;

use super::behaviour::Behaviour;
use super::spec::cut_at_word;

const MAX_TITLE_CHARS: usize = 60;
const MAX_SLUG_WORDS: usize = 5;
/// Names the app's own files already use (`src/features/index.js`, `test/app.test.js`).
const RESERVED_SLUGS: [&str; 2] = ["index", "app"];

const PYTHON_KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
    "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureDesign {
    /// Its place in `feature_list.json`, from 0.
    pub index: usize,
    pub description: String,
    pub title: String,
    pub slug: String,
    pub behaviour: Behaviour,
}

impl FeatureDesign {
    /// A Python module name for the slug: an identifier that is not a keyword.
    pub fn python_module(&self) -> String {
        let name = self.slug.replace('-', "_");
        let is_identifier = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if is_identifier && !PYTHON_KEYWORDS.contains(&name.as_str()) {
            name
        } else {
            format!("feature_{name}")
        }
    }
}

/// The designs of a whole feature list; the same list always gives the same designs.
pub fn design_features<S: AsRef<str>>(descriptions: &[S]) -> Vec<FeatureDesign> {
    let mut taken: HashSet<String> = RESERVED_SLUGS.iter().map(|slug| (*slug).to_owned()).collect();
    descriptions
        .iter()
        .enumerate()
        .map(|(index, description)| {
            let description = description.as_ref().split_whitespace().collect::<Vec<_>>().join(" ");
            let title = title_of(&description);
            let slug = unique_slug(&slugify(&title, MAX_SLUG_WORDS, "feature"), index, &mut taken);
            let behaviour = Behaviour::for_description(&description);
            FeatureDesign { index, description, title, slug, behaviour }
        })
        .collect()
}

/// The part of a description before its detail (`Title: detail`), kept short.
pub fn title_of(description: &str) -> String {
    let head = [": ", " — ", " - "]
        .iter()
        .filter_map(|separator| description.find(separator))
        .min()
        .map_or(description, |end| &description[..end]);
    let title = cut_at_word(head.trim(), MAX_TITLE_CHARS);
    if title.is_empty() {
        "Untitled feature".to_owned()
    } else {
        title
    }
}

/// Lower-case ASCII words joined by hyphens, or `fallback` when none are left.
pub fn slugify(text: &str, max_words: usize, fallback: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(max_words)
        .map(str::to_ascii_lowercase)
        .collect();
    if words.is_empty() {
        fallback.to_owned()
    } else {
        words.join("-")
    }
}

fn unique_slug(slug: &str, index: usize, taken: &mut HashSet<String>) -> String {
    let mut candidate = slug.to_owned();
    let mut suffix = index + 1;
    while taken.contains(&candidate) {
        candidate = format!("{slug}-{suffix}");
        suffix += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs(descriptions: &[&str]) -> Vec<String> {
        design_features(descriptions).into_iter().map(|design| design.slug).collect()
    }

    #[test]
    fn slugs_are_unique_and_safe_in_file_names() {
        assert_eq!(
            slugs(&["Add a task", "Add a task!", "Ajouter une tâche: vite", "日本語", "Index"]),
            ["add-a-task", "add-a-task-2", "ajouter-une-t-che", "feature", "index-5"]
        );
    }

    #[test]
    fn the_title_is_the_description_before_its_detail() {
        let designs = design_features(&["Save recipes: Users can save recipes", "Plan the week"]);
        assert_eq!(designs[0].title, "Save recipes");
        assert_eq!(designs[0].slug, "save-recipes");
        assert_eq!(designs[1].title, "Plan the week");
    }

    #[test]
    fn python_modules_are_identifiers_but_not_keywords() {
        let designs = design_features(&["3D view", "Import", "Add a task"]);
        let modules: Vec<String> = designs.iter().map(FeatureDesign::python_module).collect();
        assert_eq!(modules, ["feature_3d_view", "feature_import", "add_a_task"]);
    }
}
