//! Where a spec sits inside an assistant's reply: between a line holding
//! `<app_spec>` and a line holding `</app_spec>`. Shared so the browser can
//! show the spec while it is still being written.

pub const SPEC_OPEN: &str = "<app_spec>";
pub const SPEC_CLOSE: &str = "</app_spec>";

/// A reply cut around its spec block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyParts<'a> {
    /// The text before the block (all of it when there is no block).
    pub before: &'a str,
    pub spec: Option<SpecBlock<'a>>,
    /// The text after the closing line.
    pub after: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecBlock<'a> {
    pub content: &'a str,
    /// False while the closing line has not arrived yet.
    pub is_complete: bool,
}

/// Finds the first spec block of `reply`.
pub fn split_reply(reply: &str) -> ReplyParts<'_> {
    let Some(open) = find_marker_line(reply, SPEC_OPEN, 0) else {
        return ReplyParts { before: reply, spec: None, after: "" };
    };
    let before = &reply[..open.start];
    let body_start = open.end;
    match find_marker_line(reply, SPEC_CLOSE, body_start) {
        Some(close) => ReplyParts {
            before,
            spec: Some(SpecBlock {
                content: trim_blank_lines(&reply[body_start..close.start]),
                is_complete: true,
            }),
            after: &reply[close.end..],
        },
        None => ReplyParts {
            before,
            spec: Some(SpecBlock { content: trim_blank_lines(&reply[body_start..]), is_complete: false }),
            after: "",
        },
    }
}

/// The spec of the last reply (in `replies`, oldest first) that has a complete one.
pub fn latest_spec<'a>(replies: impl DoubleEndedIterator<Item = &'a str>) -> Option<&'a str> {
    replies
        .rev()
        .find_map(|reply| split_reply(reply).spec.filter(|spec| spec.is_complete).map(|spec| spec.content))
}

struct LineSpan {
    start: usize,
    /// Just past the line's newline.
    end: usize,
}

/// A line holding only `marker` (surrounding spaces allowed), at or after `from`.
fn find_marker_line(text: &str, marker: &str, from: usize) -> Option<LineSpan> {
    let mut start = from;
    while start <= text.len() {
        let line_end = text[start..].find('\n').map_or(text.len(), |offset| start + offset);
        if text[start..line_end].trim() == marker {
            let end = (line_end + 1).min(text.len());
            return Some(LineSpan { start, end });
        }
        if line_end == text.len() {
            return None;
        }
        start = line_end + 1;
    }
    None
}

fn trim_blank_lines(text: &str) -> &str {
    text.trim_start_matches(['\n', '\r']).trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_block_and_the_text_around_it() {
        let reply = "Here it is:\n<app_spec>\n# Todo\n\nLists.\n</app_spec>\nSave it when ready.";
        let parts = split_reply(reply);
        assert_eq!(parts.before, "Here it is:\n");
        assert_eq!(parts.spec, Some(SpecBlock { content: "# Todo\n\nLists.", is_complete: true }));
        assert_eq!(parts.after, "Save it when ready.");
    }

    #[test]
    fn an_unfinished_block_is_reported_as_incomplete() {
        let parts = split_reply("Writing:\n<app_spec>\n# Todo\n## Feat");
        assert_eq!(parts.spec, Some(SpecBlock { content: "# Todo\n## Feat", is_complete: false }));
    }

    #[test]
    fn a_marker_inside_a_line_is_not_a_block() {
        let parts = split_reply("I will wrap it in <app_spec> tags.");
        assert_eq!(parts.spec, None);
        assert_eq!(parts.before, "I will wrap it in <app_spec> tags.");
    }

    #[test]
    fn the_latest_complete_spec_wins() {
        let replies = [
            "<app_spec>\nfirst\n</app_spec>",
            "no spec here",
            "<app_spec>\nsecond\n</app_spec>",
            "<app_spec>\nunfinished",
        ];
        assert_eq!(latest_spec(replies.iter().copied()), Some("second"));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn reply_like() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            SPEC_OPEN,
            SPEC_CLOSE,
            "\n",
            "\r\n",
            " ",
            "\t",
            "# App",
            "- a feature",
            "<",
            ">",
            "app_spec",
            "é",
            "x",
        ]);
        proptest::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn a_reply_splits_into_pieces_of_itself_in_order(reply in reply_like()) {
            let parts = split_reply(&reply);
            prop_assert!(reply.starts_with(parts.before));
            prop_assert!(reply.ends_with(parts.after));
            if let Some(spec) = parts.spec {
                let rest = &reply[parts.before.len()..reply.len() - parts.after.len()];
                prop_assert!(rest.contains(spec.content), "{:?} not in {:?}", spec.content, rest);
                prop_assert!(rest.contains(SPEC_OPEN));
                prop_assert!(!spec.is_complete || rest.contains(SPEC_CLOSE), "complete only with its closing line: {:?}", rest);
            } else {
                prop_assert_eq!(parts.before, reply.as_str());
            }
        }
    }
}
