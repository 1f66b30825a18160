//! The HTTP face of the server: the router, its state, the middleware that
//! identifies callers and guards pages, the REST API and the operational
//! endpoints.

pub mod api;
pub mod body_limit;
pub mod caller;
pub mod csrf;
pub mod health;
pub mod host_check;
pub mod metrics;
pub mod page_guard;
pub mod page_rate_limit;
pub mod plain_page;
pub mod preview_site;
pub mod rate_limit;
pub mod reactive_owner;
pub mod refusal;
pub mod router;
pub mod security_headers;
pub mod serve;
pub mod signed_in_stream;
pub mod static_files;
pub mod stream_slots;

pub use crate::builds::BuildSetup;
pub use router::{router, AppState};
