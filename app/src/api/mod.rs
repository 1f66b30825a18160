//! Server functions, grouped by domain, and the types they exchange.

pub mod system;
