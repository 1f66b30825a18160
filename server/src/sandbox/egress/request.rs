//! Reading what a sandboxed client asks of the proxy: a `CONNECT` tunnel or
//! an absolute-form HTTP request, the latter rewritten for the origin server.

use super::host::Host;
use super::EgressError;

/// More headers than any package manager sends; more is refused.
const MAX_HEADERS: usize = 128;

/// Headers that concern only the client's hop to the proxy (RFC 9110 §7.6.1),
/// dropped before forwarding. `Transfer-Encoding` stays: the body is relayed
/// byte for byte, still in the client's encoding. `Host` is rewritten.
const HOP_BY_HOP: &[&str] = &["connection", "keep-alive", "te", "trailer", "upgrade", "host"];

/// What a client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyRequest {
    /// `CONNECT host:port`: a byte tunnel (usually TLS).
    Tunnel { host: Host, port: u16 },
    /// `GET http://host:port/path` (any method): `head` is the request in
    /// origin form, ready to send to the host.
    Forward { host: Host, port: u16, head: Vec<u8> },
}

impl ProxyRequest {
    pub fn target(&self) -> (&Host, u16) {
        match self {
            Self::Tunnel { host, port } | Self::Forward { host, port, .. } => (host, *port),
        }
    }
}

/// Parses a request head from the start of `bytes`: `Ok(None)` while it is
/// incomplete, otherwise the request and the length of the head (bytes after
/// it belong to the body or the tunnel).
pub fn parse_head(bytes: &[u8]) -> Result<Option<(ProxyRequest, usize)>, EgressError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head_len = match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => return Err(bad_request(format!("not an HTTP request: {error}"))),
    };
    let (Some(method), Some(target), Some(version)) = (request.method, request.path, request.version) else {
        return Err(bad_request("not an HTTP request"));
    };
    let proxy_request = if method == "CONNECT" {
        let (host, port) = parse_authority(target, None)?;
        ProxyRequest::Tunnel { host, port }
    } else {
        let (authority, path) = split_absolute_url(target)?;
        let (host, port) = parse_authority(authority, Some(80))?;
        let head = origin_form_head(method, &path, version, &host, port, request.headers);
        ProxyRequest::Forward { host, port, head }
    };
    Ok(Some((proxy_request, head_len)))
}

fn bad_request(reason: impl Into<String>) -> EgressError {
    EgressError::BadRequest(reason.into())
}

