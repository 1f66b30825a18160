//! One module per page of the app.

pub mod build_detail;
pub mod builds;
pub mod chat;
pub mod dashboard;
pub mod not_found;
pub mod project_detail;
pub mod projects;
pub mod settings;
pub mod sign_in;
pub mod sign_up;
pub mod spec_detail;
pub mod specs;
pub mod wizard;
