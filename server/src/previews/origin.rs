//! Where previews are served: an origin of their own, never the platform's,
//! so a built app's scripts can neither read the platform's cookies nor call
//! its API as the user. Either one origin for every build (the default, a
//! second port) or one per build under a wildcard (`https://*.preview.example.com`).

use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewOrigin {
    is_https: bool,
    host: HostPattern,
    /// As written in the origin (`None` for the scheme's default).
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// Every build's preview at this host.
    Shared(String),
    /// Each build's at `<build id>.<suffix>`.
    PerBuild { suffix: String },
}

/// Which preview a request's `Host` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostMatch {
    /// The shared origin: the access cookie says which build.
    Shared,
    PerBuild(Uuid),
    /// Not a preview host of this server.
    Unknown,
}

impl PreviewOrigin {
    /// `http(s)://host[:port]`, where the host may start with `*.`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (is_https, rest) = match (text.strip_prefix("https://"), text.strip_prefix("http://")) {
            (Some(rest), _) => (true, rest),
            (_, Some(rest)) => (false, rest),
            _ => return Err("expected http(s)://host[:port], e.g. https://*.preview.example.com".into()),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
                let port = port.parse::<u16>().map_err(|_| format!("{port:?} is not a port"))?;
                (host, Some(port))
            }
            _ => (rest, None),
        };
        let host = host.to_ascii_lowercase();
        let is_host_name = |name: &str| {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        };
        let host = match host.strip_prefix("*.") {
            Some(suffix) if is_host_name(suffix) && !suffix.contains('*') => {
                HostPattern::PerBuild { suffix: suffix.to_owned() }
            }
            None if is_host_name(&host) => HostPattern::Shared(host),
            _ => return Err(format!("{host:?} is not a host name (or *.name for one origin per build)")),
        };
        Ok(Self { is_https, host, port })
    }

    /// The origin build `build_id` is previewed at.
    pub fn for_build(&self, build_id: Uuid) -> String {
        let host = match &self.host {
            HostPattern::Shared(host) => host.clone(),
            HostPattern::PerBuild { suffix } => format!("{build_id}.{suffix}"),
        };
        let scheme = if self.is_https { "https" } else { "http" };
        match self.port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        }
    }

    /// Which preview the `Host` header `host` (with or without its port) names.
    pub fn match_host(&self, host: &str) -> HostMatch {
        let host = host.to_ascii_lowercase();
        let name = match (self.port, host.rsplit_once(':')) {
            (Some(port), Some((name, given))) if given == port.to_string() => name.to_owned(),
            (Some(_), _) => return HostMatch::Unknown,
            (None, Some((name, given)))
                if given.chars().all(|c| c.is_ascii_digit()) && !name.ends_with(']') =>
            {
                let default = if self.is_https { "443" } else { "80" };
                if given != default {
                    return HostMatch::Unknown;
                }
                name.to_owned()
            }
            (None, _) => host,
        };
        match &self.host {
            HostPattern::Shared(expected) if *expected == name => HostMatch::Shared,
            HostPattern::PerBuild { suffix } => name
                .strip_suffix(suffix.as_str())
                .and_then(|label| label.strip_suffix('.'))
                .and_then(|label| Uuid::parse_str(label).ok())
                .map_or(HostMatch::Unknown, HostMatch::PerBuild),
            HostPattern::Shared(_) => HostMatch::Unknown,
        }
    }

    /// What the platform's pages allow as frame sources (CSP `frame-src`).
    pub fn frame_source(&self) -> String {
        let scheme = if self.is_https { "https" } else { "http" };
        let host = match &self.host {
            HostPattern::Shared(host) => host.clone(),
            HostPattern::PerBuild { suffix } => format!("*.{suffix}"),
        };
        match self.port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        }
    }

    /// Whether the access cookie can be `Secure` (and so `SameSite=None`,
    /// which an embedded frame on the platform's pages needs): over https,
    /// and on loopback names, which browsers treat as secure.
    pub fn allows_secure_cookies(&self) -> bool {
        let host = match &self.host {
            HostPattern::Shared(host) => host.as_str(),
            HostPattern::PerBuild { suffix } => suffix.as_str(),
        };
        self.is_https
            || host == "localhost"
            || host.ends_with(".localhost")
            || host == "127.0.0.1"
            || host == "[::1]"
    }

    /// Whether previews would share cookies with the site at `origin`
    /// (`scheme://host[:port]`): the same host (browsers ignore ports for
    /// cookies), or, for one origin per build, a host under the wildcard,
    /// whose previews could set cookies for the parent domain.
    pub fn shares_cookies_with(&self, origin: &str) -> bool {
        let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        let host = match authority.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
            _ => authority,
        }
        .to_ascii_lowercase();
        match &self.host {
            HostPattern::Shared(preview) => *preview == host,
            HostPattern::PerBuild { suffix } => host == *suffix || host.ends_with(&format!(".{suffix}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_origin_matches_its_host_and_port_only() {
        let origin = PreviewOrigin::parse("http://localhost:3002").unwrap();
        assert_eq!(origin.match_host("localhost:3002"), HostMatch::Shared);
        assert_eq!(origin.match_host("LOCALHOST:3002"), HostMatch::Shared);
        for other in ["localhost:3000", "localhost", "127.0.0.1:3002", "evil.localhost:3002"] {
            assert_eq!(origin.match_host(other), HostMatch::Unknown, "{other}");
        }
        let build = Uuid::now_v7();
        assert_eq!(origin.for_build(build), "http://localhost:3002");
        assert!(origin.allows_secure_cookies());
    }

    #[test]
    fn a_wildcard_origin_names_the_build_in_its_host() {
        let origin = PreviewOrigin::parse("https://*.preview.example.com").unwrap();
        let build = Uuid::now_v7();
        assert_eq!(origin.for_build(build), format!("https://{build}.preview.example.com"));
        assert_eq!(origin.match_host(&format!("{build}.preview.example.com")), HostMatch::PerBuild(build));
        assert_eq!(
            origin.match_host(&format!("{build}.preview.example.com:443")),
            HostMatch::PerBuild(build)
        );
        for other in [
            "preview.example.com".to_owned(),
            format!("{build}.other.example.com"),
            format!("x.{build}.preview.example.com"),
            format!("{build}.preview.example.com:8443"),
        ] {
            assert_eq!(origin.match_host(&other), HostMatch::Unknown, "{other}");
        }
        assert_eq!(origin.frame_source(), "https://*.preview.example.com");
    }

    #[test]
    fn an_origin_on_the_platforms_host_shares_its_cookies() {
        let shared = PreviewOrigin::parse("http://localhost:3002").unwrap();
        assert!(shared.shares_cookies_with("http://localhost:3000"), "ports do not keep cookies apart");
        assert!(!shared.shares_cookies_with("http://127.0.0.1:3000"));
        let per_build = PreviewOrigin::parse("https://*.preview.example.com").unwrap();
        assert!(per_build.shares_cookies_with("https://agents.preview.example.com"));
        assert!(!per_build.shares_cookies_with("https://agents.example.com"));
    }

    #[test]
    fn origins_that_are_not_one_are_refused() {
        for wrong in [
            "localhost:3002",
            "ftp://x",
            "http://",
            "http://a b",
            "https://*.*.example.com",
            "http://x:99999",
        ] {
            assert!(PreviewOrigin::parse(wrong).is_err(), "{wrong}");
        }
        assert!(!PreviewOrigin::parse("http://preview.example.com").unwrap().allows_secure_cookies());
    }
}
