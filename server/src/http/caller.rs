//! Works out who is calling before anything else runs: the client address,
//! then the user behind an `Authorization: Bearer` API token or the session
//! cookie. Pages, server functions and REST handlers read the result from the
//! request's extensions (`app::ports::Caller`), and the engine room also
//! reads which credential that was ([`SignedInBy`]).

use std::net::{IpAddr, SocketAddr};

use app::error::AppError;
use app::ports::{Caller, ClientAddress, Credential, Session};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::credential::SignedInBy;
use crate::http::refusal::refuse;
use crate::http::AppState;

pub async fn identify_caller(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if let Some(address) = client_address(&request, state.auth.trust_forwarded_for) {
        request.extensions_mut().insert(ClientAddress(address));
    }
    if !needs_caller(request.uri().path()) {
        return next.run(request).await;
    }
    // Owned copies: the request itself is not Send across the lookup.
    let authorization = request.headers().get(header::AUTHORIZATION).cloned();
    let session = request.extensions().get::<Session>().cloned();
    match caller_of(&state, authorization, session).await {
        Ok(Some((caller, signed_in_by))) => {
            request.extensions_mut().insert(caller);
            request.extensions_mut().insert(signed_in_by);
        }
        Ok(None) => {}
        Err(error) => return refuse(&request, error),
    }
    next.run(request).await
}

/// Assets and probes never touch user data; skipping them saves a session
/// lookup per file.
fn needs_caller(path: &str) -> bool {
    !(path.starts_with("/pkg/")
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
        || path == "/favicon.svg")
}

async fn caller_of(
    state: &AppState,
    authorization: Option<HeaderValue>,
    session: Option<Session>,
) -> Result<Option<(Caller, SignedInBy)>, AppError> {
    if let Some(authorization) = authorization {
        let secret = authorization
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|secret| !secret.is_empty())
            .ok_or_else(|| {
                AppError::Unauthorized("Send an API token as `Authorization: Bearer <token>`.".into())
            })?;
        let user = state.accounts.user_of_token(secret).await?;
        return Ok(Some((Caller { user, credential: Credential::ApiToken }, SignedInBy::token(secret))));
    }
    let Some(session) = session else { return Ok(None) };
    let user = state.accounts.user_of_session(&session).await?;
    // A session that signs someone in was loaded from the store, so it has an id.
    let (Some(user), Some(id)) = (user, session.id()) else { return Ok(None) };
    Ok(Some((Caller { user, credential: Credential::Session }, SignedInBy::session(&id))))
}

/// The peer address, or behind a trusted proxy the address it reports last in
/// `X-Forwarded-For` (earlier entries are whatever the client claimed).
fn client_address(request: &Request, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for {
        if let Some(address) = last_forwarded_for(request.headers()) {
            return Some(address);
        }
    }
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip())
}

fn last_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let values = headers.get_all("x-forwarded-for");
    let last = values.iter().next_back()?.to_str().ok()?;
    last.rsplit(',').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxys_entry_is_the_last_one() {
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "6.6.6.6, 10.0.0.1".parse().unwrap());
        headers.append("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert_eq!(last_forwarded_for(&headers), Some("203.0.113.9".parse().unwrap()));
    }
}
