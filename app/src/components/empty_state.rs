use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::button::{classes, ButtonSize, ButtonTone};
use crate::components::icons::{Icon, IconKind};

/// Where an empty list points the user next.
#[derive(Debug, Clone, Copy)]
pub struct CallToAction {
    pub label: &'static str,
    pub href: &'static str,
}

/// What a page shows when it has nothing yet: what will appear here, and the
/// step that makes something appear.
#[component]
pub fn EmptyState(
    icon: IconKind,
    title: &'static str,
    message: &'static str,
    #[prop(optional)] action: Option<CallToAction>,
) -> impl IntoView {
    view! {
        <section class="flex flex-col items-center rounded-2xl border border-dashed border-slate-300 bg-white px-6 py-16 text-center dark:border-slate-700 dark:bg-slate-900">
            <div class="mb-4 rounded-full bg-indigo-50 p-3 text-indigo-600 dark:bg-indigo-950 dark:text-indigo-300">
                <Icon kind=icon class="size-6" />
            </div>
            <h2 class="text-lg font-medium">{title}</h2>
            <p class="mt-2 max-w-md text-sm text-slate-600 dark:text-slate-400">{message}</p>
            {action
                .map(|action| {
                    view! {
                        <A
                            href=action.href
                            attr:class=format!("mt-6 inline-flex items-center {}", classes(ButtonTone::Primary, ButtonSize::Large))
                        >
                            {action.label}
                        </A>
                    }
                })}
        </section>
    }
}
