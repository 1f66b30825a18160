//! How values are written for people, the same on the server and in the browser.

use chrono::{DateTime, Datelike, Timelike, Utc};

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `Nov 25, 2026 14:05 UTC`: unambiguous, and identical in SSR and after
/// hydration (the browser's time zone would make the two differ). Written
/// field by field: chrono's `format` would bring its strftime parser into
/// the WASM every page downloads.
pub fn timestamp(at: DateTime<Utc>) -> String {
    let month = MONTHS[at.month0() as usize];
    format!("{month} {}, {} {:02}:{:02} UTC", at.day(), at.year(), at.hour(), at.minute())
}

/// `14:05:09 UTC`: the time of day alone, for what just happened.
pub fn clock_time(at: DateTime<Utc>) -> String {
    format!("{:02}:{:02}:{:02} UTC", at.hour(), at.minute(), at.second())
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

/// A size in bytes as a person reads it: `812 B`, `14.2 KiB`, `3.40 MiB`,
/// `2.00 GiB` (binary units, as `du -h` and the limits use).
pub fn byte_size(bytes: i64) -> String {
    const KIB: f64 = 1024.0;
    let value = bytes as f64;
    if bytes.unsigned_abs() < 1024 {
        format!("{bytes} B")
    } else if value.abs() < KIB * KIB {
        format!("{:.1} KiB", value / KIB)
    } else if value.abs() < KIB * KIB * KIB {
        format!("{:.2} MiB", value / (KIB * KIB))
    } else {
        format!("{:.2} GiB", value / (KIB * KIB * KIB))
    }
}

/// `1,048,576`
pub fn group_thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// A count of tokens as a person reads it: `1,200`. A negative count,
/// which nothing should hold, reads `0`.
pub fn token_count(tokens: i64) -> String {
    group_thousands(usize::try_from(tokens).unwrap_or_default())
}

/// A limit of the sandbox written with `show`; zero or less stands for no
/// limit.
pub fn sandbox_limit(value: i64, show: impl Fn(i64) -> String) -> String {
    if value > 0 {
        show(value)
    } else {
        "no limit".to_owned()
    }
}

/// A count and what it counts, in the singular for one: `1 file`,
/// `1,024 files`.
pub fn counted(count: usize, singular: &str, plural: &str) -> String {
    match count {
        1 => format!("1 {singular}"),
        count => format!("{} {plural}", group_thousands(count)),
    }
}

/// A CPU share given in thousandths of a CPU: `1 CPU`, `0.5 CPU`, `2 CPUs`.
pub fn cpus(millis: i64) -> String {
    let whole = millis / 1000;
    let fraction = millis % 1000;
    let number = if fraction == 0 {
        whole.to_string()
    } else {
        format!("{:.2}", millis as f64 / 1000.0).trim_end_matches('0').to_owned()
    };
    if millis > 1000 {
        format!("{number} CPUs")
    } else {
        format!("{number} CPU")
    }
}

/// Millionths of a US dollar as a price reads: `$0.42`, `$1,234.50`, and
/// `under $0.01` for a cost too small to show in cents.
pub fn usd(micros: i64) -> String {
    let cents = (micros.max(0) + 5_000) / 10_000;
    if micros > 0 && cents == 0 {
        return "under $0.01".to_owned();
    }
    format!("${}.{:02}", group_thousands(usize::try_from(cents / 100).unwrap_or(usize::MAX)), cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_read_in_dollars_and_cents() {
        assert_eq!(usd(0), "$0.00");
        assert_eq!(usd(750_000), "$0.75");
        assert_eq!(usd(4_999), "under $0.01");
        assert_eq!(usd(1_234_504_999), "$1,234.50");
        assert_eq!(usd(1_234_505_000), "$1,234.51");
    }

    #[test]
    fn sizes_use_the_largest_binary_unit_below_them() {
        assert_eq!(group_thousands(1_048_576), "1,048,576");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(byte_size(0), "0 B");
        assert_eq!(byte_size(1023), "1023 B");
        assert_eq!(byte_size(14_540), "14.2 KiB");
        assert_eq!(byte_size(3_565_158), "3.40 MiB");
        assert_eq!(byte_size(2 * 1024 * 1024 * 1024), "2.00 GiB");
    }

    #[test]
    fn counts_name_one_in_the_singular_and_group_thousands() {
        assert_eq!(counted(1, "file", "files"), "1 file");
        assert_eq!(counted(0, "file", "files"), "0 files");
        assert_eq!(counted(1_024, "line", "lines"), "1,024 lines");
    }

    #[test]
    fn token_counts_group_thousands_and_never_go_below_zero() {
        assert_eq!(token_count(1_200), "1,200");
        assert_eq!(token_count(0), "0");
        assert_eq!(token_count(-5), "0");
    }

    #[test]
    fn a_limit_of_zero_or_less_is_no_limit() {
        assert_eq!(sandbox_limit(0, byte_size), "no limit");
        assert_eq!(sandbox_limit(-1, duration), "no limit");
        assert_eq!(sandbox_limit(600, duration), "10 min");
        assert_eq!(sandbox_limit(256, |count| count.to_string()), "256");
    }

    #[test]
    fn cpu_shares_read_as_cpus() {
        assert_eq!(cpus(1000), "1 CPU");
        assert_eq!(cpus(500), "0.5 CPU");
        assert_eq!(cpus(2000), "2 CPUs");
        assert_eq!(cpus(1250), "1.25 CPUs");
    }

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
        let at = DateTime::parse_from_rfc3339("2027-01-31T23:59:59Z").unwrap().with_timezone(&Utc);
        assert_eq!(timestamp(at), "Jan 31, 2027 23:59 UTC");
        assert_eq!(clock_time(at), "23:59:59 UTC");
    }
}
