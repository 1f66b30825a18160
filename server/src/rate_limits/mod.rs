//! How often a user (or, before sign-in, an address) may do something: API
//! requests a minute, builds started and sign-ups an hour. Every bucket lives
//! in PostgreSQL, so all server processes share one allowance; see [`gcra`]
//! for how it fills and drains.

pub mod gcra;
pub mod repo;

use std::net::IpAddr;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

pub use gcra::{Decision, Quota};

use crate::db::{Connect, DbPool, StoreError, StoreResult};

/// The address a client is counted as (API requests, page requests,
/// sign-ups, failed sign-ins). IPv6 counts per /64, the block one
/// subscriber usually holds whole; IPv4-mapped IPv6 as IPv4.
pub fn counted_address(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            IpAddr::V6(std::net::Ipv6Addr::new(
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                0,
                0,
                0,
                0,
            ))
        }
    }
}

/// The key a client address is counted under in PostgreSQL.
pub fn address_key(address: IpAddr) -> String {
    match counted_address(address) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(network) => format!("{network}/64"),
    }
}

/// What is being counted, and for whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// REST requests of a signed-in user (session or token alike).
    ApiRequestsOfUser(Uuid),
    /// REST requests nobody signed in for, by client address.
    ApiRequestsOfAddress(IpAddr),
    BuildsStartedBy(Uuid),
    /// New accounts from one client address.
    SignUpsFrom(IpAddr),
}

impl Bucket {
    /// The row's key. Addresses are counted the way sign-in throttling
    /// counts them (an IPv6 /64 as one), since one host holds a whole /64.
    pub fn key(&self) -> String {
        match self {
            Bucket::ApiRequestsOfUser(id) => format!("api:user:{id}"),
            Bucket::ApiRequestsOfAddress(address) => format!("api:address:{}", address_key(*address)),
            Bucket::BuildsStartedBy(id) => format!("builds:user:{id}"),
            Bucket::SignUpsFrom(address) => format!("sign-ups:address:{}", address_key(*address)),
        }
    }
}

/// Takes one request from `bucket` inside the caller's transaction, so a
/// request that fails afterwards gives its unit back with the rollback.
pub async fn take(connection: &mut AsyncPgConnection, bucket: Bucket, quota: Quota) -> StoreResult<Decision> {
    let taken = repo::take(connection, &bucket.key(), quota).await?;
    Ok(Decision::at(taken.now, taken.tat, taken.is_allowed, quota))
}

/// Takes one request from `bucket` on a connection of its own.
pub async fn take_from_pool(pool: &DbPool, bucket: Bucket, quota: Quota) -> Result<Decision, StoreError> {
    let mut connection = pool.connection().await?;
    take(&mut connection, bucket, quota).await
}

/// Deletes buckets that are whole again; run now and then.
pub async fn forget_refilled(pool: &DbPool) -> Result<usize, StoreError> {
    let mut connection = pool.connection().await?;
    repo::forget_refilled(&mut connection).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_per_64_and_mapped_ipv4_as_ipv4() {
        let first: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let second: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(first), "2001:db8:1:2::/64");
        assert_eq!(address_key(first), address_key(second));
        assert_eq!(address_key("::ffff:198.51.100.7".parse().unwrap()), "198.51.100.7");
    }
}
