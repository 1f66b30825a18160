//! The cap on request bodies, answered with both sizes in the form its
//! caller reads when the client declares its length (streamed bodies past
//! the cap are cut off by `RequestBodyLimitLayer` behind this).

use app::error::AppError;
use app::format::group_thousands;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

use crate::http::refusal::refuse;

/// Upper bound for any request body: a 1 MiB spec, even fully
/// percent-encoded in a form, fits.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

pub async fn refuse_oversized_bodies(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    match declared {
        Some(length) if length > MAX_REQUEST_BYTES => refuse(
            &request,
            AppError::TooLarge(format!(
                "The request is {} bytes; the limit is {} bytes (8 MiB).",
                group_thousands(length),
                group_thousands(MAX_REQUEST_BYTES)
            )),
        ),
        _ => next.run(request).await,
    }
}
