//! Reusable pieces of the UI.

pub mod empty_state;
pub mod icons;
pub mod layout;
pub mod page_header;
