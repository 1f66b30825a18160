//! Accounts: password hashing, sessions, API tokens and sign-in throttling,
//! behind the `Accounts` trait that server functions and the REST API share.

pub mod credential;
pub mod passwords;
pub mod repo;
pub mod service;
pub mod sessions;
pub mod throttle;
pub mod tokens;

pub use service::AccountService;