/// Splits `http://authority/path?query` into the authority and the origin
/// form of the rest (`/path?query`, `/` when empty, fragment dropped).
fn split_absolute_url(target: &str) -> Result<(&str, String), EgressError> {
    let scheme_end = "http://".len();
    let rest = match target.get(..scheme_end) {
        Some(scheme) if scheme.eq_ignore_ascii_case("http://") => &target[scheme_end..],
        _ => return Err(bad_request("this proxy takes CONNECT or absolute http:// URLs only")),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let path = path.split('#').next().unwrap_or_default();
    let path = match path.chars().next() {
        Some('/') => path.to_owned(),
        _ => format!("/{path}"),
    };
    Ok((authority, path))
}

/// Parses `host:port` (`[v6]:port`); `default_port` when the port is absent.
fn parse_authority(authority: &str, default_port: Option<u16>) -> Result<(Host, u16), EgressError> {
    if authority.contains('@') {
        return Err(bad_request("user names in proxy URLs are not supported"));
    }
    let (host, port) = match authority.rfind(':') {
        // The colon of `[::1]` alone is not a port separator.
        Some(colon) if !authority[colon..].contains(']') => {
            (&authority[..colon], Some(&authority[colon + 1..]))
        }
        _ => (authority, None),
    };
    let port = match (port, default_port) {
        (Some(port), _) => port.parse::<u16>().ok().filter(|port| *port != 0),
        (None, default) => default,
    }
    .ok_or_else(|| bad_request(format!("{authority:?} has no valid port")))?;
    let host = Host::parse(host).map_err(|error| bad_request(error.to_string()))?;
    Ok((host, port))
}

fn origin_form_head(
    method: &str,
    path: &str,
    version: u8,
    host: &Host,
    port: u16,
    headers: &[httparse::Header<'_>],
) -> Vec<u8> {
    let listed_in_connection: Vec<String> = headers
        .iter()
        .filter(|header| header.name.eq_ignore_ascii_case("connection"))
        .flat_map(|header| {
            String::from_utf8_lossy(header.value)
                .split(',')
                .map(|token| token.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .collect();
    let is_forwarded = |name: &str| {
        let name = name.to_ascii_lowercase();
        !name.starts_with("proxy-")
            && !HOP_BY_HOP.contains(&name.as_str())
            && !listed_in_connection.contains(&name)
    };

    let mut head = Vec::with_capacity(1024);
    head.extend_from_slice(format!("{method} {path} HTTP/1.{version}\r\n").as_bytes());
    // The origin server must see the host that was checked, not whatever
    // `Host` the client wrote (that would reach any site behind a shared CDN).
    let host_header = match (host.ip(), port) {
        (Some(std::net::IpAddr::V6(ip)), 80) => format!("[{ip}]"),
        (Some(std::net::IpAddr::V6(ip)), port) => format!("[{ip}]:{port}"),
        (_, 80) => host.to_string(),
        (_, port) => format!("{host}:{port}"),
    };
    head.extend_from_slice(format!("Host: {host_header}\r\n").as_bytes());
    for header in headers.iter().filter(|header| is_forwarded(header.name)) {
        head.extend_from_slice(header.name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(header.value);
        head.extend_from_slice(b"\r\n");
    }
    // One request per upstream connection: what follows on the client's
    // connection is relayed as bytes, never parsed as a new request.
    head.extend_from_slice(b"Connection: close\r\n\r\n");
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(head: &str) -> Result<Option<(ProxyRequest, usize)>, EgressError> {
        parse_head(head.as_bytes())
    }

    fn forwarded_head(head: &str) -> String {
        match parse(head) {
            Ok(Some((ProxyRequest::Forward { head, .. }, _))) => String::from_utf8(head).expect("ASCII head"),
            other => panic!("expected a forward request, got {other:?}"),
        }
    }

    #[test]
    fn connect_names_a_tunnel_target() {
        let raw = "CONNECT registry.npmjs.org:443 HTTP/1.1\r\nHost: registry.npmjs.org:443\r\n\r\nTLS";
        let (request, len) = parse(raw).expect("valid").expect("complete");
        assert_eq!(
            request,
            ProxyRequest::Tunnel { host: Host::parse("registry.npmjs.org").expect("host"), port: 443 }
        );
        assert_eq!(&raw[len..], "TLS");
    }

    #[test]
    fn connect_to_an_ipv6_literal_keeps_its_port() {
        let (request, _) = parse("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n").expect("valid").expect("complete");
        assert_eq!(request.target(), (&Host::parse("::1").expect("host"), 8443));
    }

    #[test]
    fn incomplete_head_asks_for_more() {
        assert!(parse("CONNECT pypi.org:443 HTTP/1.1\r\nHost: py").expect("valid so far").is_none());
    }

    #[test]
    fn absolute_form_is_rewritten_to_origin_form_without_proxy_headers() {
        let head = forwarded_head(
            "GET http://pypi.org/simple/requests/?x=1#frag HTTP/1.1\r\nHost: evil.example\r\n\
             Proxy-Authorization: Basic c2VjcmV0\r\nProxy-Connection: keep-alive\r\n\
             Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\nAccept: */*\r\n\r\n",
        );
        assert_eq!(
            head,
            "GET /simple/requests/?x=1 HTTP/1.1\r\nHost: pypi.org\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn absolute_form_keeps_a_non_default_port_and_the_body_encoding() {
        let head = forwarded_head(
            "POST http://mirror.internal:8080?q HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        assert_eq!(
            head,
            "POST /?q HTTP/1.0\r\nHost: mirror.internal:8080\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn requests_a_proxy_cannot_serve_are_bad() {
        for raw in [
            "GET /hello HTTP/1.1\r\n\r\n",
            "GET https://pypi.org/ HTTP/1.1\r\n\r\n",
            "GET http://user:pw@pypi.org/ HTTP/1.1\r\n\r\n",
            "GET http://pypi.org:0/ HTTP/1.1\r\n\r\n",
            "GET http://pypi.org:99999/ HTTP/1.1\r\n\r\n",
            "GET http://bad_host/ HTTP/1.1\r\n\r\n",
            "CONNECT pypi.org HTTP/1.1\r\n\r\n",
            "CONNECT [::1 HTTP/1.1\r\n\r\n",
            "\u{1}\u{2} garbage\r\n\r\n",
        ] {
            assert!(matches!(parse(raw), Err(EgressError::BadRequest(_))), "{raw:?} should be a bad request");
        }
    }
}
