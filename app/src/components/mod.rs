//! Reusable pieces of the UI.

pub mod auth_card;
pub mod empty_state;
pub mod form;
pub mod icons;
pub mod layout;
pub mod page_header;
pub mod user_menu;
