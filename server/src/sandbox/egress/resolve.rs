//! Turning a host name into addresses, behind a trait so tests can point
//! names anywhere without DNS.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};

#[async_trait::async_trait]
pub trait Resolve: Send + Sync + 'static {
    /// Every address of `host`, each with `port`.
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>>;
}

/// The system resolver (`getaddrinfo` on a blocking thread).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

#[async_trait::async_trait]
impl Resolve for SystemResolver {
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok(tokio::net::lookup_host((host, port)).await?.collect())
    }
}

/// A fixed table of names, for tests; any other name does not resolve.
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    hosts: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `host` → `addresses` (names are compared in lower case).
    pub fn with(mut self, host: &str, addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        self.hosts.entry(host.to_ascii_lowercase()).or_default().extend(addresses);
        self
    }
}

#[async_trait::async_trait]
impl Resolve for StaticResolver {
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        match self.hosts.get(&host.to_ascii_lowercase()) {
            Some(addresses) => Ok(addresses.iter().map(|ip| SocketAddr::new(*ip, port)).collect()),
            None => {
                Err(io::Error::new(io::ErrorKind::NotFound, format!("{host} is not in the static table")))
            }
        }
    }
}
