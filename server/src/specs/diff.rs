//! Line-by-line comparison of two spec versions.

use std::time::Duration;

use app::model::specs::{DiffLine, LineChange};
use similar::{ChangeTag, TextDiff};

/// Longest a comparison may search for the smallest diff; past it, the diff
/// is still correct, just less minimal. Two 1 MiB specs stay responsive.
const SEARCH_DEADLINE: Duration = Duration::from_secs(2);

/// The lines of `new` compared with `old`, with both line numbers.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let diff = TextDiff::configure().timeout(SEARCH_DEADLINE).diff_lines(old, new);
    diff.iter_all_changes()
        .map(|change| {
            let change_kind = match change.tag() {
                ChangeTag::Equal => LineChange::Unchanged,
                ChangeTag::Insert => LineChange::Added,
                ChangeTag::Delete => LineChange::Removed,
            };
            DiffLine {
                change: change_kind,
                text: change.value().trim_end_matches('\n').to_owned(),
                old_line: change.old_index().map(|index| index as i64 + 1),
                new_line: change.new_index().map(|index| index as i64 + 1),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_marked_with_both_line_numbers() {
        let lines = diff_lines("# Todo\n- add\n- list\n", "# Todo\n- add\n- delete\n- list\n");
        let summary: Vec<(LineChange, &str, Option<i64>, Option<i64>)> = lines
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
}
