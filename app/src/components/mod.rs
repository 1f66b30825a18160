//! Reusable pieces of the UI.

pub mod activity_indicator;
pub mod ansi_text;
pub mod auth_card;
pub mod build_link;
pub mod build_status_badge;
pub mod build_status_header;
pub mod button;
pub mod card;
pub mod chat_composer;
pub mod chat_message;
pub mod dialog;
pub mod empty_state;
pub mod feature_progress;
pub mod features_chart;
pub mod field;
pub mod form;
pub mod icons;
pub mod layout;
pub mod load_error;
pub mod markdown_body;
pub mod menu;
pub mod numbered_text;
pub mod page_header;
pub mod pager;
pub mod panel;
pub mod search_box;
pub mod secret_notice;
pub mod shimmer_text;
pub mod spec_editor;
pub mod spec_preview;
pub mod system_status;
pub mod time_estimate;
pub mod user_menu;
pub mod view_switch;

#[cfg(test)]
mod view_rules;
