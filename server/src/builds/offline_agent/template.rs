//! Filling the template files under `templates/` and writing values into
//! generated source safely: string literals, one-line comments, HTML text.

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
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(string_literal(r#"say "hi" \ bye"#), r#""say \"hi\" \\ bye""#);
    }
}
