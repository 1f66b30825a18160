//! The HTTP face of the server: the router, its state, and the operational
//! endpoints.

pub mod health;
pub mod router;
pub mod serve;
pub mod static_files;

pub use router::{router, AppState};
