//! The application shell around every signed-in page: a sidebar with the
//! main sections and the user menu, fixed on wide screens and sliding in from
//! the left on narrow ones.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::{use_location, use_navigate};

use crate::api::accounts::get_current_user;
use crate::components::icons::{Icon, IconKind};
use crate::components::user_menu::{CurrentUserResource, UserMenu};
use crate::loaded::load;
use crate::model::accounts::sign_in_path_returning_to;

struct NavItem {
    label: &'static str,
    href: &'static str,
    icon: IconKind,
}

const NAV_ITEMS: [NavItem; 5] = [
    NavItem { label: "Dashboard", href: "/", icon: IconKind::Dashboard },
    NavItem { label: "Chat", href: "/chat", icon: IconKind::Chat },
    NavItem { label: "Specs", href: "/specs", icon: IconKind::Specs },
    NavItem { label: "Builds", href: "/builds", icon: IconKind::Builds },
    NavItem { label: "Projects", href: "/projects", icon: IconKind::Projects },
];

#[component]
pub fn AppLayout() -> impl IntoView {
    let (is_menu_open, set_menu_open) = signal(false);

    // Following a link on a phone should reveal the page, not keep the menu over it.
    let location = use_location();
    Effect::watch(move || location.pathname.get(), move |_, _, _| set_menu_open.set(false), false);

    // The server sends anonymous visitors to sign-in before this renders; a
    // session that ends while the app is open is noticed here.
    let user: CurrentUserResource = load(|| (), |_| get_current_user());
    provide_context(user);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(None)) = user.get() {
            let here = format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
            navigate(&sign_in_path_returning_to(&here), Default::default());
        }
    });

    view! {
        <div class="min-h-screen lg:flex">
            <MobileTopBar is_menu_open set_menu_open />
            <Show when=move || is_menu_open.get()>
                <div
                    class="fixed inset-0 z-30 bg-slate-900/50 backdrop-blur-sm lg:hidden"
                    aria-hidden="true"
                    on:click=move |_| set_menu_open.set(false)
                ></div>
            </Show>
            <Sidebar is_menu_open user />
            <main id="main" class="min-w-0 flex-1 px-4 py-6 sm:px-8 lg:py-10">
                <div class="mx-auto max-w-6xl">
                    <Outlet />
                </div>
            </main>
        </div>
    }
}

#[component]
fn MobileTopBar(is_menu_open: ReadSignal<bool>, set_menu_open: WriteSignal<bool>) -> impl IntoView {
    view! {
        <div class="sticky top-0 z-50 flex h-14 items-center gap-3 border-b border-slate-200 bg-white/90 px-4 backdrop-blur lg:hidden dark:border-slate-800 dark:bg-slate-900/90">
            <button
                type="button"
                class="rounded-md p-2 text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 dark:text-slate-200 dark:hover:bg-slate-800"
                aria-controls="sidebar"
                aria-expanded=move || is_menu_open.get().to_string()
                aria-label=move || if is_menu_open.get() { "Close navigation" } else { "Open navigation" }
                on:click=move |_| set_menu_open.update(|open| *open = !*open)
            >
                <Show
                    when=move || is_menu_open.get()
                    fallback=|| view! { <Icon kind=IconKind::Menu /> }
                >
                    <Icon kind=IconKind::Close />
                </Show>
            </button>
            <Brand />
        </div>
    }
}

#[component]
fn Sidebar(is_menu_open: ReadSignal<bool>, user: CurrentUserResource) -> impl IntoView {
    view! {
        <aside
            id="sidebar"
            data-open=move || is_menu_open.get().to_string()
            class="fixed top-14 bottom-0 left-0 z-40 flex w-64 -translate-x-full flex-col border-r border-slate-200 bg-white transition-transform duration-200 data-[open=true]:translate-x-0 lg:sticky lg:top-0 lg:bottom-auto lg:h-screen lg:translate-x-0 dark:border-slate-800 dark:bg-slate-900"
        >
            <div class="hidden px-6 py-5 lg:block">
                <Brand />
            </div>
            <nav aria-label="Main" class="flex-1 space-y-1 px-3 py-4 lg:py-0">
                {NAV_ITEMS
                    .iter()
                    .map(|item| {
                        view! {
                            <A
                                href=item.href
                                exact=true
                                attr:class="flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950 dark:aria-[current=page]:text-indigo-300"
                            >
                                <Icon kind=item.icon />
                                {item.label}
                            </A>
                        }
                    })
                    .collect_view()}
            </nav>
            <UserMenu user />
            <p class="px-6 pb-4 text-xs text-slate-500 dark:text-slate-400">"Self-hosted · v" {env!("CARGO_PKG_VERSION")}</p>
        </aside>
    }
}

#[component]
fn Brand() -> impl IntoView {
    view! {
        <A href="/" attr:class="flex items-center gap-2 font-semibold tracking-tight">
            <span class="grid size-8 place-items-center rounded-lg bg-gradient-to-br from-indigo-500 to-violet-600 text-white">
                <Icon kind=IconKind::Pulse class="size-5" />
            </span>
            <span>"Agents Platform"</span>
        </A>
    }
}
