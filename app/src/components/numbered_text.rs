//! Read-only text with line numbers in a gutter: a spec, a file of a build.

use leptos::prelude::*;

/// The text with line numbers in a gutter, as two columns of one `<pre>`
/// each: no wrapping, one scroll box, the gutter staying put while the text
/// scrolls sideways. `frame` adds classes to the box (a maximum height).
#[component]
pub fn NumberedText(
    text: String,
    testid: &'static str,
    #[prop(optional)] frame: &'static str,
) -> impl IntoView {
    let line_count = text.lines().count().max(1);
    let numbers = (1..=line_count).map(|number| number.to_string()).collect::<Vec<_>>().join("\n");
    view! {
        <div
            data-testid=testid
            class=format!("flex overflow-auto rounded-2xl border border-slate-200 bg-white font-mono text-xs leading-5 dark:border-slate-800 dark:bg-slate-900 {frame}")
        >
            <pre
                aria-hidden="true"
                data-testid="line-numbers"
                class="sticky left-0 select-none border-r border-slate-200 bg-white px-3 py-3 text-right text-slate-400 dark:border-slate-800 dark:bg-slate-900"
            >{numbers}</pre>
            // The <code> keeps a leading newline: HTML drops one right after <pre>.
            <pre class="flex-1 px-4 py-3 whitespace-pre"><code>{text}</code></pre>
        </div>
    }
}
