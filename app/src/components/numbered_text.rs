//! Read-only text with line numbers: a spec's source, a file of a build.

use leptos::prelude::*;

use crate::components::card::{card_class, CardPadding};

/// How long lines are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineWrap {
    /// Long lines break at the box's edge (prose: a spec).
    #[default]
    Wrap,
    /// Long lines run on and the box scrolls sideways (code: a build's file).
    Scroll,
}

/// The text, one row per line with its number in a gutter. The numbers come
/// from a CSS counter (`.numbered-lines` in `style/main.css`), so copying
/// the text leaves them out and a wrapped line keeps one number. The rows are
/// one escaped HTML string rather than a view per line: a 1 MiB spec has tens
/// of thousands of lines, which would be as many nodes to hydrate. `frame`
/// adds classes to the box (a maximum height).
#[component]
pub fn NumberedText(
    text: String,
    testid: &'static str,
    #[prop(optional)] wrap: LineWrap,
    #[prop(optional)] frame: &'static str,
) -> impl IntoView {
    let wrap_class = match wrap {
        LineWrap::Wrap => "whitespace-pre-wrap break-words [overflow-wrap:anywhere]",
        LineWrap::Scroll => "w-max min-w-full whitespace-pre",
    };
    view! {
        <div
            data-testid=testid
            class=format!("overflow-auto py-3 pr-4 font-mono text-xs leading-5 {} {frame}", card_class(CardPadding::Flush))
        >
            <pre class=format!("numbered-lines {wrap_class}") inner_html=line_rows(&text)></pre>
        </div>
    }
}

/// One `<span>` per line, its text escaped.
fn line_rows(text: &str) -> String {
    let mut rows = String::with_capacity(text.len() + text.len() / 4 + 16);
    // An empty text still shows line 1, as an editor would.
    let lines = if text.is_empty() { vec![""] } else { text.lines().collect() };
    for line in lines {
        rows.push_str("<span>");
        html_escape::encode_text_to_string(line, &mut rows);
        rows.push_str("</span>");
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_is_a_row_with_its_markup_escaped() {
        let rows = line_rows("# Title\n\n<script>alert('x')</script> & more\n");
        assert_eq!(
            rows,
            "<span># Title</span><span></span><span>&lt;script&gt;alert('x')&lt;/script&gt; &amp; more</span>"
        );
    }

    #[test]
    fn an_empty_text_is_one_empty_line() {
        assert_eq!(line_rows(""), "<span></span>");
    }

    #[test]
    fn windows_line_ends_do_not_leave_carriage_returns() {
        assert_eq!(line_rows("a\r\nb"), "<span>a</span><span>b</span>");
    }
}
