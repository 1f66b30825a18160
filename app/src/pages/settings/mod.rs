//! `/settings`: the account's profile, its personal API tokens, its
//! webhooks and the platform's health.

mod webhooks;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::accounts::{list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::card::Card;
use crate::components::form::{FormError, FormFields, ServerForm, TextField};
use crate::components::load_error::InlineLoadError;
use crate::components::page_header::PageHeader;
use crate::components::secret_notice::SecretNotice;
use crate::components::system_status::SystemStatusCard;
use crate::components::user_menu::CurrentUserResource;
use crate::format::timestamp;
use crate::loaded::load;
use crate::model::accounts::{ApiTokenSummary, MAX_TOKEN_NAME_CHARS};

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <PageHeader title="Settings" description="Your account, the tokens scripts use to reach the API, the webhooks that tell you about builds, and the platform's health." />
        <div class="grid gap-6 lg:grid-cols-3">
            <ProfileCard />
            <ApiTokens />
            <webhooks::WebhooksCard />
            <SystemStatusCard />
        </div>
    }
}

#[component]
fn ProfileCard() -> impl IntoView {
    let user = expect_context::<CurrentUserResource>();
    // Erased: the nested view types otherwise exceed the compiler's depth limit.
    view! {
        <Card labelled_by="profile-heading">
            <h2 id="profile-heading" class="text-base font-semibold">"Profile"</h2>
            <Transition fallback=|| view! { <div class="mt-4 h-16 animate-pulse rounded-lg bg-slate-100 dark:bg-slate-800"></div> }>
                {move || Suspend::new(async move {
                    user.await
                        .ok()
                        .flatten()
                        .map(|user| {
                            view! {
                                <dl class="mt-4 space-y-3 text-sm">
                                    <div>
                                        <dt class="text-slate-500 dark:text-slate-400">"Name"</dt>
                                        <dd class="font-medium">{user.display_name}</dd>
                                    </div>
                                    <div>
                                        <dt class="text-slate-500 dark:text-slate-400">"Email"</dt>
                                        <dd class="font-medium break-all">{user.email}</dd>
                                    </div>
                                    <div>
                                        <dt class="text-slate-500 dark:text-slate-400">"Member since"</dt>
                                        <dd>{timestamp(user.created_at)}</dd>
                                    </div>
                                </dl>
                            }
                        })
                })}
            </Transition>
        </Card>
    }
    .into_any()
}

#[component]
fn ApiTokens() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = load(move || (create.version().get(), revoke.version().get()), |_| list_api_tokens());
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    let created = Signal::derive(move || create.value().get().and_then(Result::ok));

    view! {
        <Card labelled_by="tokens-heading" class="lg:col-span-2">
            <h2 id="tokens-heading" class="text-base font-semibold">"API tokens"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Scripts send a token as "
                <code class="rounded bg-slate-100 px-1 dark:bg-slate-800">"Authorization: Bearer <token>"</code>
                " to use the REST API as you. Revoke a token the moment you no longer need it."
            </p>
            <ServerForm action=create arguments=|fields: &FormFields| CreateApiToken { name: fields.text("name") } attr:class="mt-4 flex flex-col gap-3 sm:flex-row sm:items-end" attr:aria-label="Create a token">
                <div class="flex-1">
                    <TextField label="Token name" name="name" maxlength=MAX_TOKEN_NAME_CHARS as u32 hint="What will use it, e.g. \"CI pipeline\"." />
                </div>
                <Button tone=ButtonTone::Primary size=ButtonSize::Large class="sm:mb-5" is_submit=true disabled=create.pending()>
                    {move || if create.pending().get() { "Creating…" } else { "Create token" }}
                </Button>
            </ServerForm>
            <FormError error=create_error />
            {move || {
                created
                    .get()
                    .map(|created| {
                        let message = format!(
                            "Token \u{201c}{}\u{201d} created. Copy it now: it will not be shown again.",
                            created.token.name,
                        );
                        view! { <SecretNotice message label="New token" secret=created.secret testid="new-token" /> }
                    })
            }}
            <FormError error=revoke_error />
            <Transition fallback=|| view! { <TokenListSkeleton /> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => {
                            view! {
                                <p data-testid="no-tokens" class="mt-6 text-sm text-slate-500 dark:text-slate-400">
                                    "No tokens yet. Create one above when a script needs the API."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(list) => view! { <TokenList list revoke /> }.into_any(),
                        Err(error) => {
                            view! { <InlineLoadError error retry=Callback::new(move |()| tokens.refetch()) /> }.into_any()
                        }
                    }
                })}
            </Transition>
        </Card>
    }
    .into_any()
}

#[component]
fn TokenList(list: Vec<ApiTokenSummary>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    view! {
        <ul data-testid="token-list" class="mt-6 divide-y divide-slate-200 dark:divide-slate-800">
            {list.into_iter().map(|token| view! { <TokenRow token revoke /> }).collect_view()}
        </ul>
    }
}

#[component]
fn TokenRow(token: ApiTokenSummary, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    let (is_confirming, set_confirming) = signal(false);
    let id = token.id;
    let last_used = token
        .last_used_at
        .map_or_else(|| "never used".to_owned(), |at| format!("last used {}", timestamp(at)));
    view! {
        <li class="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
            <div class="min-w-0">
                <p class="truncate font-medium">{token.name}</p>
                <p class="text-xs text-slate-500 dark:text-slate-400">
                    <code>{format!("{}…", token.prefix)}</code>
                    {format!(" · created {} · {last_used}", timestamp(token.created_at))}
                </p>
            </div>
            <Show
                when=move || is_confirming.get()
                fallback=move || {
                    view! {
                        <Button size=ButtonSize::Small class="self-start" on_click=move |_| set_confirming.set(true)>
                            "Revoke"
                        </Button>
                    }
                }
            >
                <div class="flex items-center gap-2 self-start text-sm">
                    <span>"Scripts using it will stop working."</span>
                    <Button size=ButtonSize::Small tone=ButtonTone::Alarm on_click=move |_| { revoke.dispatch(RevokeApiToken { id }); }>
                        "Revoke token"
                    </Button>
                    <Button size=ButtonSize::Small tone=ButtonTone::Quiet on_click=move |_| set_confirming.set(false)>
                        "Cancel"
                    </Button>
                </div>
            </Show>
        </li>
    }
}

#[component]
fn TokenListSkeleton() -> impl IntoView {
    view! {
        <div class="mt-6 space-y-3" aria-hidden="true">
            <div class="h-10 animate-pulse rounded-lg bg-slate-100 dark:bg-slate-800"></div>
            <div class="h-10 animate-pulse rounded-lg bg-slate-100 dark:bg-slate-800"></div>
        </div>
    }
}
