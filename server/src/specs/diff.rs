//! Line-by-line comparison of two spec versions, as hunks: each change
//! with a few unchanged lines around it, never the whole of two large texts.

use std::time::Duration;

use app::model::specs::{DiffLine, LineChange, MAX_DIFF_LINES};
use similar::{ChangeTag, DiffTag, TextDiff};

/// Longest a comparison may search for the smallest diff; past it, the diff
/// is still correct, just less minimal. Two 1 MiB specs stay responsive.
const SEARCH_DEADLINE: Duration = Duration::from_secs(2);

/// Unchanged lines shown before and after each change.
const CONTEXT_LINES: usize = 3;

/// What changed from `old` to `new`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    pub added: i64,
    pub removed: i64,
    /// At most [`MAX_DIFF_LINES`], with both line numbers.
    pub lines: Vec<DiffLine>,
    /// Lines of the hunks past [`MAX_DIFF_LINES`].
    pub lines_left_out: i64,
}

pub fn compare(old: &str, new: &str) -> Comparison {
    let diff = TextDiff::configure().timeout(SEARCH_DEADLINE).diff_lines(old, new);
    let mut comparison = Comparison::default();
    for op in diff.ops() {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        if tag != DiffTag::Equal {
            comparison.added += new_range.len() as i64;
            comparison.removed += old_range.len() as i64;
        }
    }
    for hunk in diff.grouped_ops(CONTEXT_LINES) {
        for change in hunk.iter().flat_map(|op| diff.iter_changes(op)) {
            if comparison.lines.len() == MAX_DIFF_LINES {
                comparison.lines_left_out += 1;
                continue;
            }
            comparison.lines.push(DiffLine {
                change: match change.tag() {
                    ChangeTag::Equal => LineChange::Unchanged,
                    ChangeTag::Insert => LineChange::Added,
                    ChangeTag::Delete => LineChange::Removed,
                },
                text: change.value().trim_end_matches('\n').to_owned(),
                old_line: change.old_index().map(|index| index as i64 + 1),
                new_line: change.new_index().map(|index| index as i64 + 1),
            });
        }
    }
    comparison
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_marked_with_both_line_numbers() {
        let comparison = compare("# Todo\n- add\n- list\n", "# Todo\n- add\n- delete\n- list\n");
        assert_eq!((comparison.added, comparison.removed, comparison.lines_left_out), (1, 0, 0));
        let summary: Vec<(LineChange, &str, Option<i64>, Option<i64>)> = comparison
            .lines
            .iter()
            .map(|line| (line.change, line.text.as_str(), line.old_line, line.new_line))
            .collect();
        assert_eq!(
            summary,
            vec![
                (LineChange::Unchanged, "# Todo", Some(1), Some(1)),
                (LineChange::Unchanged, "- add", Some(2), Some(2)),
                (LineChange::Added, "- delete", None, Some(3)),
                (LineChange::Unchanged, "- list", Some(3), Some(4)),
            ]
        );
    }

    #[test]
    fn unchanged_lines_far_from_a_change_are_left_out() {
        let old: String = (1..=100).map(|n| format!("line {n}\n")).collect();
        let new = old.replace("line 50\n", "line fifty\n");
        let comparison = compare(&old, &new);
        assert_eq!((comparison.added, comparison.removed), (1, 1));
        let shown: Vec<(Option<i64>, Option<i64>)> =
            comparison.lines.iter().map(|line| (line.old_line, line.new_line)).collect();
        assert_eq!(shown.len(), 3 + 2 + 3, "{shown:?}");
        assert_eq!(shown.first(), Some(&(Some(47), Some(47))));
        assert_eq!(shown.last(), Some(&(Some(53), Some(53))));
    }

    #[test]
    fn two_rewritten_texts_list_at_most_the_limit_and_count_the_rest() {
        let old = "a\n".repeat(MAX_DIFF_LINES);
        let new = "b\n".repeat(MAX_DIFF_LINES);
        let comparison = compare(&old, &new);
        assert_eq!((comparison.added, comparison.removed), (MAX_DIFF_LINES as i64, MAX_DIFF_LINES as i64));
        assert_eq!(comparison.lines.len(), MAX_DIFF_LINES);
        assert_eq!(comparison.lines_left_out, MAX_DIFF_LINES as i64);
    }
}
