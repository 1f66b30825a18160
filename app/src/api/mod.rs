//! Server functions, grouped by domain, and the types they exchange.

pub mod accounts;
pub mod artifacts;
pub mod builds;
pub mod chats;
pub mod dashboard;
pub mod projects;
pub mod specs;
pub mod system;
#[cfg(feature = "ssr")]
pub mod text_schemas;
