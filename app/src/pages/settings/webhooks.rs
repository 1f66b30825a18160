//! The settings page's webhooks: register a URL for build events, copy its
//! signing secret once, send a test, and read how its deliveries went.

use std::time::Duration;

use leptos::prelude::*;
use uuid::Uuid;

use crate::actions::LastActionError;
use crate::api::webhooks::{
    list_webhook_deliveries, list_webhooks, CreateWebhook, DeleteWebhook, SendTestWebhook,
};
use crate::components::button::{Button, ButtonSize, ButtonTone};
use crate::components::card::Card;
use crate::components::form::{FormError, FormFields, ServerForm, TextField};
use crate::components::load_error::InlineLoadError;
use crate::components::secret_notice::SecretNotice;
use crate::format::{counted, timestamp};
use crate::loaded::load;
use crate::model::webhooks::{
    DeliveryState, WebhookDelivery, WebhookEvent, WebhookSummary, MAX_WEBHOOK_DESCRIPTION_CHARS,
    MAX_WEBHOOK_URL_CHARS,
};
use crate::refresh::tick_while;

/// While a listed delivery is pending, the list is read again this often (ms).
const PENDING_REFRESH: Duration = Duration::from_secs(2);

/// What a new hook listens for unless the form says otherwise: the moments
/// that need a person.
fn is_ticked_by_default(event: WebhookEvent) -> bool {
    matches!(event, WebhookEvent::Completed | WebhookEvent::Failed | WebhookEvent::NeedsAttention)
}

/// The hook the form describes. Its ticked events are the checkboxes
/// `events[0]`, `events[1]`, …, each posting its event's name.
fn webhook_from(fields: &FormFields) -> CreateWebhook {
    let events = (0..WebhookEvent::SUBSCRIBABLE.len())
        .filter_map(|index| fields.optional_text(&format!("events[{index}]")))
        .filter_map(|name| WebhookEvent::parse(&name))
        .collect();
    CreateWebhook { url: fields.text("url"), description: fields.text("description"), events }
}

#[component]
pub fn WebhooksCard() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let send_test = ServerAction::<SendTestWebhook>::new();
    // Not read again after a test: that would redraw the rows and close their delivery lists.
    let hooks = load(move || (create.version().get(), delete.version().get()), |_| list_webhooks());
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let row_error = LastActionError::new().follow(delete).follow(send_test).signal();
    let created = Signal::derive(move || create.value().get().and_then(Result::ok));

    view! {
        <Card labelled_by="webhooks-heading" class="lg:col-span-3">
            <h2 id="webhooks-heading" class="text-base font-semibold">"Webhooks"</h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Tell another service when a build ends, pauses, needs you, or has used 80 % of its token budget. "
                "Each delivery is a signed POST in the Standard Webhooks format, retried for hours until your receiver answers; "
                "the README shows how to check the signature."
            </p>
            <ServerForm action=create arguments=webhook_from attr:class="mt-4 grid gap-3 lg:grid-cols-2" attr:aria-label="Add a webhook">
                <TextField label="URL" name="url" input_type="url" maxlength=MAX_WEBHOOK_URL_CHARS as u32 hint="Where to POST, e.g. https://hooks.example.com/agents." />
                <TextField label="Description" name="description" required=false maxlength=MAX_WEBHOOK_DESCRIPTION_CHARS as u32 hint="Optional: what receives it, e.g. \"Team chat\"." />
                <fieldset class="lg:col-span-2">
                    <legend class="text-sm font-medium">"Events"</legend>
                    <div class="mt-2 flex flex-wrap gap-x-5 gap-y-2 text-sm">
                        {WebhookEvent::SUBSCRIBABLE
                            .into_iter()
                            .enumerate()
                            .map(|(index, event)| {
                                view! {
                                    <label class="flex items-center gap-2">
                                        <input
                                            type="checkbox"
                                            name=format!("events[{index}]")
                                            value=event.as_str()
                                            checked=is_ticked_by_default(event)
                                            class="size-4 rounded border-slate-400"
                                        />
                                        {event.label()}
                                    </label>
                                }
                            })
                            .collect_view()}
                    </div>
                </fieldset>
                <div class="lg:col-span-2">
                    <Button is_submit=true tone=ButtonTone::Primary disabled=create.pending()>
                        {move || if create.pending().get() { "Adding…" } else { "Add webhook" }}
                    </Button>
                </div>
            </ServerForm>
            <FormError error=create_error />
            {move || {
                created
                    .get()
                    .map(|created| {
                        let message = format!(
                            "Webhook for {} added. Copy its signing secret now: it will not be shown again.",
                            created.webhook.url,
                        );
                        view! { <SecretNotice message label="Signing secret" secret=created.secret testid="new-webhook" /> }
                    })
            }}
            <FormError error=row_error />
            <Transition fallback=|| view! { <div class="mt-6 h-16 animate-pulse rounded-lg bg-slate-100 dark:bg-slate-800" aria-hidden="true"></div> }>
                {move || Suspend::new(async move {
                    match hooks.await {
                        Ok(list) if list.is_empty() => {
                            view! {
                                <p data-testid="no-webhooks" class="mt-6 text-sm text-slate-600 dark:text-slate-400">
                                    "No webhooks yet. Add one above to hear about builds while you are away."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul data-testid="webhook-list" class="mt-6 divide-y divide-slate-200 dark:divide-slate-800">
                                    {list
                                        .into_iter()
                                        .map(|hook| view! { <WebhookRow hook delete send_test /> })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! { <InlineLoadError error retry=Callback::new(move |()| hooks.refetch()) /> }.into_any()
                        }
                    }
                })}
            </Transition>
        </Card>
    }
    .into_any()
}

#[component]
fn WebhookRow(
    hook: WebhookSummary,
    delete: ServerAction<DeleteWebhook>,
    send_test: ServerAction<SendTestWebhook>,
) -> impl IntoView {
    let id = hook.id;
    let (is_confirming, set_confirming) = signal(false);
    let (is_showing_deliveries, set_showing_deliveries) = signal(false);
    let events = hook.events.iter().map(|event| event.label()).collect::<Vec<_>>().join(", ");
    let description =
        (!hook.description.is_empty()).then(|| view! { <p class="text-sm">{hook.description.clone()}</p> });
    view! {
        <li data-testid="webhook" class="py-4">
            <div class="flex flex-col gap-3 md:flex-row md:items-start md:justify-between">
                <div class="min-w-0">
                    <p class="font-mono text-sm break-all">{hook.url.clone()}</p>
                    {description}
                    <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">
                        {format!("{events} · added {}", timestamp(hook.created_at))}
                        {hook.last_delivery.map(|state| format!(" · last delivery {}", state_word(state)))}
                    </p>
                </div>
                <div class="flex flex-wrap items-center gap-2">
                    <Button
                        size=ButtonSize::Small
                        disabled=send_test.pending()
                        on_click=Callback::new(move |_| {
                            set_showing_deliveries.set(true);
                            send_test.dispatch(SendTestWebhook { id });
                        })
                    >
                        "Send test"
                    </Button>
                    <Button
                        size=ButtonSize::Small
                        attr:aria-expanded=move || is_showing_deliveries.get().to_string()
                        on_click=Callback::new(move |_| set_showing_deliveries.update(|shown| *shown = !*shown))
                    >
                        {move || if is_showing_deliveries.get() { "Hide deliveries" } else { "Deliveries" }}
                    </Button>
                    <Show
                        when=move || is_confirming.get()
                        fallback=move || {
                            view! {
                                <Button size=ButtonSize::Small tone=ButtonTone::Danger on_click=Callback::new(move |_| set_confirming.set(true))>
                                    "Delete"
                                </Button>
                            }
                        }
                    >
                        <span class="text-sm">"Its deliveries go too."</span>
                        <Button size=ButtonSize::Small tone=ButtonTone::Danger on_click=Callback::new(move |_| { delete.dispatch(DeleteWebhook { id }); })>
                            "Delete webhook"
                        </Button>
                        <Button size=ButtonSize::Small tone=ButtonTone::Quiet on_click=Callback::new(move |_| set_confirming.set(false))>
                            "Cancel"
                        </Button>
                    </Show>
                </div>
            </div>
            <Show when=move || is_showing_deliveries.get()>
                <DeliveryList id send_test />
            </Show>
        </li>
    }
}

fn state_word(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Pending => "pending",
        DeliveryState::Delivered => "delivered",
        DeliveryState::Failed => "failed",
    }
}

