//! Links that switch a page between views of one thing (Rendered / Source,
//! Activity / Logs). The choice is in the address, so it survives a reload
//! and works without JavaScript.

use leptos::prelude::*;

/// One view: its name and the address that shows it.
#[derive(Debug, Clone)]
pub struct ViewLink {
    pub label: &'static str,
    pub href: String,
}

/// The views, `current` marked as the page's; `on_choose` hears which one a
/// click chose (to remember it), before the router follows the link.
#[component]
pub fn ViewSwitch(
    /// What the switch chooses, for assistive technology ("Show the spec").
    #[prop(into)]
    label: String,
    views: Vec<ViewLink>,
    #[prop(into)] current: Signal<usize>,
    #[prop(optional)] on_choose: Option<Callback<usize>>,
) -> impl IntoView {
    view! {
        <nav aria-label=label class="inline-flex rounded-lg bg-slate-100 p-1 dark:bg-slate-900">
            {views.into_iter().enumerate().map(|(index, view_link)| view! {
                <a
                    href=view_link.href
                    aria-current=move || (current.get() == index).then_some("page")
                    on:click=move |_| {
                        if let Some(on_choose) = on_choose {
                            on_choose.run(index);
                        }
                    }
                    class="rounded-md px-3 py-1 text-sm font-medium text-slate-600 hover:text-slate-900 aria-[current=page]:bg-white aria-[current=page]:text-slate-900 aria-[current=page]:shadow-sm dark:text-slate-400 dark:hover:text-white dark:aria-[current=page]:bg-slate-800 dark:aria-[current=page]:text-white"
                >
                    {view_link.label}
                </a>
            }).collect_view()}
        </nav>
    }
}
