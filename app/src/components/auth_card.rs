//! The frame of the sign-in and sign-up pages: the brand, a title and a card,
//! centred on an otherwise empty page.

use leptos::prelude::*;

use crate::components::card::{card_class, CardPadding};
use crate::components::icons::{Icon, IconKind};

#[component]
pub fn AuthCard(title: &'static str, subtitle: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="flex min-h-screen flex-col items-center justify-center px-4 py-12">
            <div class="mb-8 flex items-center gap-2 font-semibold tracking-tight">
                <span class="grid size-9 place-items-center rounded-lg bg-gradient-to-br from-indigo-500 to-violet-600 text-white">
                    <Icon kind=IconKind::Pulse class="size-5" />
                </span>
                <span class="text-lg">"Agents Platform"</span>
            </div>
            <section class=format!("w-full max-w-sm shadow-sm {}", card_class(CardPadding::Roomy))>
                <h1 class="text-xl font-semibold tracking-tight">{title}</h1>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{subtitle}</p>
                <div class="mt-6">{children()}</div>
            </section>
        </main>
    }
}
