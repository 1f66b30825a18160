//! Who is signed in, with the ways to their settings and out, at the foot of
//! the sidebar.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::accounts::SignOut;
use crate::components::form::ServerForm;
use crate::components::icons::{Icon, IconKind};
use crate::error::AppError;
use crate::loaded::Loaded;
use crate::model::accounts::UserProfile;

pub type CurrentUserResource = Loaded<Result<Option<UserProfile>, AppError>>;

#[component]
pub fn UserMenu(user: CurrentUserResource) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let item_class = "flex w-full items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 aria-[current=page]:bg-indigo-50 aria-[current=page]:text-indigo-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950 dark:aria-[current=page]:text-indigo-300";

    view! {
        <div data-testid="user-menu" class="border-t border-slate-200 px-3 py-4 dark:border-slate-800">
            <Transition fallback=|| {
                view! { <div class="mx-3 mb-3 h-9 animate-pulse rounded-md bg-slate-100 dark:bg-slate-800"></div> }
            }>
                {move || Suspend::new(async move {
                    user.await
                        .ok()
                        .flatten()
                        .map(|user| {
                            view! {
                                <div class="mb-3 px-3">
                                    <p data-testid="user-name" class="truncate text-sm font-medium">
                                        {user.display_name}
                                    </p>
                                    <p class="truncate text-xs text-slate-500 dark:text-slate-400">{user.email}</p>
                                </div>
                            }
                        })
                })}
            </Transition>
            <A href="/settings" exact=true attr:class=item_class>
                <Icon kind=IconKind::Settings />
                "Settings"
            </A>
            <ServerForm action=sign_out arguments=|_| SignOut {}>
                <button type="submit" class=item_class disabled=move || sign_out.pending().get()>
                    <Icon kind=IconKind::SignOut />
                    {move || if sign_out.pending().get() { "Signing out…" } else { "Sign out" }}
                </button>
            </ServerForm>
        </div>
    }
}
