//! Markdown from models, rendered to HTML that is safe to insert: raw HTML
//! is shown as text, and links and images only keep web and mail addresses.
//! A model's reply can hold anything, including text crafted by whoever
//! wrote the idea it answers. Headings move one level down: the Markdown
//! always sits inside a page whose own title is the one `<h1>`.
//!
//! Pages get Markdown the server rendered. The browser renders only text
//! that changes while shown (a reply being written), with
//! `render_markdown_later`: the parser is a WASM chunk of its own, so no
//! page's first visit downloads it.

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use uuid::Uuid;

use crate::model::chats::RenderedReply;
use crate::model::spec_block::split_reply;

/// [`render_markdown`] in the browser, its code fetched on the first call
/// (or by `fetch_markdown_renderer`). A fetch that fails (a flaky network)
/// is an error to show the text as typed, and the next call tries again;
/// Leptos's `#[lazy]` would panic, and a panic ends the whole app.
#[cfg(feature = "hydrate")]
#[leptos::wasm_split::wasm_split(
    markdown_renderer,
    wasm_split_path = ::leptos::wasm_split,
    preload(fetch_markdown_renderer),
    fallible
)]
pub fn render_markdown_later(text: String) -> Result<String, leptos::wasm_split::SplitLoaderError> {
    Ok(render_markdown(&text))
}

/// A reply's parts, each rendered: the text around its spec, and the spec.
pub fn render_reply(message_id: Uuid, reply: &str) -> RenderedReply {
    let parts = split_reply(reply);
    RenderedReply {
        message_id,
        before: render_markdown(parts.before),
        spec: parts.spec.map(|spec| render_markdown(spec.content)),
        after: render_markdown(parts.after),
    }
}

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
        Event::Start(Tag::Heading { level, id, classes, attrs }) => {
            Event::Start(Tag::Heading { level: one_level_down(level), id, classes, attrs })
        }
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(one_level_down(level))),
        other => other,
    });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

fn one_level_down(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
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
        let html = render_markdown(
            "# Title\n\n- **bold** item\n\n```rust\nfn main() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h2>Title</h2>"), "{html}");
        assert!(html.contains("<td>1</td>"), "{html}");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(html.contains("<code class=\"language-rust\">"), "{html}");
    }

    #[test]
    fn headings_sit_one_level_under_the_page_title() {
        let html = render_markdown("# App\n## Features\n###### Deepest\n");
        assert_eq!(html, "<h2>App</h2>\n<h3>Features</h3>\n<h6>Deepest</h6>\n");
    }

    #[test]
    fn a_reply_renders_around_its_spec() {
        let id = Uuid::nil();
        let reply = render_reply(id, "Here it is:\n<app_spec>\n# Todo\n</app_spec>\nAnything **else**?");
        assert_eq!(reply.before, "<p>Here it is:</p>\n");
        assert_eq!(reply.spec.as_deref(), Some("<h2>Todo</h2>\n"));
        assert_eq!(reply.after, "<p>Anything <strong>else</strong>?</p>\n");
        assert_eq!(render_reply(id, "No spec yet.").spec, None);
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

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::render_markdown;

    /// Markdown made of the pieces an attack on a renderer is made of.
    fn hostile_markdown() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "[",
            "](",
            ")",
            "![",
            "<",
            ">",
            "<script>",
            "</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=",
            "javascript:",
            "JaVaScRiPt:",
            "java\tscript:",
            "data:text/html,",
            "vbscript:",
            "&#106;",
            "&#x6A;",
            "&colon;",
            "&amp;",
            "http://example.com",
            "mailto:a@b.c",
            "/",
            "?",
            "#",
            ":",
            "\"",
            "'",
            "`",
            "```",
            "\n",
            "\n\n",
            " ",
            "\t",
            "*",
            "_",
            "|",
            "-",
            "1. ",
            "> ",
            "# ",
            "alert(1)",
            "%6A",
            "\\",
            "\0",
            "a",
        ]);
        proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    const TAGS: [&str; 25] = [
        "p",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "del",
        "code",
        "pre",
        "a",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
        "br",
        "input",
    ];

    /// An address as a browser reads it: entities decoded, tabs and line
    /// breaks dropped, leading spaces and controls trimmed, any case.
    fn as_browser_reads(href: &str) -> String {
        href.replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
            .replace(['\t', '\n', '\r'], "")
            .trim_start_matches(|c: char| c <= ' ')
            .to_ascii_lowercase()
    }

    proptest! {
        #[test]
        fn rendered_markdown_has_only_plain_tags_and_safe_addresses(text in hostile_markdown()) {
            let html = render_markdown(&text);
            // Every `<` the writer did not escape opens one of the tags Markdown makes.
            for tag in html.split('<').skip(1) {
                let name: String = tag.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect();
                prop_assert!(TAGS.contains(&name.as_str()), "<{name} in {html:?}");
                let inside = tag.split('>').next().unwrap_or_default();
                prop_assert!(!inside.to_ascii_lowercase().contains(" on"), "an event handler in {html:?}");
                let Some(href) = inside.split(" href=\"").nth(1) else { continue };
                let address = as_browser_reads(href.split('"').next().unwrap_or_default());
                let scheme_end = address.find(':');
                let path_start = address.find(['/', '?', '#']);
                let has_scheme = match (scheme_end, path_start) {
                    (Some(colon), Some(path)) => colon < path,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                let is_safe = !has_scheme || ["http:", "https:", "mailto:"].iter().any(|safe| address.starts_with(safe));
                prop_assert!(is_safe, "{address:?} in {html:?}");
            }
        }
    }
}
