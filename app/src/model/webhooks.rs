//! Webhooks: the build events a user can hear about while away, what a
//! registered hook and a delivery look like, and the message a receiver gets.
//! Which stored build event raises which webhook event is decided here, once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::builds::{BuildEvent, BuildStatus, Severity};

pub const MAX_WEBHOOK_URL_CHARS: usize = 2048;
pub const MAX_WEBHOOK_DESCRIPTION_CHARS: usize = 200;
/// Of the token budget, the share that raises [`WebhookEvent::BudgetWarning`].
pub const BUDGET_WARNING_PERCENT: u64 = 80;

/// What a hook can be told about. The names are the `type` of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum WebhookEvent {
    #[serde(rename = "build.completed")]
    Completed,
    #[serde(rename = "build.failed")]
    Failed,
    #[serde(rename = "build.paused")]
    Paused,
    /// An error the build could not get past on its own.
    #[serde(rename = "build.needs_attention")]
    NeedsAttention,
    /// The build has used 80 % of its token budget.
    #[serde(rename = "build.budget_warning")]
    BudgetWarning,
    /// Sent by the "Send test" button only; nobody subscribes to it.
    #[serde(rename = "webhook.test")]
    Test,
}

impl WebhookEvent {
    /// The events a hook can subscribe to, in the order the form lists them.
    pub const SUBSCRIBABLE: [WebhookEvent; 5] = [
        WebhookEvent::Completed,
        WebhookEvent::Failed,
        WebhookEvent::Paused,
        WebhookEvent::NeedsAttention,
        WebhookEvent::BudgetWarning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::Completed => "build.completed",
            WebhookEvent::Failed => "build.failed",
            WebhookEvent::Paused => "build.paused",
            WebhookEvent::NeedsAttention => "build.needs_attention",
            WebhookEvent::BudgetWarning => "build.budget_warning",
            WebhookEvent::Test => "webhook.test",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::SUBSCRIBABLE.into_iter().chain([WebhookEvent::Test]).find(|event| event.as_str() == name)
    }

    /// How the settings page names it.
    pub fn label(self) -> &'static str {
        match self {
            WebhookEvent::Completed => "Build completed",
            WebhookEvent::Failed => "Build failed",
            WebhookEvent::Paused => "Build paused",
            WebhookEvent::NeedsAttention => "Build needs attention",
            WebhookEvent::BudgetWarning => "80 % of the token budget used",
            WebhookEvent::Test => "Test",
        }
    }

    /// The webhook event a stored build event raises, if any.
    pub fn raised_by(event: &BuildEvent) -> Option<Self> {
        match event {
            BuildEvent::Status { status: BuildStatus::Completed, .. } => Some(WebhookEvent::Completed),
            BuildEvent::Status { status: BuildStatus::Failed, .. } => Some(WebhookEvent::Failed),
            BuildEvent::Status { status: BuildStatus::Paused, .. } => Some(WebhookEvent::Paused),
            BuildEvent::Error { severity: Severity::Error, recovered: false, .. } => {
                Some(WebhookEvent::NeedsAttention)
            }
            BuildEvent::BudgetWarning { .. } => Some(WebhookEvent::BudgetWarning),
            _ => None,
        }
    }
}

/// The events a hook can subscribe to, as the API document lists them.
#[cfg(feature = "ssr")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // only its schema is used
pub enum SubscribableEvent {
    #[schema(rename = "build.completed")]
    Completed,
    #[schema(rename = "build.failed")]
    Failed,
    #[schema(rename = "build.paused")]
    Paused,
    #[schema(rename = "build.needs_attention")]
    NeedsAttention,
    #[schema(rename = "build.budget_warning")]
    BudgetWarning,
}

/// What every way in says of a hook the caller cannot see: missing,
/// deleted and someone else's alike (and a malformed id, which names none).
pub fn webhook_not_found() -> AppError {
    AppError::NotFound("There is no such webhook.".into())
}

