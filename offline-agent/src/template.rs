//! Filling the template files under `templates/` and writing values into
//! generated source safely: string literals, one-line comments, HTML text,
//! indented fragments and the lines of a list.

use serde_json::Value;

/// `template` with each `__PLACEHOLDER__` replaced by its value, in one
/// pass, so a value that happens to contain a placeholder stays as written.
/// Placeholders are spelled like identifiers so that a template stays valid
/// source for its language's own tools.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut filled = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find("__") {
        filled.push_str(&rest[..at]);
        let tail = &rest[at..];
        match values.iter().find(|(placeholder, _)| tail.starts_with(placeholder)) {
            Some((placeholder, value)) => {
                filled.push_str(value);
                rest = &tail[placeholder.len()..];
            }
            None => {
                filled.push_str("__");
                rest = &tail[2..];
            }
        }
    }
    filled.push_str(rest);
    filled
}

/// A double-quoted string literal, valid in JSON, JavaScript and Python alike.
pub fn string_literal(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// `text` on one line, safe inside a `//` or `#` comment.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` with `prefix` before each line that is not blank: a fragment
/// written at the top level of its template, so that the template parses on
/// its own, put inside a block such as a class. Meant for fragments without
/// multi-line strings, whose lines would change too.
pub fn indent(text: &str, prefix: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| if line.trim().is_empty() { line.to_owned() } else { format!("{prefix}{line}") })
        .collect()
}

/// The inside of a bracketed list, `[__ITEMS__]` in a template: each item on
/// its own line after `prefix`, with a trailing comma, or nothing at all so
/// that an empty list reads `[]`.
pub fn list_lines(items: &[String], prefix: &str) -> String {
    if items.is_empty() {
        return String::new();
    }
    let lines: String = items.iter().map(|item| format!("{prefix}{item},\n")).collect();
    format!("\n{lines}")
}

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_inside_values_are_not_filled_again() {
        let filled = fill("if __name__: __A__ then __B__", &[("__A__", "__B__"), ("__B__", "b")]);
        assert_eq!(filled, "if __name__: __B__ then b");
    }

    #[test]
    fn indenting_leaves_blank_lines_empty() {
        assert_eq!(indent("\ndef a(self):\n    pass\n", "    "), "\n    def a(self):\n        pass\n");
    }

    #[test]
    fn list_lines_put_one_item_a_line_and_nothing_for_no_items() {
        assert_eq!(list_lines(&["a".to_owned(), "b".to_owned()], "  "), "\n  a,\n  b,\n");
        assert_eq!(list_lines(&[], "  "), "");
    }

    #[test]
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(string_literal(r#"say "hi" \ bye"#), r#""say \"hi\" \\ bye""#);
    }
}
