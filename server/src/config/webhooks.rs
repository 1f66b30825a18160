//! How webhooks are delivered: WEBHOOK_* settings.

use std::time::Duration;

use super::reader::{boolean, whole, Reader};
use crate::webhooks::WebhookSettings;

pub(super) fn read_webhooks(reader: &mut Reader<'_>) -> Option<WebhookSettings> {
    let defaults = WebhookSettings::default();
    let allow_private =
        reader.parsed("WEBHOOK_ALLOW_PRIVATE_NETWORKS", Some(defaults.allow_private_networks), boolean);
    let max_attempts = reader.parsed("WEBHOOK_MAX_ATTEMPTS", Some(defaults.max_attempts), |value| {
        whole(value, 1, 100).map(|n| n as u32)
    });
    let first_retry = reader.parsed("WEBHOOK_FIRST_RETRY_SECS", Some(defaults.first_retry), |value| {
        whole(value, 1, 3600).map(|secs| Duration::from_secs(secs as u64))
    });
    let timeout = reader.parsed("WEBHOOK_TIMEOUT_SECS", Some(defaults.timeout), |value| {
        whole(value, 1, 120).map(|secs| Duration::from_secs(secs as u64))
    });
    Some(WebhookSettings {
        allow_private_networks: allow_private?,
        max_attempts: max_attempts?,
        first_retry: first_retry?,
        timeout: timeout?,
        ..defaults
    })
}