/// A hook as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookSummary {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub events: Vec<WebhookEvent>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
    /// The state of its latest delivery, if it had one.
    pub last_delivery: Option<DeliveryState>,
}

/// A hook just registered: the only time its signing secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    pub webhook: WebhookSummary,
    /// `whsec_` and base64, as Standard Webhooks libraries take it.
    pub secret: String,
}

/// A hook to register, as the form or the API sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewWebhook {
    /// Where to POST: `https://…` (or `http://…`).
    // The pattern documents a part of what is accepted, for clients and
    // generated tests: host names whose labels start with a letter, since a
    // URL parser reads a host ending in a number (`a.b.2`) as an IPv4
    // address.
    #[cfg_attr(
        feature = "ssr",
        schema(
            min_length = 1,
            max_length = 2048,
            pattern = r"^https?://[a-z]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]([a-z0-9-]{0,20}[a-z0-9])?){0,4}(/[A-Za-z0-9._~-]{0,40}){0,8}$"
        )
    )]
    pub url: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 200))]
    pub description: String,
    /// At least one of the subscribable events (not `webhook.test`).
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<SubscribableEvent>, min_items = 1))]
    pub events: Vec<WebhookEvent>,
}

impl NewWebhook {
    /// The rules every door shares; whether the address may be reached is
    /// the server's to decide (it depends on its network settings).
    pub fn parse(self) -> Result<NewWebhook, AppError> {
        let url = self.url.trim().to_owned();
        if url.is_empty() {
            return Err(AppError::Invalid("Enter the URL the platform should POST to.".into()));
        }
        if url.chars().count() > MAX_WEBHOOK_URL_CHARS {
            return Err(AppError::Invalid(format!(
                "A webhook URL has at most {MAX_WEBHOOK_URL_CHARS} characters."
            )));
        }
        let lowercase = url.to_ascii_lowercase();
        if !lowercase.starts_with("https://") && !lowercase.starts_with("http://") {
            return Err(AppError::Invalid("A webhook URL starts with https:// (or http://).".into()));
        }
        // Control characters have no place in a label (and PostgreSQL text holds no NUL).
        let description: String = self.description.chars().filter(|c| !c.is_control()).collect();
        let description = description.trim().to_owned();
        if description.chars().count() > MAX_WEBHOOK_DESCRIPTION_CHARS {
            return Err(AppError::Invalid(format!(
                "A description has at most {MAX_WEBHOOK_DESCRIPTION_CHARS} characters."
            )));
        }
        let mut events = Vec::new();
        for event in self.events {
            if event == WebhookEvent::Test {
                return Err(AppError::Invalid("webhook.test is sent by the Send test button only.".into()));
            }
            if !events.contains(&event) {
                events.push(event);
            }
        }
        if events.is_empty() {
            return Err(AppError::Invalid("Choose at least one event to be told about.".into()));
        }
        events.sort_by_key(|event| WebhookEvent::SUBSCRIBABLE.iter().position(|known| known == event));
        Ok(NewWebhook { url, description, events })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not sent yet, or waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed, or the address is not allowed.
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Failed]
            .into_iter()
            .find(|state| state.as_str() == name)
    }
}

/// One message to one hook, with how its attempts went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// Also the message's `id` and its `webhook-id` header, the same on every attempt.
    pub id: Uuid,
    pub event: WebhookEvent,
    pub build_id: Option<Uuid>,
    pub state: DeliveryState,
    pub attempts: i32,
    /// The receiver's answer to the last attempt, if it answered.
    pub response_status: Option<i32>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// When the next attempt goes, while pending.
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "hydrate", serde(default, deserialize_with = "super::wire_times::read_optional"))]
    pub delivered_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub created_at: DateTime<Utc>,
}

/// The body of every delivery: `{"id", "type", "timestamp", "data"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookMessage {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub event: WebhookEvent,
    /// When the event happened.
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub timestamp: DateTime<Utc>,
    pub data: WebhookBuild,
}

