//! Passing one request to a preview's app and its answer back: HTTP/1.1 over
//! the preview's socket, bodies streamed both ways (so server-sent events
//! work) within their caps, upgrades (WebSockets) tunnelled, and the
//! preview origin's own access cookie never shown to the app.

use std::future::Future;
use std::io;
use std::path::Path;
use std::task::Poll;
use std::time::Duration;

use axum::body::Body;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Request, Response, StatusCode, Uri};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::sync::OwnedSemaphorePermit;

use super::socket;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyLimits {
    pub max_request_bytes: u64,
    pub max_response_bytes: u64,
    /// How long the app may take to start answering.
    pub response_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("the app is not answering on its port: {0}")]
    Unreachable(io::Error),
    #[error("the app did not answer within {0} seconds")]
    Timeout(u64),
    #[error("the request is larger than the preview's limit of {0} MB")]
    RequestTooLarge(u64),
    #[error("the app's answer could not be read: {0}")]
    BadAnswer(String),
}

impl ProxyError {
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::Unreachable(_) | ProxyError::BadAnswer(_) => StatusCode::BAD_GATEWAY,
            ProxyError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::RequestTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

/// Headers that belong to one connection, not to the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: [HeaderName; 6] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
];

/// Sends `request` to the app behind `socket`. `permit` (a connection slot)
/// is held until the answer's body, or the tunnel, ends. Cookies named in
/// `hidden_cookies` are taken out of the request, and the app may not set
/// them.
pub async fn forward(
    socket: &Path,
    mut request: Request<Body>,
    limits: ProxyLimits,
    hidden_cookies: &[&str],
    permit: OwnedSemaphorePermit,
    access_ended: impl Future<Output = ()> + Send + 'static,
) -> Result<Response<Body>, ProxyError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_request_bytes) {
        return Err(ProxyError::RequestTooLarge(limits.max_request_bytes / (1024 * 1024)));
    }
    let is_upgrade = request.headers().contains_key(header::UPGRADE);
    let client_upgrade = is_upgrade.then(|| hyper::upgrade::on(&mut request));

    let stream = socket::connect(socket).await.map_err(ProxyError::Unreachable)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(io_error)
        .map_err(ProxyError::Unreachable)?;
    // Ends with the connection: after the answer, or when a tunnel closes.
    tokio::spawn(async move {
        if let Err(error) = connection.with_upgrades().await {
            tracing::debug!(%error, "a preview connection ended with an error");
        }
    });

    let (mut parts, body) = request.into_parts();
    strip_hop_by_hop(&mut parts.headers, is_upgrade);
    hide_cookies(&mut parts.headers, hidden_cookies);
    parts.uri = parts.uri.path_and_query().map_or_else(
        || Uri::from_static("/"),
        |path| Uri::try_from(path.as_str()).unwrap_or_else(|_| Uri::from_static("/")),
    );
    parts.version = axum::http::Version::HTTP_11;
    let body =
        http_body_util::Limited::new(body, usize::try_from(limits.max_request_bytes).unwrap_or(usize::MAX));
    let outgoing = Request::from_parts(parts, body);

    let timeout_secs = limits.response_timeout.as_secs();
    let mut answer = match tokio::time::timeout(limits.response_timeout, sender.send_request(outgoing)).await
    {
        Err(_) => return Err(ProxyError::Timeout(timeout_secs)),
        Ok(Err(error)) if is_body_over_limit(&error) => {
            return Err(ProxyError::RequestTooLarge(limits.max_request_bytes / (1024 * 1024)))
        }
        Ok(Err(error)) => return Err(ProxyError::BadAnswer(error.to_string())),
        Ok(Ok(answer)) => answer,
    };

    if answer.status() == StatusCode::SWITCHING_PROTOCOLS {
        let Some(client_upgrade) = client_upgrade else {
            return Err(ProxyError::BadAnswer("the app switched protocols unasked".into()));
        };
        let app_upgrade = hyper::upgrade::on(&mut answer);
        tokio::spawn(async move {
            let _permit = permit;
            let (Ok(client), Ok(app)) = (client_upgrade.await, app_upgrade.await) else {
                return;
            };
            // A tunnel can stay open for hours: it closes when access ends.
            let (mut client, mut app) = (TokioIo::new(client), TokioIo::new(app));
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut client, &mut app) => {}
                () = access_ended => {}
            }
        });
        let (mut parts, _) = answer.into_parts();
        // A handshake's answer sets cookies as any other answer does.
        keep_cookies_to_the_preview(&mut parts.headers, hidden_cookies);
        return Ok(Response::from_parts(parts, Body::empty()));
    }

    let (mut parts, body) = answer.into_parts();
    strip_hop_by_hop(&mut parts.headers, false);
    keep_cookies_to_the_preview(&mut parts.headers, hidden_cookies);
    let max = limits.max_response_bytes;
    let mut sent = 0_u64;
    let capped = body.into_data_stream().map(move |chunk| {
        // Held for as long as the answer streams.
        let _slot = &permit;
        let chunk = chunk.map_err(io::Error::other)?;
        sent += chunk.len() as u64;
        if sent > max {
            // Ends the answer mid-way: the browser sees a cut response.
            return Err(io::Error::other("the app's answer is larger than the preview's limit"));
        }
        Ok::<_, io::Error>(chunk)
    });
    // So can a streamed answer (server-sent events, a download), cut with
    // an error so the browser does not take what it got for the whole.
    let mut until_ended = capped.take_until(Box::pin(access_ended));
    let body = futures_util::stream::poll_fn(move |context| match until_ended.poll_next_unpin(context) {
        // Taken once: the error ends the answer.
        Poll::Ready(None) if until_ended.take_result().is_some() => {
            Poll::Ready(Some(Err(io::Error::other("access to the preview ended"))))
        }
        other => other,
    });
    Ok(Response::from_parts(parts, Body::from_stream(body)))
}

