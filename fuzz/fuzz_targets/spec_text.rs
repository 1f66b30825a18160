//! Spec text as people and models send it: cleaning, validation and
//! finding the spec block of a reply never panic, and cleaning is stable.
#![no_main]

use app::model::spec_block::{latest_spec, split_reply};
use app::model::specs::{clean_text, validate_spec_content, validate_spec_name};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let cleaned = clean_text(text);
    assert_eq!(clean_text(&cleaned), cleaned);
    let _ = validate_spec_content(text);
    let _ = validate_spec_name(text);
    let parts = split_reply(text);
    assert!(text.starts_with(parts.before) && text.ends_with(parts.after));
    let replies: Vec<&str> = text.split("\n\n").collect();
    let _ = latest_spec(replies.into_iter());
});
