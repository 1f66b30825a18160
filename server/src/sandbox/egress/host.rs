//! Host names as the egress allow-list sees them: the patterns an operator
//! writes in `SANDBOX_ALLOWED_HOSTS`, and the normalised host of a request.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// DNS limits (RFC 1035): a name of at most 253 characters, labels of at most 63.
const MAX_NAME_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a host name or *.domain pattern: {problem}")]
pub struct HostPatternError {
    pub input: String,
    pub problem: &'static str,
}

/// The host of a request, normalised so it can be compared with patterns:
/// lower case, no trailing dot, IPv6 without brackets in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Host(String);

impl Host {
    /// Parses the host part of a request target (`[::1]` for IPv6) or of a
    /// pattern (where `::1` is accepted too).
    pub fn parse(input: &str) -> Result<Self, HostPatternError> {
        let error = |problem| HostPatternError { input: input.to_owned(), problem };
        if let Some(inner) = input.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            let ip = Ipv6Addr::from_str(inner).map_err(|_| error("not an IPv6 address"))?;
            return Ok(Self(ip.to_string()));
        }
        if let Ok(ip) = Ipv6Addr::from_str(input) {
            return Ok(Self(ip.to_string()));
        }
        let name = input.strip_suffix('.').unwrap_or(input).to_ascii_lowercase();
        check_name(&name).map_err(error)?;
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address when the host is an IP literal: it is used as it is,
    /// never resolved.
    pub fn ip(&self) -> Option<IpAddr> {
        IpAddr::from_str(&self.0).ok()
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One entry of an allow-list: `registry.npmjs.org` matches that host only;
/// `*.pythonhosted.org` matches every name below `pythonhosted.org` at any
/// depth, but not `pythonhosted.org` itself (list both if both are meant).
/// IP literals are exact entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    /// The suffix with its leading dot: `.pythonhosted.org`.
    AnySubdomainOf(String),
}

impl HostPattern {
    pub fn matches(&self, host: &Host) -> bool {
        match self {
            Self::Exact(name) => host.as_str() == name,
            // A wildcard names DNS domains; an IP literal is never below one.
            Self::AnySubdomainOf(suffix) => host.ip().is_none() && host.as_str().ends_with(suffix.as_str()),
        }
    }
}

impl FromStr for HostPattern {
    type Err = HostPatternError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = |problem| HostPatternError { input: input.to_owned(), problem };
        let trimmed = input.trim();
        if let Some(domain) = trimmed.strip_prefix("*.") {
            let domain = domain.to_ascii_lowercase();
            check_name(&domain).map_err(error)?;
            if IpAddr::from_str(&domain).is_ok() {
                return Err(error("a wildcard needs a domain name, not an address"));
            }
            // `*.com` would open a whole top-level domain.
            if !domain.contains('.') {
                return Err(error("a wildcard needs a domain of at least two labels"));
            }
            return Ok(Self::AnySubdomainOf(format!(".{domain}")));
        }
        if trimmed.contains('*') {
            return Err(error("`*` is only allowed as the whole first label, as in *.example.org"));
        }
        let host = Host::parse(trimmed).map_err(|inner| error(inner.problem))?;
        Ok(Self::Exact(host.0))
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(name) => f.write_str(name),
            Self::AnySubdomainOf(suffix) => write!(f, "*{suffix}"),
        }
    }
}

/// Parses a comma-separated list (the form of `SANDBOX_ALLOWED_HOSTS`),
/// ignoring blanks around entries and empty entries, reporting every bad one.
pub fn parse_host_list(list: &str) -> Result<Vec<HostPattern>, Vec<HostPatternError>> {
    let (patterns, errors): (Vec<_>, Vec<_>) = list
        .split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(HostPattern::from_str)
        .partition(Result::is_ok);
    if errors.is_empty() {
        Ok(patterns.into_iter().flatten().collect())
    } else {
        Err(errors.into_iter().filter_map(Result::err).collect())
    }
}

