//! The engine room of the Autonomous Agents Platform: configuration, the
//! database, and the HTTP server that carries the Leptos app.

pub mod auth;
pub mod builds;
pub mod chats;
pub mod config;
pub mod cpu_work;
pub mod db;
pub mod health;
pub mod http;
pub mod llm;
pub mod overview;
pub mod previews;
pub mod projects;
pub mod quotas;
pub mod rate_limits;
pub mod sandbox;
pub mod shutdown;
pub mod special_addresses;
pub mod specs;
pub mod storage;
pub mod telemetry;
pub mod webhooks;
