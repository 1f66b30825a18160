//! Projects: groups of specs and builds, behind the `Projects` trait that
//! server functions and the REST API share.

pub mod repo;
pub mod service;

pub use service::ProjectService;
