//! Sending a request again when the provider is busy or briefly failing:
//! 429, 529 (Anthropic's "overloaded"), 5xx, or no connection. The wait is
//! what the provider asks for in `retry-after`, else an exponential backoff.

use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, Response, StatusCode};

use super::ProviderError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub max_retries: u32,
    /// The first backoff; each later one doubles.
    pub base_delay: Duration,
    /// A provider asking for a longer wait than this gets an error instead:
    /// a person is waiting for the reply.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 4, base_delay: Duration::from_millis(500), max_wait: Duration::from_secs(60) }
    }
}

/// Sends the request built by `build`, retrying as the policy allows.
/// Answers the first successful response; a refusal that retrying cannot
/// fix is returned at once.
pub async fn send_with_retries(
    policy: RetryPolicy,
    build: impl Fn() -> RequestBuilder,
) -> Result<Response, ProviderError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let failure = match build().send().await {
            Ok(response) if response.status().is_success() => return Ok(response),
            Ok(response) => {
                let status = response.status();
                let retry_after = retry_after(response.headers());
                let message = error_message(response).await;
                if matches!(status.as_u16(), 401 | 403) {
                    // Some providers quote part of the key back; people are told what to fix instead.
                    tracing::warn!(status = status.as_u16(), %message, "the model provider refused the key");
                    let message = "the provider refused the platform's API key; check the key the server is configured with".into();
                    return Err(ProviderError::Rejected { status: status.as_u16(), message });
                }
                if !is_retryable(status) {
                    return Err(ProviderError::Rejected { status: status.as_u16(), message });
                }
                ProviderError::Unavailable {
                    status: status.as_u16(),
                    attempts: attempt,
                    message,
                    retry_after,
                }
            }
            Err(error) => ProviderError::Connection(describe(&error)),
        };
        let asked = match &failure {
            ProviderError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        };
        let wait = asked.unwrap_or_else(|| backoff(policy.base_delay, attempt));
        if attempt > policy.max_retries || wait > policy.max_wait {
            return Err(failure);
        }
        tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, error = %failure, "retrying the model provider");
        tokio::time::sleep(wait).await;
    }
}

fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429 | 500 | 502 | 503 | 504 | 529)
}

/// `base × 2^(attempt-1)` with up to a quarter of jitter, so many clients
/// retrying together spread out.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let exponential = base.saturating_mul(1 << attempt.saturating_sub(1).min(16));
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    let jitter = exponential.mul_f64(f64::from(nanos % 1000) / 4000.0);
    exponential + jitter
}

/// The longest a provider's answer can make anything wait: a build pauses
/// for at most this long, whatever `retry-after` says.
pub const LONGEST_PROVIDER_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// The wait a provider asks for, at most [`LONGEST_PROVIDER_WAIT`]:
/// `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP
/// date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    let asked = if let Some(millis) = text("retry-after-ms").and_then(|value| value.parse::<f64>().ok()) {
        Duration::try_from_secs_f64(millis / 1000.0).ok()?
    } else {
        let value = text("retry-after")?;
        if let Ok(seconds) = value.parse::<f64>() {
            Duration::try_from_secs_f64(seconds).ok()?
        } else {
            let date = httpdate::parse_http_date(value).ok()?;
            date.duration_since(SystemTime::now()).unwrap_or_default()
        }
    };
    Some(asked.min(LONGEST_PROVIDER_WAIT))
}

/// The provider's own explanation from an error body, which both APIs put
/// at `error.message`; otherwise the start of the body.
async fn error_message(response: Response) -> String {
    let status = response.status();
    let body = String::from_utf8_lossy(&start_of_body(response).await).into_owned();
    let from_json = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|json| {
        json.pointer("/error/message").and_then(|message| message.as_str()).map(str::to_owned)
    });
    match from_json {
        Some(message) => message,
        None if body.trim().is_empty() => status.canonical_reason().unwrap_or("no reason given").to_owned(),
        None => body.chars().take(300).collect(),
    }
}

/// At most this much of an error's body is read: the message is at its start.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

async fn start_of_body(response: Response) -> Vec<u8> {
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(Ok(chunk)) = chunks.next().await {
        let room = MAX_ERROR_BODY_BYTES - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == MAX_ERROR_BODY_BYTES {
            break;
        }
    }
    body
}

/// A reqwest error without its URL (which may carry a gateway's secret).
pub fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_connect() {
        "connection failed"
    } else if error.is_timeout() {
        "timed out"
    } else if error.is_body() || error.is_decode() {
        "the response was cut off"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_reads_seconds_milliseconds_and_dates() {
        assert_eq!(retry_after(&headers(&[("retry-after", "7")])), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7"), ("retry-after-ms", "1500")])),
            Some(Duration::from_millis(1500))
        );
        let later = SystemTime::now() + Duration::from_secs(120);
        let date = httpdate::fmt_http_date(later);
        let wait = retry_after(&headers(&[("retry-after", &date)])).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120), "{wait:?}");
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        // Absurd or negative waits are not waits (and must not panic).
        assert_eq!(retry_after(&headers(&[("retry-after", "1e300")])), None);
        // Representable but absurd: a build would pause for millennia.
        assert_eq!(retry_after(&headers(&[("retry-after", "1e13")])), Some(LONGEST_PROVIDER_WAIT));
        assert_eq!(retry_after(&headers(&[("retry-after-ms", "1e16")])), Some(LONGEST_PROVIDER_WAIT));
        assert_eq!(retry_after(&headers(&[("retry-after-ms", "-5")])), None);
        assert_eq!(retry_after(&headers(&[])), None);
    }

    #[test]
    fn backoff_doubles_from_the_base() {
        let base = Duration::from_millis(100);
        let third = backoff(base, 3);
        assert!(third >= Duration::from_millis(400) && third <= Duration::from_millis(500), "{third:?}");
    }
}