/// The build a message is about, as it stood when the event happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookBuild {
    pub build_id: Uuid,
    pub spec_name: String,
    pub status: BuildStatus,
    /// Why it failed or paused, the error that needs attention, or the budget's use.
    pub message: Option<String>,
    pub features_passing: i32,
    pub features_total: i32,
    pub tokens: i64,
    /// The build's page on this platform (`/builds/<id>`), to put after its address.
    pub path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_webhook(url: &str, events: Vec<WebhookEvent>) -> NewWebhook {
        NewWebhook { url: url.into(), description: "  Team chat ".into(), events }
    }

    #[test]
    fn a_new_hook_is_trimmed_and_its_events_deduplicated_in_form_order() {
        let hook = new_webhook(
            " https://hooks.example.com/agents ",
            vec![WebhookEvent::Failed, WebhookEvent::Completed, WebhookEvent::Failed],
        )
        .parse()
        .unwrap();
        assert_eq!(hook.url, "https://hooks.example.com/agents");
        assert_eq!(hook.description, "Team chat");
        assert_eq!(hook.events, vec![WebhookEvent::Completed, WebhookEvent::Failed]);
    }

    #[test]
    fn a_hook_needs_a_web_url_and_an_event() {
        let error = |url: &str, events| new_webhook(url, events).parse().unwrap_err().to_string();
        assert!(error("", vec![WebhookEvent::Paused]).contains("Enter the URL"));
        assert!(error("ftp://example.com", vec![WebhookEvent::Paused]).contains("https://"));
        assert!(error("https://example.com", vec![]).contains("at least one event"));
        assert!(error("https://example.com", vec![WebhookEvent::Test]).contains("Send test"));
        let long = format!("https://example.com/{}", "a".repeat(MAX_WEBHOOK_URL_CHARS));
        assert!(error(&long, vec![WebhookEvent::Paused]).contains("at most"));
    }

    #[test]
    fn endings_pauses_unrecovered_errors_and_the_budget_raise_webhook_events() {
        let status = |status| BuildEvent::Status { status, reason: None };
        assert_eq!(WebhookEvent::raised_by(&status(BuildStatus::Completed)), Some(WebhookEvent::Completed));
        assert_eq!(WebhookEvent::raised_by(&status(BuildStatus::Failed)), Some(WebhookEvent::Failed));
        assert_eq!(WebhookEvent::raised_by(&status(BuildStatus::Paused)), Some(WebhookEvent::Paused));
        assert_eq!(WebhookEvent::raised_by(&status(BuildStatus::Running)), None);
        let error = |severity, recovered| BuildEvent::Error { severity, message: "x".into(), recovered };
        assert_eq!(
            WebhookEvent::raised_by(&error(Severity::Error, false)),
            Some(WebhookEvent::NeedsAttention)
        );
        assert_eq!(WebhookEvent::raised_by(&error(Severity::Error, true)), None);
        assert_eq!(WebhookEvent::raised_by(&error(Severity::Warning, false)), None);
        let budget = BuildEvent::BudgetWarning { used_tokens: 80, budget_tokens: 100 };
        assert_eq!(WebhookEvent::raised_by(&budget), Some(WebhookEvent::BudgetWarning));
        assert_eq!(WebhookEvent::raised_by(&BuildEvent::system_log("hello")), None);
    }

    #[test]
    fn event_names_round_trip_through_json_and_parse() {
        for event in WebhookEvent::SUBSCRIBABLE.into_iter().chain([WebhookEvent::Test]) {
            assert_eq!(serde_json::to_string(&event).unwrap(), format!("\"{}\"", event.as_str()));
            assert_eq!(WebhookEvent::parse(event.as_str()), Some(event));
        }
        assert_eq!(WebhookEvent::parse("build.started"), None);
    }
}
