//! The preview origin: a listener of its own (`PREVIEW_ADDR`) that serves
//! each build's app to its owner. A signed link from the build page is
//! traded for an access cookie of this origin; every other request needs
//! that cookie, starts the app if it sleeps, and is passed to it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use serde::Deserialize;
use tower_http::trace::TraceLayer;

use crate::auth::sessions::{SECURE_SESSION_COOKIE, SESSION_COOKIE};
use crate::http::plain_page::page;
use crate::previews::access::{Access, AccessSigner, Purpose};
use crate::previews::origin::HostMatch;
use crate::previews::proxy::{self, ProxyError};
use crate::previews::service::ENTER_PATH;
use crate::previews::{Phase, PreviewError, PreviewOrigin, Previews};

/// The access cookie: a signed grant naming the build and its owner.
pub const ACCESS_COOKIE: &str = "agents_preview";
/// How long a request waits for a starting app before the "starting" page.
const START_WAIT: Duration = Duration::from_secs(3);

#[derive(Clone)]
pub struct PreviewSite {
    pub previews: Arc<Previews>,
    pub signer: Arc<AccessSigner>,
    pub origin: PreviewOrigin,
}

pub fn preview_router(site: PreviewSite) -> Router {
    Router::new()
        .route(ENTER_PATH, get(enter))
        .fallback(pass_to_app)
        .layer(TraceLayer::new_for_http())
        .with_state(site)
}

#[derive(Deserialize)]
struct EnterQuery {
    token: Option<String>,
}

/// Trades a signed link for the access cookie, then opens the app.
async fn enter(
    State(site): State<PreviewSite>,
    headers: HeaderMap,
    Query(query): Query<EnterQuery>,
) -> Response {
    let host = match_host(&site, &headers);
    if host == HostMatch::Unknown {
        return unknown_host();
    }
    let token = query.token.unwrap_or_default();
    let access = match site.signer.verify(Purpose::Link, &token, Utc::now()) {
        Ok(access) if is_for_host(&access, host) => access,
        Ok(_) => {
            return page(
                StatusCode::FORBIDDEN,
                "Not this preview",
                "This link opens another build's preview.",
            )
        }
        Err(refusal) => return page(StatusCode::FORBIDDEN, "Preview link refused", &refusal.to_string()),
    };
    // Asked now, whatever was remembered: a grant lasts 12 hours.
    if !site.previews.credentials.valid_now(&access).await {
        return access_ended(&site);
    }
    let was_in_this_preview = current_grant(&site, &headers)
        .is_some_and(|held| held.build_id == access.build_id && held.user_id == access.user_id);
    let expires = Utc::now() + site.previews.settings.access_lifetime;
    let grant = site.signer.sign(
        Purpose::Grant,
        &Access {
            expires: chrono::DateTime::from_timestamp(expires.timestamp(), 0).unwrap_or(expires),
            ..access
        },
    );
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    set_access_cookie(&site, &mut response, &grant, site.previews.settings.access_lifetime);
    // The link's token must not travel on in a Referer.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // On the origin every preview shares, what another build's app left in
    // this browser (a cached page, a service worker, storage) would run
    // with this grant: it goes, unless the browser was in this preview already.
    if host == HostMatch::Shared && !was_in_this_preview {
        response.headers_mut().insert(
            HeaderName::from_static("clear-site-data"),
            HeaderValue::from_static("\"cache\", \"storage\""),
        );
    }
    response
}

/// Any other request: the owner's, to their build's app.
async fn pass_to_app(State(site): State<PreviewSite>, request: Request) -> Response {
    let host = match_host(&site, request.headers());
    if host == HostMatch::Unknown {
        return unknown_host();
    }
    if grant_cookies(request.headers()) > 1 {
        return two_grants();
    }
    let grant = current_grant(&site, request.headers()).filter(|access| is_for_host(access, host));
    let Some(access) = grant else {
        return page(
            StatusCode::FORBIDDEN,
            "No access to this preview",
            "Previews open only for the build's owner: open it with \"Open preview\" on the build page.",
        );
    };
    if !site.previews.credentials.still_valid(&access).await {
        return access_ended(&site);
    }
    let preview = match site.previews.ensure(access.build_id, access.user_id).await {
        Ok(preview) => preview,
        Err(error) => return preview_error(&error),
    };
    match preview.wait_ready(START_WAIT).await {
        Phase::Ready => {}
        Phase::Starting => return starting(),
        Phase::Ended(how) => {
            let stopped = page(StatusCode::BAD_GATEWAY, "The preview stopped", &how);
            return unless_unstartable(&site, access.build_id, stopped).await;
        }
    }
    preview.touch();
    let Ok(slot) = preview.connections.clone().try_acquire_owned() else {
        return page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many connections",
            "This preview has as many requests open as it may; try again in a moment.",
        );
    };
    let limits = site.previews.settings.limits;
    match proxy::forward(
        &preview.socket,
        request,
        limits,
        &[ACCESS_COOKIE, SESSION_COOKIE, SECURE_SESSION_COOKIE],
        slot,
        until_access_ends(site.previews.clone(), access.clone()),
    )
    .await
    {
        Ok(response) => response,
        Err(error) => unless_unstartable(&site, access.build_id, proxy_error(&error)).await,
    }
}

/// Resolves once `access` has ended: its credential signs nobody in any
/// more, or the grant expired. What is still open then (a tunnel, a
/// streamed answer) closes with it.
async fn until_access_ends(previews: Arc<Previews>, access: Access) {
    let every = previews.settings.access_recheck.max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        if Utc::now() > access.expires || !previews.credentials.valid_now(&access).await {
            return;
        }
    }
}