/// Checks a lower-case DNS name or dotted IPv4 address.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty");
    }
    if name.len() > MAX_NAME_LEN {
        return Err("longer than 253 characters");
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err("empty label");
        }
        if label.len() > MAX_LABEL_LEN {
            return Err("a label is longer than 63 characters");
        }
        if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err("only letters, digits, `-` and `.` are allowed");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label starts or ends with `-`");
        }
    }
    // Resolvers read `127.1` or `2130706433` as addresses; only the dotted
    // quad is accepted as one, and no top-level domain is all digits.
    let last = name.rsplit('.').next().unwrap_or(name);
    if last.bytes().all(|b| b.is_ascii_digit()) && Ipv4Addr::from_str(name).is_err() {
        return Err("numeric, but not a dotted IPv4 address");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(input: &str) -> HostPattern {
        input.parse().unwrap_or_else(|error| panic!("{input} should parse: {error}"))
    }

    fn host(input: &str) -> Host {
        Host::parse(input).unwrap_or_else(|error| panic!("{input} should parse: {error}"))
    }

    #[test]
    fn exact_pattern_matches_only_that_host() {
        let npm = pattern("registry.npmjs.org");
        assert!(npm.matches(&host("registry.npmjs.org")));
        assert!(npm.matches(&host("Registry.NPMJS.org.")));
        assert!(!npm.matches(&host("npmjs.org")));
        assert!(!npm.matches(&host("evil.registry.npmjs.org")));
        assert!(!npm.matches(&host("registry.npmjs.org.evil.example")));
    }

    #[test]
    fn wildcard_matches_subdomains_at_any_depth_but_not_the_bare_domain() {
        let hosted = pattern("*.pythonhosted.org");
        assert!(hosted.matches(&host("files.pythonhosted.org")));
        assert!(hosted.matches(&host("a.b.pythonhosted.org")));
        assert!(!hosted.matches(&host("pythonhosted.org")));
        assert!(!hosted.matches(&host("evilpythonhosted.org")));
        assert!(!hosted.matches(&host("pythonhosted.org.evil.example")));
    }

    #[test]
    fn patterns_are_lower_cased_and_trimmed() {
        assert_eq!(pattern(" PyPI.org "), HostPattern::Exact("pypi.org".into()));
        assert_eq!(pattern("*.Crates.IO"), HostPattern::AnySubdomainOf(".crates.io".into()));
        assert_eq!(pattern("*.crates.io").to_string(), "*.crates.io");
    }

    #[test]
    fn ip_literals_are_exact_patterns() {
        assert!(pattern("10.1.2.3").matches(&host("10.1.2.3")));
        assert!(pattern("::1").matches(&host("[0:0::1]")));
        assert!(pattern("[::1]").matches(&host("[::1]")));
    }

    #[test]
    fn garbage_patterns_are_rejected() {
        for bad in [
            "",
            "*",
            "*.com",
            "*.*.example.org",
            "foo.*.example.org",
            "*example.org",
            "http://registry.npmjs.org",
            "registry.npmjs.org:443",
            "registry.npmjs.org/path",
            "under_score.example",
            "-leading.example",
            "trailing-.example",
            "two..dots.example",
            "spa ce.example",
            "bücher.example",
            "127.1",
            "2130706433",
            "*.10.0.0.1",
            "*.0.0.1",
            "[::1",
            &format!("{}.example", "a".repeat(64)),
        ] {
            assert!(bad.parse::<HostPattern>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn a_wildcard_never_matches_an_ip_literal() {
        // Guard against `*.0.1`-style patterns, which the parser refuses anyway.
        let numeric = HostPattern::AnySubdomainOf(".0.1".into());
        assert!(!numeric.matches(&host("127.0.0.1")));
    }

    #[test]
    fn host_list_reports_every_bad_entry() {
        let patterns = parse_host_list("pypi.org, *.pythonhosted.org,,").expect("a valid list");
        assert_eq!(patterns.len(), 2);
        let errors = parse_host_list("pypi.org,bad host,*.com").expect_err("two bad entries");
        assert_eq!(errors.len(), 2);
        assert!(errors[0].to_string().contains("bad host"), "{}", errors[0]);
    }
}
