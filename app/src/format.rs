//! How values are written for people, the same on the server and in the browser.

use chrono::{DateTime, Utc};

/// `Nov 25, 2026 14:05 UTC`: unambiguous, and identical in SSR and after
/// hydration (the browser's time zone would make the two differ).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%b %-d, %Y %H:%M UTC").to_string()
}

/// A span of time as a person would say it: `45 s`, `12 min`, `2 h 05 min`.
pub fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        _ => format!("{} h {:02} min", seconds / 3600, seconds % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(-3), "0 s");
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(60 * 12 + 59), "12 min");
        assert_eq!(duration(3600 * 2 + 60 * 5), "2 h 05 min");
    }

    #[test]
    fn timestamps_read_naturally() {
        let at = DateTime::parse_from_rfc3339("2026-11-05T07:09:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(timestamp(at), "Nov 5, 2026 07:09 UTC");
    }
}