/// Sets the access cookie, or with no lifetime clears it.
fn set_access_cookie(site: &PreviewSite, response: &mut Response, grant: &str, lifetime: Duration) {
    // The build page's frame is a third party to the platform's page: its
    // cookie must be SameSite=None, which browsers take only with Secure (on
    // http, loopback names alone), and Partitioned (CHIPS), which browsers
    // blocking third-party cookies still keep, in a jar of that page's own.
    // Clearing it takes the same attributes, to reach that jar.
    let attributes = if site.origin.allows_secure_cookies() {
        "SameSite=None; Secure; Partitioned"
    } else {
        "SameSite=Lax"
    };
    let cookie =
        format!("{ACCESS_COOKIE}={grant}; Path=/; HttpOnly; Max-Age={}; {attributes}", lifetime.as_secs());
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
}

/// The credential that opened the preview signs nobody in any more: access
/// ends with it, and the browser forgets the grant.
fn access_ended(site: &PreviewSite) -> Response {
    let mut response = page(
        StatusCode::FORBIDDEN,
        "Access to this preview ended",
        "The sign-in or API token that opened this preview has ended (signed out, expired or revoked). \
         Sign in and open it again with \"Open preview\" on the build page.",
    );
    set_access_cookie(site, &mut response, "", Duration::ZERO);
    response
}

/// `otherwise`, unless the app cannot start at all any more (its work
/// directory went while it ran, its `preview.json` changed): then why.
async fn unless_unstartable(site: &PreviewSite, build_id: uuid::Uuid, otherwise: Response) -> Response {
    match site.previews.check_startable(build_id).await {
        Ok(()) => otherwise,
        Err(error) => preview_error(&error),
    }
}

fn match_host(site: &PreviewSite, headers: &HeaderMap) -> HostMatch {
    headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .map_or(HostMatch::Unknown, |host| site.origin.match_host(host))
}

fn is_for_host(access: &Access, host: HostMatch) -> bool {
    match host {
        HostMatch::Shared => true,
        HostMatch::PerBuild(build_id) => build_id == access.build_id,
        HostMatch::Unknown => false,
    }
}

/// The grant the browser holds, if it is valid.
fn current_grant(site: &PreviewSite, headers: &HeaderMap) -> Option<Access> {
    access_cookie(headers).and_then(|token| site.signer.verify(Purpose::Grant, &token, Utc::now()).ok())
}

fn grant_cookies(headers: &HeaderMap) -> usize {
    proxy::request_cookies(headers).filter(|cookie| cookie.name() == ACCESS_COOKIE).count()
}

/// Refuses a request with two grants, and clears the origin's cookies so
/// that opening the preview again works.
fn two_grants() -> Response {
    let mut response = page(
        StatusCode::FORBIDDEN,
        "Two preview grants",
        "This browser sent two grants to this preview address (an app opened here set one of its own), so \
         which is yours cannot be told. They are cleared now: open the preview again with \"Open preview\" \
         on the build page.",
    );
    response
        .headers_mut()
        .insert(HeaderName::from_static("clear-site-data"), HeaderValue::from_static("\"cookies\""));
    response
}

/// The grant cookie's value, unless the browser sends two: a script of an
/// app on the shared origin can set one of its own for a longer path, which
/// the browser would send first, to steer its visitor's requests to that app.
fn access_cookie(headers: &HeaderMap) -> Option<String> {
    let mut grants = proxy::request_cookies(headers).filter(|cookie| cookie.name() == ACCESS_COOKIE);
    let grant = grants.next()?;
    grants.next().is_none().then(|| grant.value().to_owned())
}

fn unknown_host() -> Response {
    page(
        StatusCode::MISDIRECTED_REQUEST,
        "Unknown preview address",
        "This server has no preview at this address.",
    )
}

fn starting() -> Response {
    let mut response = page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Starting the preview…",
        "The app is starting in its sandbox. This page reloads by itself in a moment.",
    );
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response.headers_mut().insert(header::REFRESH, HeaderValue::from_static("1"));
    response
}

fn preview_error(error: &PreviewError) -> Response {
    let (status, title) = match error {
        PreviewError::WorkDirGone => (StatusCode::NOT_FOUND, "No preview"),
        PreviewError::NoCommand => (StatusCode::NOT_FOUND, "Nothing to preview yet"),
        PreviewError::BadManifest(_) => (StatusCode::BAD_GATEWAY, "The preview cannot start"),
        PreviewError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "Previews are unavailable"),
    };
    page(status, title, &error.to_string())
}

fn proxy_error(error: &ProxyError) -> Response {
    page(
        error.status(),
        "The app did not answer",
        &format!("{}. Its output is in the build's App log.", capitalised(&error.to_string())),
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookies(value: &'static str) -> HeaderMap {
        HeaderMap::from_iter([(header::COOKIE, HeaderValue::from_static(value))])
    }

    #[test]
    fn a_grant_is_read_only_when_the_browser_sends_exactly_one() {
        assert_eq!(access_cookie(&cookies("theme=dark; agents_preview=grant-a")).as_deref(), Some("grant-a"));
        assert_eq!(access_cookie(&cookies("theme=dark")), None);
        assert_eq!(
            access_cookie(&cookies("agents_preview=planted-by-an-app; agents_preview=grant-a")),
            None,
            "two grants: which is the visitor's cannot be told"
        );
    }
}
