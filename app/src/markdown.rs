//! Markdown from models, rendered to HTML that is safe to insert: raw HTML
//! is shown as text, and links and images only keep web and mail addresses.
//! A model's reply can hold anything, including text crafted by whoever
//! wrote the idea it answers.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

pub fn render_markdown(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(text, options).map(|event| match event {
        // Shown as typed, escaped by the HTML writer.
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
        }
        // Images become links: no request leaves the page without a click.
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
        }
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The address when it is relative or http(s)/mailto, else `#`.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let trimmed = url.trim();
    let scheme_end = trimmed.find(':');
    let path_start = trimmed.find(['/', '?', '#']);
    let is_relative = match (scheme_end, path_start) {
        (None, _) => true,
        (Some(colon), Some(slash)) => slash < colon,
        (Some(_), None) => false,
    };
    let lower = trimmed.to_ascii_lowercase();
    let has_safe_scheme = ["http:", "https:", "mailto:"].iter().any(|scheme| lower.starts_with(scheme));
    if is_relative || has_safe_scheme {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_common_markdown() {
        let html = render_markdown("# Title\n\n- **bold** item\n\n```rust\nfn main() {}\n```");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<code class=\"language-rust\">"), "{html}");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render_markdown("Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn script_links_lose_their_address() {
        for link in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x]( data:text/html,hi)",
            "![x](vbscript:y)",
        ] {
            let html = render_markdown(link);
            assert!(html.contains("href=\"#\""), "{link} gave {html}");
        }
        assert!(render_markdown("[docs](https://example.com/a)").contains("href=\"https://example.com/a\""));
        assert!(render_markdown("[spec](/specs/1)").contains("href=\"/specs/1\""));
    }

    #[test]
    fn images_become_links() {
        let html = render_markdown("![tracker](https://evil.example/pixel.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("<a href=\"https://evil.example/pixel.png\">tracker</a>"), "{html}");
    }
}
