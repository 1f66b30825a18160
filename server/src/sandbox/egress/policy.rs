//! Who a sandbox may reach: the allow-list, the hosts exempt from the
//! address rule, and the one door out that applies both before connecting.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use super::host::{parse_host_list, Host, HostPattern};
use super::resolve::{Resolve, SystemResolver};
use super::EgressError;
use crate::special_addresses::special_range;

/// The package registries of npm, PyPI and crates.io: enough for
/// `npm install`, `pip install` and `cargo build` to fetch dependencies.
pub const DEFAULT_ALLOWED_HOSTS: &str = "registry.npmjs.org,registry.yarnpkg.com,pypi.org,\
     files.pythonhosted.org,crates.io,index.crates.io,static.crates.io";

/// How long resolving, and then connecting, may each take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct EgressPolicy {
    /// Hosts a sandbox may reach, on any port, at public addresses only.
    pub allowed_hosts: Vec<HostPattern>,
    /// Hosts a sandbox may reach at any address, private or loopback too (an
    /// internal registry mirror). Being listed here also allows the host.
    pub private_hosts: Vec<HostPattern>,
    pub resolver: Arc<dyn Resolve>,
    /// Bounds resolution and, separately, connection.
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for EgressPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EgressPolicy")
            .field("allowed_hosts", &self.allowed_hosts)
            .field("private_hosts", &self.private_hosts)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl EgressPolicy {
    /// `allowed_hosts` through the system resolver, no private hosts.
    pub fn new(allowed_hosts: Vec<HostPattern>) -> Self {
        Self {
            allowed_hosts,
            private_hosts: Vec::new(),
            resolver: Arc::new(SystemResolver),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// [`DEFAULT_ALLOWED_HOSTS`] as patterns.
    pub fn default_allowed_hosts() -> Vec<HostPattern> {
        parse_host_list(DEFAULT_ALLOWED_HOSTS).expect("the default allow-list is made of valid host names")
    }

    fn is_private_host(&self, host: &Host) -> bool {
        self.private_hosts.iter().any(|pattern| pattern.matches(host))
    }

    pub fn is_allowed(&self, host: &Host) -> bool {
        self.is_private_host(host) || self.allowed_hosts.iter().any(|pattern| pattern.matches(host))
    }

    /// The addresses of `host` a sandbox may connect to: the allow-list
    /// first, then resolution (an IP literal is its own address), then the
    /// address rule on every address: one forbidden address refuses them all.
    pub async fn checked_addresses(&self, host: &Host, port: u16) -> Result<Vec<SocketAddr>, EgressError> {
        if !self.is_allowed(host) {
            return Err(EgressError::HostNotAllowed { host: host.to_string() });
        }
        let addresses = match host.ip() {
            Some(ip) => vec![SocketAddr::new(ip, port)],
            None => {
                let lookup = self.resolver.resolve(host.as_str(), port);
                match tokio::time::timeout(self.connect_timeout, lookup).await {
                    Ok(Ok(addresses)) if !addresses.is_empty() => addresses,
                    Ok(Ok(_)) => {
                        return Err(EgressError::Unresolvable {
                            host: host.to_string(),
                            reason: "it has no addresses".into(),
                        })
                    }
                    Ok(Err(error)) => {
                        return Err(EgressError::Unresolvable {
                            host: host.to_string(),
                            reason: error.to_string(),
                        })
                    }
                    Err(_) => {
                        return Err(EgressError::TimedOut {
                            host: host.to_string(),
                            port,
                            stage: "resolving",
                            after: self.connect_timeout,
                        })
                    }
                }
            }
        };
        if !self.is_private_host(host) {
            for address in &addresses {
                if let Some(class) = special_range(address.ip()) {
                    return Err(EgressError::AddressForbidden {
                        host: host.to_string(),
                        address: address.ip(),
                        class,
                    });
                }
            }
        }
        Ok(addresses)
    }

    /// Connects to `host:port` if the policy allows it, to an address that
    /// was checked: the name is never resolved again (DNS rebinding).
    pub async fn connect(&self, host: &Host, port: u16) -> Result<TcpStream, EgressError> {
        let addresses = self.checked_addresses(host, port).await?;
        let deadline = Instant::now() + self.connect_timeout;
        let mut last_error = None;
        for address in addresses {
            match timeout_at(deadline, TcpStream::connect(address)).await {
                Ok(Ok(stream)) => return Ok(stream),
                Ok(Err(error)) => last_error = Some(error),
                Err(_) => break,
            }
        }
        Err(match last_error {
            Some(error) if Instant::now() < deadline => {
                EgressError::Connect { host: host.to_string(), port, reason: error.to_string() }
            }
            _ => EgressError::TimedOut {
                host: host.to_string(),
                port,
                stage: "connecting",
                after: self.connect_timeout,
            },
        })
    }
}

/// A policy for tests: `allowed` and `private` host lists, names resolved by `resolver`.
#[cfg(test)]
pub(crate) fn test_policy(
    allowed: &str,
    private: &str,
    resolver: crate::sandbox::egress::resolve::StaticResolver,
) -> EgressPolicy {
    EgressPolicy {
        allowed_hosts: parse_host_list(allowed).expect("valid patterns"),
        private_hosts: parse_host_list(private).expect("valid patterns"),
        resolver: Arc::new(resolver),
        connect_timeout: Duration::from_secs(2),
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::sandbox::egress::resolve::StaticResolver;

    fn host(name: &str) -> Host {
        Host::parse(name).expect("a valid host")
    }

    use super::test_policy as policy;

    fn ip(address: &str) -> IpAddr {
        address.parse().expect("an address")
    }

    #[test]
    fn default_allow_list_holds_the_package_registries() {
        let policy = EgressPolicy::new(EgressPolicy::default_allowed_hosts());
        for name in ["registry.npmjs.org", "pypi.org", "files.pythonhosted.org", "index.crates.io"] {
            assert!(policy.is_allowed(&host(name)), "{name}");
        }
        assert!(!policy.is_allowed(&host("github.com")));
    }

    #[tokio::test]
    async fn host_off_the_list_is_denied_without_resolving() {
        let policy = policy("pypi.org", "", StaticResolver::new().with("evil.example", [ip("1.2.3.4")]));
        let error = policy.checked_addresses(&host("evil.example"), 443).await.expect_err("denied");
        assert_eq!(
            error.to_string(),
            "egress to evil.example is not allowed by this server's SANDBOX_ALLOWED_HOSTS"
        );
    }

    #[tokio::test]
    async fn allowed_name_resolving_to_an_internal_address_is_refused() {
        for internal in ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1", "::1"] {
            let resolver = StaticResolver::new().with("pypi.org", [ip(internal)]);
            let policy = policy("pypi.org", "", resolver);
            let error = policy.checked_addresses(&host("pypi.org"), 443).await.expect_err(internal);
            assert!(matches!(error, EgressError::AddressForbidden { .. }), "{internal}: {error}");
        }
    }

    #[tokio::test]
    async fn one_internal_address_among_public_ones_refuses_the_host() {
        let resolver = StaticResolver::new().with("pypi.org", [ip("151.101.0.223"), ip("10.0.0.1")]);
        let policy = policy("pypi.org", "", resolver);
        assert!(policy.checked_addresses(&host("pypi.org"), 443).await.is_err());
    }

    #[tokio::test]
    async fn private_host_may_resolve_to_loopback() {
        let resolver = StaticResolver::new().with("mirror.internal", [ip("127.0.0.1")]);
        let policy = policy("", "mirror.internal", resolver);
        let addresses = policy.checked_addresses(&host("mirror.internal"), 8080).await.expect("allowed");
        assert_eq!(addresses, vec!["127.0.0.1:8080".parse().expect("an address")]);
    }

    #[tokio::test]
    async fn literal_ip_must_be_listed_and_public() {
        let policy = policy("", "", StaticResolver::new());
        let error = policy.checked_addresses(&host("127.0.0.1"), 80).await.expect_err("not listed");
        assert!(matches!(error, EgressError::HostNotAllowed { .. }), "{error}");

        let policy = self::policy("127.0.0.1", "", StaticResolver::new());
        let error = policy.checked_addresses(&host("127.0.0.1"), 80).await.expect_err("loopback");
        assert!(matches!(error, EgressError::AddressForbidden { .. }), "{error}");
    }

    #[tokio::test]
    async fn unknown_name_is_unresolvable() {
        let policy = policy("nowhere.test", "", StaticResolver::new());
        let error = policy.checked_addresses(&host("nowhere.test"), 80).await.expect_err("no such name");
        assert!(matches!(error, EgressError::Unresolvable { .. }), "{error}");
    }
}
