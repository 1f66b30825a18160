//! Server functions, grouped by domain, and the types they exchange.

pub mod accounts;
pub mod system;