/// The hook's latest deliveries, read again while one is still pending.
#[component]
fn DeliveryList(id: Uuid, send_test: ServerAction<SendTestWebhook>) -> impl IntoView {
    let refreshes = RwSignal::new(0_u32);
    let deliveries =
        load(move || (send_test.version().get(), refreshes.get()), move |_| list_webhook_deliveries(id));
    tick_while(refreshes, PENDING_REFRESH, move || {
        deliveries
            .get()
            .and_then(Result::ok)
            .is_some_and(|list| list.iter().any(|delivery| delivery.state == DeliveryState::Pending))
    });
    view! {
        <div class="mt-3 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
            <Transition fallback=|| view! { <p class="text-sm text-slate-600 dark:text-slate-400">"Loading deliveries…"</p> }>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        Ok(list) if list.is_empty() => {
                            view! {
                                <p class="text-sm text-slate-600 dark:text-slate-400">
                                    "Nothing sent yet. Send a test to see a delivery here."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <ul data-testid="deliveries" aria-label="Deliveries" class="space-y-2 text-sm">
                                    {list.into_iter().map(|delivery| view! { <DeliveryRow delivery /> }).collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! { <p role="alert" class="text-sm text-red-700 dark:text-red-300">{error.to_string()}</p> }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn DeliveryRow(delivery: WebhookDelivery) -> impl IntoView {
    let (badge, badge_class) = match delivery.state {
        DeliveryState::Delivered => {
            ("Delivered", "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100")
        }
        DeliveryState::Pending => {
            ("Pending", "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100")
        }
        DeliveryState::Failed => ("Failed", "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100"),
    };
    let answer = delivery.response_status.map(|status| format!(" · answered {status}"));
    let attempts = match delivery.attempts {
        0 => "not sent yet".to_owned(),
        count => counted(usize::try_from(count).unwrap_or_default(), "attempt", "attempts"),
    };
    let next = delivery
        .next_attempt_at
        .filter(|_| delivery.attempts > 0)
        .map(|at| format!(" · next {}", timestamp(at)));
    view! {
        <li data-testid="delivery" data-state=delivery.state.as_str() class="flex flex-col gap-1 sm:flex-row sm:items-baseline sm:gap-3">
            <span class=format!("self-start rounded-full px-2 py-0.5 text-xs font-medium {badge_class}")>{badge}</span>
            <div class="min-w-0">
                <p>
                    <span class="font-medium">{delivery.event.label()}</span>
                    {format!(" · {} · {attempts}", timestamp(delivery.created_at))}
                    {answer}
                    {next}
                </p>
                {delivery.last_error.map(|error| view! { <p class="text-xs break-words text-slate-600 dark:text-slate-400">{error}</p> })}
            </div>
        </li>
    }
}
