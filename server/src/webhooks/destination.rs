//! Where a hook may send: a web URL whose host is a public address, unless
//! the operator allows private networks. Names are checked when they are
//! resolved for each connection ([`PublicResolver`]), so a name that later
//! resolves to an internal address (DNS rebinding) is refused too.

use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

use crate::special_addresses::special_range;

/// Why a URL cannot be a hook's destination, in words for its owner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Parses `url` and checks what can be checked without the network.
pub fn check_url(url: &str, allow_private: bool) -> Result<Url, Refused> {
    let parsed = Url::parse(url).map_err(|error| Refused(format!("This is not a valid URL ({error}).")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Refused("A webhook URL starts with https:// (or http://).".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Refused("Put credentials in the URL's path or query, not before the host.".into()));
    }
    let Some(host) = parsed.host() else {
        return Err(Refused("A webhook URL needs a host.".into()));
    };
    if allow_private {
        return Ok(parsed);
    }
    let ip = match host {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(name) if is_local_name(name) => return Err(private_refusal()),
        url::Host::Domain(_) => None,
    };
    match ip {
        Some(ip) if !is_public(ip) => Err(private_refusal()),
        _ => Ok(parsed),
    }
}

fn private_refusal() -> Refused {
    Refused(
        "This address is on a private network, which this server does not send webhooks to \
         (its operator can allow it with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true)."
            .into(),
    )
}

fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Whether `ip` is on the public internet: the rule sandboxes are held to
/// ([`special_range`]), so an address that embeds a private one (NAT64,
/// 6to4) is private too.
pub fn is_public(ip: IpAddr) -> bool {
    special_range(ip).is_none()
}

/// Resolves names with the system resolver and keeps only the addresses a
/// hook may reach; a name with none left fails the attempt with a reason.
#[derive(Debug, Clone, Copy)]
pub struct PublicResolver {
    pub allow_private: bool,
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                found.into_iter().filter(|address| allow_private || is_public(address.ip())).collect();
            if allowed.is_empty() {
                return Err(
                    format!("{host} resolves only to private addresses, which are not allowed").into()
                );
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            // NAT64 and 6to4 reach the IPv4 address inside them; Teredo hides one.
            "64:ff9b::a00:5",
            "2002:a00:1::",
            "2001::1",
            "192.88.99.1",
        ] {
            assert!(!is_public(address.parse().unwrap()), "{address}");
        }
        for address in ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(address.parse().unwrap()), "{address}");
        }
    }

    #[test]
    fn private_hosts_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "http://api.localhost./x",
            "http://[::1]/x",
            "http://169.254.169.254/latest/meta-data",
            "http://2130706433/",
            "https://[64:ff9b::a00:5]/hook",
        ] {
            assert!(check_url(url, false).is_err(), "{url}");
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        assert!(check_url("https://hooks.example.com/agents?key=1", false).is_ok());
    }

    #[test]
    fn urls_need_a_web_scheme_a_host_and_no_credentials() {
        let refusal = |url| check_url(url, true).unwrap_err().0;
        assert!(refusal("not a url").contains("not a valid URL"));
        assert!(refusal("ftp://example.com/").contains("https://"));
        assert!(refusal("https://user:pass@example.com/").contains("credentials"));
    }

    #[tokio::test]
    async fn the_resolver_drops_private_addresses() {
        let refused = PublicResolver { allow_private: false }.resolve("localhost".parse().unwrap()).await;
        assert!(refused.is_err());
        let allowed = PublicResolver { allow_private: true }.resolve("localhost".parse().unwrap()).await;
        assert!(allowed.unwrap().any(|address| address.ip().is_loopback()));
    }
}
