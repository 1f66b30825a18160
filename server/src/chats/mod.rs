//! Chats with the spec assistant: persisted conversations whose replies
//! stream from the configured model while they are written.

pub mod context;
pub mod replies;
pub mod repo;
pub mod service;
pub mod written_elsewhere;

pub use service::{AssistantSettings, ChatService};
