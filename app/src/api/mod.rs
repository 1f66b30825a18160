//! Server functions, grouped by domain: each turns a call from the browser
//! into a call of a port (`crate::ports`) for the signed-in user.

pub mod accounts;
pub mod artifacts;
pub mod builds;
pub mod chats;
pub mod dashboard;
pub mod previews;
pub mod projects;
pub mod specs;
pub mod system;
pub mod webhooks;
