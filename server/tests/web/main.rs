//! The web tier, in one test binary (one link instead of one per module):
//! accounts, specs, chats, projects, the REST API and its contract, the
//! authorization matrix, the data pages send for hydration, the model
//! providers' wire protocols, migrations, and the server process itself.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod authorization;
mod browser_security;
mod chats;
mod dashboard;
mod http;
mod hydration;
mod llm_providers;
mod metrics;
mod migrations;
mod openapi;
mod process;
mod projects;
mod quotas;
mod rate_limits;
mod specs;
mod webhooks;
