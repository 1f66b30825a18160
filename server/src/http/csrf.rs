//! Cross-site request forgery: a state-changing request (anything but GET,
//! HEAD, OPTIONS) that a browser sent from another site is refused with 403.
//! Browsers mark every request with `Sec-Fetch-Site`, and older ones at least
//! send `Origin` on cross-site POSTs; requests with neither come from scripts,
//! which hold no victim's cookies. The SameSite=Lax session cookie is a second
//! line behind this one.

use app::error::AppError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::refusal::refuse;
use crate::http::AppState;

pub async fn refuse_cross_origin_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_write = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if is_write && is_cross_origin(request.headers(), state.auth.public_origin.as_deref()) {
        tracing::warn!(
            path = %request.uri().path(),
            origin = ?request.headers().get(header::ORIGIN),
            "refused a cross-origin request"
        );
        let error = AppError::Forbidden(
            "This request came from another website and was refused. \
             Open the platform itself and try again."
                .into(),
        );
        return refuse(&request, error);
    }
    next.run(request).await
}

fn is_cross_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        // "none" is the user typing the address or using a bookmark.
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    if public_origin.is_some_and(|trusted| origin.eq_ignore_ascii_case(trusted)) {
        return false;
    }
    // Without a configured public URL, the site is whatever host the request was sent to.
    let origin_host = origin.split_once("://").map(|(_, host)| host);
    let request_host = headers.get(header::HOST).and_then(|value| value.to_str().ok());
    match (origin_host, request_host) {
        (Some(origin_host), Some(request_host)) => !origin_host.eq_ignore_ascii_case(request_host),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap())).collect()
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(!is_cross_origin(&headers(&[("sec-fetch-site", "same-origin")]), None));
        assert!(is_cross_origin(&headers(&[("sec-fetch-site", "cross-site")]), None));
        assert!(is_cross_origin(&headers(&[("sec-fetch-site", "same-site")]), None));
    }

    #[test]
    fn the_origin_must_match_the_host_or_the_public_url() {
        let same = headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]);
        assert!(!is_cross_origin(&same, None));
        let other = headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")]);
        assert!(is_cross_origin(&other, None));
        let proxied = headers(&[("origin", "https://agents.example.com"), ("host", "10.0.0.5:3000")]);
        assert!(!is_cross_origin(&proxied, Some("https://agents.example.com")));
        assert!(is_cross_origin(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]), None));
    }

    #[test]
    fn scripts_without_browser_headers_pass() {
        assert!(!is_cross_origin(&headers(&[("host", "127.0.0.1:3000")]), None));
    }
}
