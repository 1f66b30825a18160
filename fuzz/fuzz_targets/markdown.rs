//! A model's reply rendered to HTML: no panic, and no tag Markdown does not
//! make (raw HTML is shown as text).
#![no_main]

use app::markdown::render_markdown;
use libfuzzer_sys::fuzz_target;

const TAGS: [&str; 25] = [
    "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "del", "code", "pre", "a", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "input",
];

fuzz_target!(|text: &str| {
    let html = render_markdown(text);
    for tag in html.split('<').skip(1) {
        let name: String = tag.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect();
        assert!(TAGS.contains(&name.as_str()), "<{name} in {html:?}");
        let inside = tag.split('>').next().unwrap_or_default().to_ascii_lowercase();
        assert!(!inside.contains(" on"), "an event handler in {html:?}");
        assert!(!inside.contains("javascript:"), "a script address in {html:?}");
    }
});
