//! "← Newer · Page n of m · Older →": plain links to the pages of a list,
//! so paging works without JavaScript and the page lives in the address.

use leptos::prelude::*;
use leptos_router::components::A;

/// `link` makes the address of a page (from 1); nothing shows for one page.
#[component]
pub fn Pager(current: u32, page_count: u32, #[prop(into)] link: Callback<u32, String>) -> impl IntoView {
    (page_count > 1).then(|| {
        view! {
            <nav aria-label="Pages" class="mt-6 flex items-center justify-between text-sm">
                {(current > 1).then(|| view! { <A href=link.run(current - 1) attr:class="font-medium hover:underline">"← Newer"</A> })}
                <span class="text-slate-600 dark:text-slate-400">{format!("Page {current} of {page_count}")}</span>
                {(current < page_count).then(|| view! { <A href=link.run(current + 1) attr:class="font-medium hover:underline">"Older →"</A> })}
            </nav>
        }
    })
}
