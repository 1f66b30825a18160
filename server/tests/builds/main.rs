//! Builds, in one test binary (one link instead of one per module): the
//! whole lifecycle, its guards, worker processes and failover, hostile
//! agents, the sandbox, and where the results are stored.

#[path = "../common/mod.rs"]
mod common;

mod artifact_outage;
mod database_outage;
mod failover;
mod followers;
mod guards;
mod hostile;
mod leftovers;
mod lifecycle;
mod live_streams;
mod metrics;
mod previews;
mod processes;
mod sandbox;
mod storage;
mod webhooks;
