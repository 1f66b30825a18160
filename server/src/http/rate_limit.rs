//! The REST API's request limit: each request takes one from its caller's
//! per-minute allowance (the user's, or before sign-in the client address's),
//! and every answer says where the caller stands in `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds at which the
//! allowance is whole again). Past it: 429 with `Retry-After`.

use app::error::AppError;
use app::ports::{Caller, ClientAddress};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::api::error::ApiError;
use crate::http::AppState;
use crate::rate_limits::{self, Bucket, Decision};

const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

pub async fn limit_api_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let caller = request.extensions().get::<Caller>().map(|caller| caller.user.id);
    let address = request.extensions().get::<ClientAddress>().map(|ClientAddress(address)| *address);
    let bucket = match (caller, address) {
        (Some(user_id), _) => Bucket::ApiRequestsOfUser(user_id),
        (None, Some(address)) => Bucket::ApiRequestsOfAddress(address),
        // Only a request that came through no socket (an in-process call).
        (None, None) => return next.run(request).await,
    };
    let quota = state.auth.api_requests;
    let decision = match rate_limits::take_from_pool(&state.pool, bucket, quota).await {
        Ok(decision) => decision,
        Err(error) => return ApiError::from(AppError::from(error)).into_response(),
    };
    let mut response = if decision.is_allowed {
        next.run(request).await
    } else {
        tracing::info!(bucket = %bucket.key(), "refused an API request over the limit");
        ApiError::from(refusal(&decision, caller.is_some())).into_response()
    };
    add_headers(response.headers_mut(), &decision);
    response
}

fn refusal(decision: &Decision, is_signed_in: bool) -> AppError {
    let wait = decision.retry_after_secs();
    let whose = if is_signed_in { "You have" } else { "This address has" };
    AppError::TooManyRequests {
        message: format!(
            "{whose} made {} API requests in the last minute, the most allowed. Try again in {wait} second{}.",
            decision.limit,
            if wait == 1 { "" } else { "s" }
        ),
        retry_after_secs: wait,
    }
}

fn add_headers(headers: &mut HeaderMap, decision: &Decision) {
    // Rounded up: a client waiting until then finds the allowance whole.
    let reset = decision.reset_at.timestamp() + i64::from(decision.reset_at.timestamp_subsec_nanos() > 0);
    headers.insert(LIMIT, HeaderValue::from(decision.limit));
    headers.insert(REMAINING, HeaderValue::from(decision.remaining));
    headers.insert(RESET, HeaderValue::from(reset));
}