fn io_error(error: hyper::Error) -> io::Error {
    io::Error::other(error)
}

fn is_body_over_limit(error: &hyper::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if current.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = current.source();
    }
    false
}

/// Removes the headers of one hop, and those `Connection` names; keeps
/// `Connection: upgrade` and `Upgrade` for an upgrade.
fn strip_hop_by_hop(headers: &mut HeaderMap, is_upgrade: bool) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::try_from(name.trim()).ok())
        .filter(|name| !(is_upgrade && *name == header::UPGRADE))
        .collect();
    for name in named.iter().chain(HOP_BY_HOP.iter()) {
        headers.remove(name);
    }
    if is_upgrade {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    } else {
        headers.remove(header::UPGRADE);
    }
}

/// Takes the cookies named `hidden` out of every `Cookie` header.
fn hide_cookies(headers: &mut HeaderMap, hidden: &[&str]) {
    let kept: Vec<String> = request_cookies(headers)
        .filter(|cookie| !hidden.contains(&cookie.name()))
        .map(|cookie| cookie.to_string())
        .collect();
    headers.remove(header::COOKIE);
    if !kept.is_empty() {
        if let Ok(value) = HeaderValue::from_str(&kept.join("; ")) {
            headers.insert(header::COOKIE, value);
        }
    }
}

/// The cookies a request's `Cookie` headers carry; a malformed pair is skipped.
pub fn request_cookies(headers: &HeaderMap) -> impl Iterator<Item = cookie::Cookie<'_>> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
}

/// The cookies the app sets, kept to the preview's own host: one named in
/// `hidden` (a platform cookie: a planted session would sign its owner's
/// visitor into the app's author's account) is dropped, and a `Domain`
/// (which would reach the platform or other previews under that domain) is
/// taken off.
fn keep_cookies_to_the_preview(headers: &mut HeaderMap, hidden: &[&str]) {
    let set: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).iter().cloned().collect();
    headers.remove(header::SET_COOKIE);
    for value in set {
        let Some(mut cookie) = value.to_str().ok().and_then(|text| cookie::Cookie::parse(text).ok()) else {
            continue;
        };
        if hidden.contains(&cookie.name()) {
            continue;
        }
        let value = if cookie.domain().is_some() {
            cookie.unset_domain();
            HeaderValue::from_str(&cookie.to_string()).ok()
        } else {
            Some(value)
        };
        if let Some(value) = value {
            headers.append(header::SET_COOKIE, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_cookies_are_taken_out_and_the_rest_kept() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark; agents_preview=secret"));
        headers.append(header::COOKIE, HeaderValue::from_static("cart=3"));
        hide_cookies(&mut headers, &["agents_preview", "id"]);
        assert_eq!(headers.get_all(header::COOKIE).iter().collect::<Vec<_>>(), ["theme=dark; cart=3"]);

        let mut only_hidden = HeaderMap::new();
        only_hidden.insert(header::COOKIE, HeaderValue::from_static("agents_preview=secret"));
        hide_cookies(&mut only_hidden, &["agents_preview"]);
        assert!(!only_hidden.contains_key(header::COOKIE));
    }

    #[test]
    fn hop_by_hop_headers_go_but_an_upgrade_keeps_its_own() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, x-secret, upgrade"));
        headers.insert(HeaderName::from_static("x-secret"), HeaderValue::from_static("1"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        let mut upgrade = headers.clone();
        strip_hop_by_hop(&mut upgrade, true);
        assert_eq!(upgrade[header::CONNECTION], "upgrade");
        assert_eq!(upgrade[header::UPGRADE], "websocket");
        assert!(!upgrade.contains_key("x-secret") && !upgrade.contains_key(header::TRANSFER_ENCODING));

        strip_hop_by_hop(&mut headers, false);
        assert!(!headers.contains_key(header::CONNECTION) && !headers.contains_key(header::UPGRADE));
        assert_eq!(headers[header::ACCEPT], "*/*");
    }
}
