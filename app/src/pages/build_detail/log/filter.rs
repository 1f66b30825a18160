//! Which log lines the reader asked to see: some categories hidden, and a
//! search that keeps the lines containing its text, whatever the case.

use crate::model::build_log::{LogCategory, LogLine};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct LogFilter {
    pub(super) hidden: Vec<LogCategory>,
    pub(super) search: String,
}

impl LogFilter {
    pub(super) fn shows(&self, category: LogCategory) -> bool {
        !self.hidden.contains(&category)
    }

    /// Shows `category` if hidden, hides it otherwise.
    pub(super) fn toggle(&mut self, category: LogCategory) {
        match self.hidden.iter().position(|hidden| *hidden == category) {
            Some(at) => {
                self.hidden.remove(at);
            }
            None => self.hidden.push(category),
        }
    }

    /// Whether `line` is among those shown.
    pub(super) fn keeps(&self, line: &LogLine) -> bool {
        self.keeps_with(line, &self.needle())
    }

    /// [`Self::keeps`], with the search's [`Self::needle`] made once.
    fn keeps_with(&self, line: &LogLine, needle: &str) -> bool {
        self.shows(line.category) && contains_ignoring_case(&line.line, needle)
    }

    /// The search as the lines are searched for it.
    fn needle(&self) -> String {
        self.search.trim().to_lowercase()
    }

    fn is_everything(&self) -> bool {
        self.hidden.is_empty() && self.search.trim().is_empty()
    }
}

/// The positions in `lines` of the lines `filter` keeps, or `None` when it
/// keeps them all (the common case costs nothing).
pub(super) fn kept_rows(lines: &[LogLine], filter: &LogFilter) -> Option<Vec<u32>> {
    (!filter.is_everything()).then(|| kept_among(lines, 0, filter).collect())
}

/// The positions of the lines `filter` keeps among `lines`, the first of
/// which is at `first`.
fn kept_among<'a>(
    lines: &'a [LogLine],
    first: usize,
    filter: &'a LogFilter,
) -> impl Iterator<Item = u32> + 'a {
    let needle = filter.needle();
    lines
        .iter()
        .enumerate()
        .filter(move |(_, line)| filter.keeps_with(line, &needle))
        .map(move |(at, _)| (first + at) as u32)
}

/// What a filter keeps of a log, and how much of the log it has read. A
/// log grows at its end, so the lines each batch adds are filtered alone,
/// never the whole log again while a search stays as it is; only when its
/// oldest lines are dropped (rarely) is it read again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct KeptRows {
    filter: LogFilter,
    read: usize,
    /// The log's dropped lines when it was read: positions count after them.
    dropped: usize,
    rows: Option<Vec<u32>>,
}

impl KeptRows {
    /// The positions kept, or `None` when the filter keeps every line.
    pub(super) fn rows(&self) -> Option<&[u32]> {
        self.rows.as_deref()
    }

    /// `previous` brought up to `lines` (after `dropped` oldest ones) under
    /// `filter`, and whether the rows it keeps changed (for a memo that owns
    /// its previous value).
    pub(super) fn update(
        previous: Option<KeptRows>,
        lines: &[LogLine],
        dropped: usize,
        filter: &LogFilter,
    ) -> (KeptRows, bool) {
        match previous {
            Some(mut kept)
                if kept.filter == *filter && kept.dropped == dropped && kept.read <= lines.len() =>
            {
                let before = kept.rows.as_ref().map(Vec::len);
                if let Some(rows) = &mut kept.rows {
                    rows.extend(kept_among(&lines[kept.read..], kept.read, filter));
                }
                kept.read = lines.len();
                let is_changed = kept.rows.as_ref().map(Vec::len) != before;
                (kept, is_changed)
            }
            _ => {
                let rows = kept_rows(lines, filter);
                (KeptRows { filter: filter.clone(), read: lines.len(), dropped, rows }, true)
            }
        }
    }
}

