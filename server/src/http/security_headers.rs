//! What every response tells the browser about how strictly to treat it: a
//! Content Security Policy (on pages, scripts run only from this origin or
//! with the render's nonce), no MIME sniffing, no framing by other sites, a
//! short referrer, no camera, microphone or location, and HTTPS only once
//! `PUBLIC_URL` is https.

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::http::AppState;

const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");

/// For every answer that is not a rendered page (JSON, files, errors): it may
/// load nothing, so a file shown by mistake as HTML can run nothing either.
const RESOURCE_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// A year, the span browsers' preload lists ask for.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The policy of a rendered page. Scripts: the page's own files, the inline
/// hydration and resource scripts Leptos marks with this render's `nonce`,
/// and compiling the WASM. Styles: the stylesheet, plus `style` attributes,
/// which the server writes for sizes (bars, the log's height) and which run
/// no code. Frames: the preview origin (`preview_frames`, a CSP source),
/// reached through this origin's redirect to a signed link, for the build
/// page's preview. Everything else comes from this origin only.
pub fn page_policy(nonce: &str, preview_frames: Option<&str>) -> String {
    let frames = preview_frames.map(|source| format!("frame-src 'self' {source}; ")).unwrap_or_default();
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; \
         img-src 'self' data:; {frames}\
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
    )
}

/// Called while a page renders (with Leptos's context): sets the page's policy
/// with the nonce Leptos generated for this render.
pub fn announce_page_policy(preview_frames: Option<&str>) {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    match HeaderValue::from_str(&page_policy(&nonce, preview_frames)) {
        Ok(policy) => response.insert_header(CONTENT_SECURITY_POLICY, policy),
        // Leptos's nonces are URL-safe base64; anything else is a bug there.
        Err(error) => tracing::error!(%error, "the render's nonce cannot be put in a header"),
    }
}

/// Adds the headers to every response; a page keeps the policy its render set.
pub async fn add_security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    apply(response.headers_mut(), state.auth.secure_cookies);
    response
}

fn apply(headers: &mut HeaderMap, is_https: bool) {
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(RESOURCE_POLICY));
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(PERMISSIONS_POLICY, HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if is_https {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_runs_only_its_own_scripts_and_those_with_its_nonce() {
        let policy = page_policy("abc123", None);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"), "{policy}");
        let script_src = policy.split(';').find(|directive| directive.trim().starts_with("script-src"));
        assert!(!script_src.unwrap_or_default().contains("unsafe-inline"), "{policy}");
        assert!(policy.contains("frame-ancestors 'self'"), "{policy}");
    }

    #[test]
    fn a_page_keeps_its_policy_and_other_answers_get_the_strict_one() {
        let mut page = HeaderMap::new();
        page.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_str(&page_policy("n", None)).unwrap());
        apply(&mut page, false);
        assert!(page[CONTENT_SECURITY_POLICY].to_str().unwrap().contains("'nonce-n'"));

        let mut json = HeaderMap::new();
        apply(&mut json, false);
        assert_eq!(json[CONTENT_SECURITY_POLICY], RESOURCE_POLICY);
        assert_eq!(json[X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(!json.contains_key(STRICT_TRANSPORT_SECURITY));
    }

    #[test]
    fn a_page_may_frame_the_preview_origin_and_nothing_else() {
        let policy = page_policy("n", Some("http://localhost:3002"));
        assert!(policy.contains("frame-src 'self' http://localhost:3002;"), "{policy}");
        assert!(!page_policy("n", None).contains("frame-src"));
    }

    #[test]
    fn https_adds_strict_transport_security() {
        let mut headers = HeaderMap::new();
        apply(&mut headers, true);
        assert_eq!(headers[STRICT_TRANSPORT_SECURITY], HSTS);
    }
}
