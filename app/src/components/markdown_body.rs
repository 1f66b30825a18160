//! Markdown already rendered to safe HTML (see `crate::markdown`), styled
//! as prose: a spec, a model's reply. Its headings start at `<h2>`. Long lines and words wrap; a wide
//! table scrolls inside its own box rather than widening the page.

use leptos::prelude::*;

const PROSE: &str = "space-y-3 text-sm leading-6 break-words [overflow-wrap:anywhere] \
    [&_a]:text-indigo-600 [&_a]:underline dark:[&_a]:text-indigo-300 \
    [&_h2]:text-lg [&_h2]:font-semibold [&_h3]:mt-5 [&_h3]:font-semibold [&_h4]:mt-4 [&_h4]:font-medium [&_h5]:font-medium [&_h6]:font-medium \
    [&_ul]:list-disc [&_ol]:list-decimal [&_li]:ml-5 [&_blockquote]:border-l-4 [&_blockquote]:border-slate-300 [&_blockquote]:pl-3 \
    [&_code]:rounded [&_code]:bg-slate-100 [&_code]:px-1 dark:[&_code]:bg-slate-800 \
    [&_pre]:whitespace-pre-wrap [&_pre]:rounded-lg [&_pre]:bg-slate-100 [&_pre]:p-3 dark:[&_pre]:bg-slate-800 \
    [&_table]:block [&_table]:max-w-full [&_table]:overflow-x-auto [&_table]:border-collapse \
    [&_th]:border [&_th]:border-slate-300 [&_th]:px-2 [&_th]:py-1 [&_th]:text-left [&_th]:font-semibold \
    [&_td]:border [&_td]:border-slate-300 [&_td]:px-2 [&_td]:py-1 dark:[&_td]:border-slate-700 dark:[&_th]:border-slate-700";

/// `html` must come from `crate::markdown` (or [`markdown_html`]), which
/// lets no raw HTML or unsafe link through. `frame` adds classes (a border,
/// a height).
#[component]
pub fn MarkdownBody(
    #[prop(into)] html: Signal<String>,
    #[prop(optional)] testid: &'static str,
    #[prop(optional)] frame: &'static str,
) -> impl IntoView {
    view! { <div class=format!("{PROSE} {frame}") data-testid=(!testid.is_empty()).then_some(testid) inner_html=html></div> }
}

/// The HTML of Markdown `text`: `rendered`, when the server rendered it,
/// else rendered here. In the browser the parser's chunk may still be on
/// its way: the text shows as typed until it arrives (a moment, once), or
/// for good if it cannot be fetched.
pub fn markdown_html(text: &str, rendered: Option<String>) -> Signal<String> {
    match rendered {
        Some(html) => Signal::from(html),
        None if text.is_empty() => Signal::from(String::new()),
        None => rendered_here(text),
    }
}

#[cfg(feature = "hydrate")]
fn rendered_here(text: &str) -> Signal<String> {
    let html =
        RwSignal::new(format!("<p class=\"whitespace-pre-wrap\">{}</p>", html_escape::encode_text(text)));
    let text = text.to_owned();
    leptos::task::spawn_local(async move {
        if let Ok(rendered) = crate::markdown::render_markdown_later(text).await {
            // The view may be gone by now (the reply grew, the page changed).
            let _ = html.try_set(rendered);
        }
    });
    html.into()
}

#[cfg(not(feature = "hydrate"))]
fn rendered_here(text: &str) -> Signal<String> {
    Signal::from(crate::markdown::render_markdown(text))
}
