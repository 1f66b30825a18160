//! What a feature's code does, chosen from the words of its description.
//! Every feature of an offline-built app acts on one shared list of items,
//! in one of a few ways; each way has its code and tests in every stack.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Behaviour {
    Add,
    Remove,
    Rename,
    Complete,
    Search,
    Sort,
    Summarise,
}

/// Checked in this order, the first with a matching word wins; a feature
/// matching none adds items. A trailing `*` matches any word starting so.
const KEYWORDS: [(Behaviour, &[&str]); 6] = [
    (Behaviour::Search, &["search*", "filter*", "find", "finds", "browse", "look", "lookup", "query"]),
    (
        Behaviour::Summarise,
        &[
            "summar*",
            "statistic*",
            "stats",
            "count",
            "counts",
            "total",
            "totals",
            "report",
            "reports",
            "dashboard",
            "overview",
            "progress",
        ],
    ),
    (Behaviour::Sort, &["sort*", "alphabetic*", "reorder*", "rank*"]),
    (Behaviour::Remove, &["delet*", "remov*", "archiv*", "discard*", "clear"]),
    (Behaviour::Rename, &["edit*", "renam*", "updat*", "chang*", "modif*"]),
    (Behaviour::Complete, &["complet*", "done", "finish*", "toggl*", "mark", "marks", "tick"]),
];

impl Behaviour {
    pub fn for_description(description: &str) -> Self {
        let words: Vec<String> = description
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect();
        let matches = |keyword: &str| match keyword.strip_suffix('*') {
            Some(stem) => words.iter().any(|word| word.starts_with(stem)),
            None => words.iter().any(|word| word == keyword),
        };
        KEYWORDS
            .iter()
            .find(|(_, keywords)| keywords.iter().any(|keyword| matches(keyword)))
            .map_or(Behaviour::Add, |(behaviour, _)| *behaviour)
    }

    /// The label of the text field, or `None` when the feature needs no input.
    pub fn input_label(self) -> Option<&'static str> {
        match self {
            Behaviour::Add => Some("New item"),
            Behaviour::Remove => Some("Item to remove"),
            Behaviour::Rename => Some("Change (old text => new text)"),
            Behaviour::Complete => Some("Item to mark"),
            Behaviour::Search => Some("Search for"),
            Behaviour::Sort | Behaviour::Summarise => None,
        }
    }

    pub fn button_label(self) -> &'static str {
        match self {
            Behaviour::Add => "Add",
            Behaviour::Remove => "Remove",
            Behaviour::Rename => "Save",
            Behaviour::Complete => "Mark done or not done",
            Behaviour::Search => "Search",
            Behaviour::Sort => "Sort A to Z",
            Behaviour::Summarise => "Show summary",
        }
    }

    /// What the feature's code does, for notes and summaries.
    pub fn summary(self) -> &'static str {
        match self {
            Behaviour::Add => "adds the typed text as a new item",
            Behaviour::Remove => "removes the item with the typed text",
            Behaviour::Rename => "changes an item's text (old => new)",
            Behaviour::Complete => "marks an item as done or not done",
            Behaviour::Search => "finds the items containing the typed words",
            Behaviour::Sort => "sorts the items from A to Z",
            Behaviour::Summarise => "counts the items, done and open",
        }
    }

    /// Concrete steps a person (or a browser test) follows to check the feature.
    pub fn test_steps(self, title: &str) -> Vec<String> {
        let button = self.button_label();
        let steps: [String; 3] = match self {
            Behaviour::Add => [
                format!("Open the app and find the “{title}” section"),
                format!("Type “Milk” and press “{button}”"),
                "Check that “Milk” appears in the list of items".into(),
            ],
            Behaviour::Remove => [
                "Add an item called “Milk”".into(),
                format!("Type “Milk” in the “{title}” section and press “{button}”"),
                "Check that “Milk” is no longer in the list of items".into(),
            ],
            Behaviour::Rename => [
                "Add an item called “Milk”".into(),
                format!("Type “Milk => Oat milk” in the “{title}” section and press “{button}”"),
                "Check that the list shows “Oat milk” instead of “Milk”".into(),
            ],
            Behaviour::Complete => [
                "Add an item called “Milk”".into(),
                format!("Type “Milk” in the “{title}” section and press “{button}”"),
                "Check that “Milk” is shown as done, and pressing again shows it as not done".into(),
            ],
            Behaviour::Search => [
                "Add items called “Milk” and “Bread”".into(),
                format!("Type “mil” in the “{title}” section and press “{button}”"),
                "Check that the result names “Milk” and not “Bread”".into(),
            ],
            Behaviour::Sort => [
                "Add items called “Pears” and “Apples”".into(),
                format!("Press “{button}” in the “{title}” section"),
                "Check that “Apples” is listed before “Pears”".into(),
            ],
            Behaviour::Summarise => [
                "Add two items and mark one of them as done".into(),
                format!("Press “{button}” in the “{title}” section"),
                "Check that the summary reads “2 items, 1 done, 1 open.”".into(),
            ],
        };
        steps.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviour_follows_the_words_of_the_description() {
        let cases = [
            ("Add a task", Behaviour::Add),
            ("Delete a task", Behaviour::Remove),
            ("Edit a task's title", Behaviour::Rename),
            ("Mark a task as done", Behaviour::Complete),
            ("Search tasks by keyword", Behaviour::Search),
            ("Sort tasks alphabetically", Behaviour::Sort),
            ("See a summary of open and done tasks", Behaviour::Summarise),
            ("Address book entries", Behaviour::Add),
        ];
        for (description, expected) in cases {
            assert_eq!(Behaviour::for_description(description), expected, "{description}");
        }
    }

    #[test]
    fn features_without_input_have_no_input_label() {
        assert_eq!(Behaviour::Sort.input_label(), None);
        assert!(Behaviour::Add.input_label().is_some());
    }
}
