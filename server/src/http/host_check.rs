//! DNS rebinding: a hostile web page can point its own name at this server
//! (often on 127.0.0.1 or a private address) and then read its answers as
//! same-origin. Such requests carry the hostile name in `Host`, so requests
//! for a name the server does not know are refused before any handler runs.
//!
//! Known names: PUBLIC_URL's host, ALLOWED_HOSTS, and `localhost`. IP
//! addresses are always accepted, since a rebinding attack needs a name of its
//! own (and health probes often use the address), and so is a request without
//! a Host header, which no browser sends.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::http::uri::Authority;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::AuthConfig;
use crate::http::api::error::ApiError;
use crate::http::AppState;

pub async fn refuse_unknown_hosts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = requested_host(&request);
    match host {
        Some(host) if !is_known_host(&host, &state.auth) => {
            tracing::warn!(%host, path = %request.uri().path(), "refused a request for an unknown host name");
            ApiError::unknown_host(&host).into_response()
        }
        _ => next.run(request).await,
    }
}

/// The host the request was sent to, lower-case, without port: from the
/// request line under HTTP/2, from `Host` under HTTP/1.1.
fn requested_host(request: &Request) -> Option<String> {
    let authority = match request.uri().authority() {
        Some(authority) => authority.clone(),
        None => {
            let value = request.headers().get(HOST)?;
            // A Host that is no authority at all is not a name we know either.
            Authority::try_from(value.as_bytes()).unwrap_or_else(|_| Authority::from_static("invalid."))
        }
    };
    Some(authority.host().to_ascii_lowercase())
}

fn is_known_host(host: &str, config: &AuthConfig) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<IpAddr>().is_ok() || host == "localhost" {
        return true;
    }
    let public_host = config.public_origin.as_deref().and_then(|origin| {
        let authority = origin.split_once("://")?.1;
        Authority::try_from(authority).ok().map(|authority| authority.host().to_owned())
    });
    public_host.as_deref() == Some(host) || config.allowed_hosts.iter().any(|allowed| allowed == host)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;

    fn request_to(host: &str) -> Request {
        Request::builder().uri("/api/me").header(HOST, host).body(Body::empty()).unwrap()
    }

    fn config(public_url: Option<&str>, allowed: &[&str]) -> AuthConfig {
        AuthConfig {
            public_origin: public_url.map(str::to_owned),
            allowed_hosts: allowed.iter().map(|name| (*name).to_owned()).collect(),
            ..AuthConfig::default()
        }
    }

    fn is_allowed(host: &str, config: &AuthConfig) -> bool {
        requested_host(&request_to(host)).is_none_or(|host| is_known_host(&host, config))
    }

    #[test]
    fn without_a_public_url_only_addresses_and_localhost_are_known() {
        let config = config(None, &[]);
        for host in
            ["127.0.0.1:3000", "localhost:3000", "LOCALHOST", "[::1]:3000", "10.0.0.5", "192.168.1.20:80"]
        {
            assert!(is_allowed(host, &config), "{host}");
        }
        for host in ["attacker.example:3000", "localhost.attacker.example", "127.0.0.1.nip.io", "not a host"]
        {
            assert!(!is_allowed(host, &config), "{host}");
        }
    }

    #[test]
    fn the_public_url_and_allowed_hosts_are_known_whatever_the_port() {
        let config = config(Some("https://agents.example.com"), &["agents.internal"]);
        for host in ["agents.example.com", "Agents.Example.com:443", "agents.internal:3000", "127.0.0.1:3000"]
        {
            assert!(is_allowed(host, &config), "{host}");
        }
        for host in ["example.com", "evil.agents.example.com", "agents.example.com.evil.example"] {
            assert!(!is_allowed(host, &config), "{host}");
        }
    }

    #[test]
    fn a_request_without_host_is_not_from_a_browser_and_passes() {
        let request = Request::builder().uri("/healthz").body(Body::empty()).unwrap();
        assert_eq!(requested_host(&request), None);
    }
}
