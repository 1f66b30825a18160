//! Live previews: PREVIEW_* settings.

use std::net::SocketAddr;
use std::time::Duration;

use super::reader::{whole, Reader};
use crate::previews::{PreviewOrigin, PreviewSettings};

pub(super) fn read_previews(reader: &mut Reader<'_>) -> Option<PreviewSettings> {
    let defaults = PreviewSettings::default();
    let listen = reader.parsed("PREVIEW_ADDR", Some(defaults.listen), |value| {
        if value.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        value
            .parse::<SocketAddr>()
            .map(Some)
            .map_err(|_| "expected host:port (e.g. 127.0.0.1:3002) or off".into())
    });
    let origin = reader.parsed("PREVIEW_ORIGIN", Some(None), |value| PreviewOrigin::parse(value).map(Some));
    let idle = reader.parsed("PREVIEW_IDLE_MINUTES", Some(defaults.idle), |value| {
        whole(value, 1, 7 * 24 * 60).map(|minutes| Duration::from_secs(minutes as u64 * 60))
    });
    let max_connections = reader
        .parsed("PREVIEW_MAX_CONNECTIONS", Some(defaults.max_connections), |value| whole(value, 1, 10_000));
    let max_request =
        reader.parsed("PREVIEW_MAX_REQUEST_MB", Some(defaults.limits.max_request_bytes), |value| {
            whole(value, 1, 10_240).map(|mb| mb as u64 * 1024 * 1024)
        });
    let max_response =
        reader.parsed("PREVIEW_MAX_RESPONSE_MB", Some(defaults.limits.max_response_bytes), |value| {
            whole(value, 1, 102_400).map(|mb| mb as u64 * 1024 * 1024)
        });
    let (listen, origin) = (listen?, origin?);
    // Without an origin of its own, the local default: the same port on
    // `localhost`, a host the platform's own cookies are not sent to when it
    // is reached at 127.0.0.1 (cookies ignore ports, not host names).
    let origin = match (listen, origin) {
        (None, _) => None,
        (Some(_), Some(origin)) => Some(origin),
        (Some(listen), None) => PreviewOrigin::parse(&format!("http://localhost:{}", listen.port())).ok(),
    };
    Some(PreviewSettings {
        listen,
        origin,
        idle: idle?,
        max_connections: max_connections?,
        limits: crate::previews::proxy::ProxyLimits {
            max_request_bytes: max_request?,
            max_response_bytes: max_response?,
            ..defaults.limits
        },
        ..defaults
    })
}
