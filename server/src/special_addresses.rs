//! Which addresses are not the public internet (the host itself, the local
//! network, cloud metadata, and the ranges that lead there): what neither a
//! sandbox nor a webhook may reach, whatever the name resolved to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 ranges that are not the public internet (IANA special-purpose
/// registry), with the word a denial names.
const SPECIAL_V4: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "this network"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "carrier-grade NAT"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
    // Includes 169.254.169.254, the cloud metadata service.
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "IETF protocol assignments"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "documentation"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "6to4 relay anycast"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "private"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "documentation"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "documentation"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
    // Includes 255.255.255.255, the broadcast address.
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved"),
];

/// IPv6 ranges that are not the public internet. Ranges that embed an IPv4
/// address (mapped, NAT64, 6to4) are judged by that address instead.
const SPECIAL_V6: &[(Ipv6Addr, u8, &str)] = &[
    // `::`, `::1` and the deprecated IPv4-compatible form `::a.b.c.d`.
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96, "unspecified, loopback or IPv4-compatible"),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "local-use NAT64"),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "discard-only"),
    // Teredo hides an IPv4 address we cannot judge.
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, "Teredo"),
    (Ipv6Addr::new(0x2001, 0x2, 0, 0, 0, 0, 0, 0), 48, "benchmarking"),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "documentation"),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, "documentation"),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "unique local (private)"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "site-local"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
];

/// The special-purpose range `ip` belongs to, in the word a refusal names,
/// or `None` for an address on the public internet.
pub fn special_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => special_v4(v4),
            None => SPECIAL_V6
                .iter()
                .find(|(network, prefix, _)| in_prefix(u128::from(v6), u128::from(*network), *prefix, 128))
                .map(|(_, _, reason)| *reason),
        },
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    SPECIAL_V4
        .iter()
        .find(|(network, prefix, _)| {
            in_prefix(u128::from(u32::from(ip)), u128::from(u32::from(*network)), *prefix, 32)
        })
        .map(|(_, _, reason)| *reason)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), well-known
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`) address: each
/// reaches that IPv4 address, so it is judged as that address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let bits = u128::from(ip);
    let nat64 = u128::from(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0));
    if in_prefix(bits, nat64, 96, 128) {
        return Some(Ipv4Addr::from(bits as u32));
    }
    let six_to_four = u128::from(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0));
    if in_prefix(bits, six_to_four, 16, 128) {
        return Some(Ipv4Addr::from((bits >> 80) as u32));
    }
    None
}

/// Whether the top `prefix` of `width` bits of `address` equal those of `network`.
fn in_prefix(address: u128, network: u128, prefix: u8, width: u32) -> bool {
    let host_bits = width - u32::from(prefix);
    // A /0 shifts every bit out: everything matches.
    address.checked_shr(host_bits).unwrap_or(0) == network.checked_shr(host_bits).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(address: &str) -> Option<&'static str> {
        special_range(address.parse().unwrap_or_else(|_| panic!("{address} is an address")))
    }

    #[test]
    fn addresses_outside_the_public_internet_are_special() {
        for (address, expected) in [
            ("0.0.0.0", "this network"),
            ("0.1.2.3", "this network"),
            ("10.0.0.1", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.255", "carrier-grade NAT"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("169.254.169.254", "link-local"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.8", "IETF protocol assignments"),
            ("192.0.2.1", "documentation"),
            ("192.168.1.1", "private"),
            ("198.18.0.1", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "reserved"),
            ("::", "unspecified, loopback or IPv4-compatible"),
            ("::1", "unspecified, loopback or IPv4-compatible"),
            ("::127.0.0.1", "unspecified, loopback or IPv4-compatible"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:0.0.0.0", "this network"),
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b:1::1", "local-use NAT64"),
            ("2002:a00:1::", "private"),
            ("2002:7f00:1::", "loopback"),
            ("2001::1", "Teredo"),
            ("2001:db8::1", "documentation"),
            ("fc00::1", "unique local (private)"),
            ("fd12:3456::1", "unique local (private)"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
        ] {
            assert_eq!(reason(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn public_addresses_are_not() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "104.16.0.1",
            "151.101.1.63",
            "172.15.255.255",
            "172.32.0.0",
            "192.169.0.1",
            "223.255.255.255",
            "::ffff:151.101.1.63",
            "64:ff9b::808:808",
            "2002:808:808::",
            "2606:4700::1111",
            "2a04:4e42::223",
        ] {
            assert_eq!(reason(address), None, "{address}");
        }
    }
}
