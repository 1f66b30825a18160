//! The domain: the types that cross the wire and the rules they obey, with
//! no I/O. Pages, server functions, ports and the server all build on it.

pub mod accounts;
pub mod artifacts;
pub mod build_log;
pub mod build_view;
pub mod builds;
pub mod chats;
pub mod dashboard;
mod event_readers;
pub mod previews;
pub mod projects;
pub mod spec_block;
pub mod spec_outline;
pub mod specs;
pub mod system;
#[cfg(feature = "ssr")]
pub mod text_schemas;
pub mod webhooks;
#[cfg(any(feature = "hydrate", test))]
mod wire_times;