/// Whether `text` contains `needle` (already lower case), ignoring case;
/// without allocating when the needle is ASCII, as searches mostly are.
fn contains_ignoring_case(text: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if !needle.is_ascii() {
        return text.to_lowercase().contains(needle);
    }
    let needle = needle.as_bytes();
    text.as_bytes().windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builds::LogStream;

    fn line(seq: i64, category: LogCategory, text: &str) -> LogLine {
        LogLine { seq, at: chrono::Utc::now(), category, stream: LogStream::System, line: text.into() }
    }

    fn lines() -> Vec<LogLine> {
        vec![
            line(1, LogCategory::Phase, "Phase: Planning features"),
            line(2, LogCategory::Log, "npm WARN deprecated"),
            line(3, LogCategory::Test, "Tests: 3 passed, 0 failed"),
            line(4, LogCategory::Log, "Ünïcode ERROR here"),
        ]
    }

    #[test]
    fn no_filter_keeps_every_line_without_listing_them() {
        assert_eq!(kept_rows(&lines(), &LogFilter::default()), None);
        let blank = LogFilter { search: "   ".into(), ..LogFilter::default() };
        assert_eq!(kept_rows(&lines(), &blank), None);
    }

    #[test]
    fn hidden_categories_are_left_out() {
        let mut filter = LogFilter::default();
        filter.toggle(LogCategory::Log);
        assert_eq!(kept_rows(&lines(), &filter), Some(vec![0, 2]));
        filter.toggle(LogCategory::Log);
        assert!(filter.shows(LogCategory::Log));
    }

    #[test]
    fn search_ignores_case_in_ascii_and_beyond() {
        let filter = LogFilter { search: "warn".into(), ..LogFilter::default() };
        assert_eq!(kept_rows(&lines(), &filter), Some(vec![1]));
        let filter = LogFilter { search: "üNÏ".into(), ..LogFilter::default() };
        assert_eq!(kept_rows(&lines(), &filter), Some(vec![3]));
        let mut filter = LogFilter { search: "e".into(), ..LogFilter::default() };
        filter.toggle(LogCategory::Test);
        assert_eq!(kept_rows(&lines(), &filter), Some(vec![0, 1, 3]));
        let one_by_one: Vec<bool> = lines().iter().map(|line| filter.keeps(line)).collect();
        assert_eq!(one_by_one, [true, true, false, true], "a line alone is kept as among the others");
    }

    #[test]
    fn lines_added_later_are_filtered_alone_with_the_same_result() {
        let all = lines();
        let filter = LogFilter { search: "e".into(), ..LogFilter::default() };
        let (first, _) = KeptRows::update(None, &all[..2], 0, &filter);
        let (grown, is_changed) = KeptRows::update(Some(first.clone()), &all, 0, &filter);
        assert!(is_changed);
        assert_eq!(grown.rows(), kept_rows(&all, &filter).as_deref());
        let (same, is_changed) = KeptRows::update(Some(grown.clone()), &all, 0, &filter);
        assert_eq!((same.rows(), is_changed), (grown.rows(), false));

        let everything = LogFilter::default();
        let (cleared, is_changed) = KeptRows::update(Some(grown), &all, 0, &everything);
        assert_eq!((cleared.rows(), is_changed), (None, true), "a new filter reads the whole log");
    }

    #[test]
    fn a_log_whose_oldest_lines_went_is_read_again() {
        let mut all = lines();
        let mut filter = LogFilter { search: "e".into(), ..LogFilter::default() };
        filter.toggle(LogCategory::Test);
        let (before, _) = KeptRows::update(None, &all, 0, &filter);
        assert_eq!(before.rows(), Some(&[0, 1, 3][..]));
        // The first two went and one came: as many lines, other positions.
        all.drain(..2);
        all.push(line(5, LogCategory::Log, "the newest line"));
        let (after, is_changed) = KeptRows::update(Some(before), &all, 2, &filter);
        assert!(is_changed);
        assert_eq!(after.rows(), Some(&[1, 2][..]), "\"Ünïcode ERROR here\" and \"the newest line\"");
    }
}
