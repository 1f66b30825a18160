//! How values are written for people, the same on the server and in the browser.

use chrono::{DateTime, Utc};

/// `Nov 25, 2026 14:05 UTC`: unambiguous, and identical in SSR and after
/// hydration (the browser's time zone would make the two differ).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_naturally() {
        let at = DateTime::parse_from_rfc3339("2026-11-05T07:09:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(timestamp(at), "Nov 5, 2026 07:09 UTC");
    }
}
