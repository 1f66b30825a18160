//! App specifications: queries, version history and comparison, behind the
//! `Specs` trait that server functions and the REST API share.

pub mod diff;
pub mod repo;
pub mod service;

pub use service::SpecService;
