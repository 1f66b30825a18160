//! Live previews: the app a build's agent makes, running inside the build's
//! sandbox (same isolation and limits), reached through a Unix socket in its
//! work directory and served from an origin of its own to the build's owner
//! alone. `http::preview_site` is the origin's face; this is the engine.

pub mod access;
pub mod credential_checks;
pub mod manager;
pub mod manifest;
pub mod origin;
pub mod proxy;
pub mod service;
pub mod socket;

use std::net::SocketAddr;
use std::time::Duration;

pub use self::manager::{Phase, PreviewError, Previews, RunningPreview};
pub use self::origin::PreviewOrigin;
pub use self::service::PreviewService;

/// How previews are served.
#[derive(Debug, Clone)]
pub struct PreviewSettings {
    /// Where the preview origin listens; `None` turns previews off.
    pub listen: Option<SocketAddr>,
    /// The origin links point at (`None` when previews are off).
    pub origin: Option<PreviewOrigin>,
    /// A preview without requests for this long is stopped.
    pub idle: Duration,
    /// How long an app may take to answer its first request.
    pub start_timeout: Duration,
    /// Requests and tunnels open at once, per preview.
    pub max_connections: usize,
    pub limits: proxy::ProxyLimits,
    /// How long a browser keeps access after following a link, at most:
    /// it ends earlier with the credential that asked for the link.
    pub access_lifetime: Duration,
    /// How often that credential is asked again.
    pub access_recheck: Duration,
}

impl Default for PreviewSettings {
    fn default() -> Self {
        let listen: SocketAddr = ([127, 0, 0, 1], 3002).into();
        Self {
            listen: Some(listen),
            origin: PreviewOrigin::parse("http://localhost:3002").ok(),
            idle: Duration::from_secs(15 * 60),
            start_timeout: Duration::from_secs(60),
            max_connections: 64,
            limits: proxy::ProxyLimits {
                max_request_bytes: 10 * 1024 * 1024,
                max_response_bytes: 100 * 1024 * 1024,
                response_timeout: Duration::from_secs(60),
            },
            access_lifetime: Duration::from_secs(12 * 3600),
            access_recheck: crate::auth::credential::RECHECK_EVERY,
        }
    }
}
