//! Egress for sandboxes that have no network of their own: an HTTP proxy on
//! a Unix socket that lets builds reach only allowed hosts (package
//! registries), and never the host, its network or cloud metadata.
//!
//! Inside the sandbox, `sandbox-forwarder` relays 127.0.0.1:<port> to the
//! socket; `HTTP_PROXY`/`HTTPS_PROXY` point there.

pub mod host;
pub mod policy;
pub mod proxy;
pub mod request;
pub mod resolve;

use std::net::IpAddr;
use std::time::Duration;

pub use self::host::{parse_host_list, Host, HostPattern, HostPatternError};
pub use self::policy::{EgressPolicy, DEFAULT_ALLOWED_HOSTS, DEFAULT_CONNECT_TIMEOUT};
pub use self::proxy::{serve, serve_with, ProxyLimits, ProxySummary};
pub use self::resolve::{Resolve, StaticResolver, SystemResolver};

/// One decision of the proxy about one connection, for the build's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressRecord {
    pub host: String,
    pub port: u16,
    pub outcome: EgressOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EgressOutcome {
    /// Connected; bytes are being relayed.
    Allowed,
    /// The policy refused: not on the allow-list, or an internal address.
    Denied(String),
    /// Allowed, but the host could not be resolved or reached.
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum EgressError {
    #[error("bad proxy request: {0}")]
    BadRequest(String),
    #[error("egress to {host} is not allowed by this server's SANDBOX_ALLOWED_HOSTS")]
    HostNotAllowed { host: String },
    #[error("egress to {host} is not allowed: it resolves to {address}, a {class} address")]
    AddressForbidden { host: String, address: IpAddr, class: &'static str },
    #[error("{host} could not be resolved: {reason}")]
    Unresolvable { host: String, reason: String },
    #[error("{stage} {host}:{port} timed out after {after:?}")]
    TimedOut { host: String, port: u16, stage: &'static str, after: Duration },
    #[error("connecting to {host}:{port} failed: {reason}")]
    Connect { host: String, port: u16, reason: String },
}

impl EgressError {
    /// How this error is recorded, or `None` when no host was named.
    pub fn outcome(&self) -> Option<EgressOutcome> {
        match self {
            Self::BadRequest(_) => None,
            Self::HostNotAllowed { .. } | Self::AddressForbidden { .. } => {
                Some(EgressOutcome::Denied(self.to_string()))
            }
            Self::Unresolvable { .. } | Self::TimedOut { .. } | Self::Connect { .. } => {
                Some(EgressOutcome::Failed(self.to_string()))
            }
        }
    }
}
