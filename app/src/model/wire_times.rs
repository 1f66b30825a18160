//! The browser's reader of the times in answers (RFC 3339), lighter than
//! chrono's, which parses every format it knows; the server keeps chrono's.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::Deserialize;

/// Reads a time written as RFC 3339.
pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    WireTime::deserialize(deserializer).map(|time| time.0)
}

/// Reads a time written as RFC 3339, or `null`.
pub fn read_optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<WireTime>::deserialize(deserializer).map(|time| time.map(|time| time.0))
}

struct WireTime(DateTime<Utc>);

impl<'de> Deserialize<'de> for WireTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(WireTimeVisitor)
    }
}

struct WireTimeVisitor;

impl Visitor<'_> for WireTimeVisitor {
    type Value = WireTime;

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a time as RFC 3339, e.g. 2026-12-06T08:21:19Z")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<WireTime, E> {
        parse_rfc3339(text).map(WireTime).ok_or_else(|| E::invalid_value(Unexpected::Str(text), &self))
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with `t`, `z` or a space
/// where RFC 3339 allows them. A leap second (`:60`) is chrono's: the
/// second before, with a billion nanoseconds more.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    let mut text = Cursor(text.as_bytes());
    let year = text.digits(4)?;
    text.expect(b"-")?;
    let month = text.digits(2)?;
    text.expect(b"-")?;
    let day = text.digits(2)?;
    text.expect(b"Tt ")?;
    let hour = text.digits(2)?;
    text.expect(b":")?;
    let minute = text.digits(2)?;
    text.expect(b":")?;
    let mut second = text.digits(2)?;
    let mut nanosecond = text.fraction()?;
    if second == 60 {
        second = 59;
        nanosecond += 1_000_000_000;
    }
    let east_of_utc = text.offset()?;
    if !text.0.is_empty() {
        return None;
    }
    let local = NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanosecond)?;
    // As an offset, not a duration: a leap second stays one.
    local.checked_sub_offset(FixedOffset::east_opt(east_of_utc)?).map(|utc| utc.and_utc())
}

/// What is left of the text.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    /// Exactly `count` ASCII digits, as a number.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let digits = self.0.get(..count)?;
        self.0 = &self.0[count..];
        digits
            .iter()
            .try_fold(0, |number, &byte| byte.is_ascii_digit().then(|| number * 10 + u32::from(byte - b'0')))
    }

    /// One byte among `allowed`.
    fn expect(&mut self, allowed: &[u8]) -> Option<()> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        allowed.contains(&first).then_some(())
    }

    /// `.` and one or more digits, as nanoseconds (digits past the ninth
    /// are below a nanosecond and dropped), or nothing.
    fn fraction(&mut self) -> Option<u32> {
        let Some(rest) = self.0.strip_prefix(b".") else { return Some(0) };
        let count = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
        if count == 0 {
            return None;
        }
        let nanoseconds =
            rest[..count.min(9)].iter().fold(0, |number, &byte| number * 10 + u32::from(byte - b'0'))
                * 10u32.pow(9 - count.min(9) as u32);
        self.0 = &rest[count..];
        Some(nanoseconds)
    }

    /// `Z`, or `+HH:MM` / `-HH:MM`, as seconds east of UTC.
    fn offset(&mut self) -> Option<i32> {
        let (&sign, rest) = self.0.split_first()?;
        self.0 = rest;
        let sign = match sign {
            b'Z' | b'z' => return Some(0),
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let hours = self.digits(2)?;
        self.expect(b":")?;
        let minutes = self.digits(2)?;
        (hours < 24 && minutes < 60).then(|| sign * (hours * 3600 + minutes * 60) as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{SecondsFormat, TimeDelta, TimeZone};
    use serde::Serialize;

    #[test]
    fn reads_what_the_server_writes() {
        let times = [
            Utc.with_ymd_and_hms(2026, 12, 6, 8, 21, 19).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 6, 8, 21, 19).unwrap() + TimeDelta::microseconds(123_456),
            Utc.with_ymd_and_hms(1999, 2, 28, 23, 59, 59).unwrap() + TimeDelta::nanoseconds(1),
            Utc.with_ymd_and_hms(2024, 2, 29, 0, 0, 0).unwrap() + TimeDelta::milliseconds(500),
        ];
        #[derive(Serialize, Deserialize)]
        struct Row {
            #[serde(deserialize_with = "read")]
            at: DateTime<Utc>,
        }
        for at in times {
            let written = serde_json::to_string(&Row { at }).unwrap();
            let row: Row = serde_json::from_str(&written).unwrap();
            assert_eq!(row.at, at, "{written}");
        }
    }

    #[test]
    fn reads_what_chrono_reads_in_rfc3339() {
        for text in [
            "2026-12-06T08:21:19Z",
            "2026-12-06t08:21:19z",
            "2026-12-06 08:21:19.5+02:00",
            "2026-01-01T00:30:00-01:30",
            "2026-12-06T08:21:19.1234567891234Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60+01:00",
            "2017-01-01T00:59:60.5-01:00",
        ] {
            let chrono: DateTime<Utc> = DateTime::parse_from_rfc3339(text).unwrap().into();
            assert_eq!(parse_rfc3339(text), Some(chrono), "{text}");
        }
        let written =
            Utc.with_ymd_and_hms(2026, 3, 1, 1, 2, 3).unwrap().to_rfc3339_opts(SecondsFormat::Nanos, false);
        assert!(parse_rfc3339(&written).is_some(), "{written}");
    }

    #[test]
    fn refuses_what_is_not_a_time_without_panicking() {
        for text in [
            "",
            "2026-12-06",
            "2026-12-06T08:21:19",
            "2026-12-06T08:21:19.Z",
            "2026-13-06T08:21:19Z",
            "2026-02-30T08:21:19Z",
            "2026-12-06T24:00:00Z",
            "2026-12-06T08:21:19+24:00",
            "2026-12-06T08:21:19Z trailing",
            "２026-12-06T08:21:19Z",
            "+002026-12-06T08:21:19Z",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text:?}");
        }
        let error = serde_json::from_str::<WireTime>("\"yesterday\"").err().unwrap();
        assert!(error.to_string().contains("RFC 3339"), "{error}");
    }

    #[test]
    fn an_optional_time_may_be_null_or_missing() {
        #[derive(Deserialize)]
        struct Row {
            #[serde(default, deserialize_with = "read_optional")]
            at: Option<DateTime<Utc>>,
        }
        assert_eq!(serde_json::from_str::<Row>(r#"{"at": null}"#).unwrap().at, None);
        assert_eq!(serde_json::from_str::<Row>("{}").unwrap().at, None, "a missing time is none, as before");
        let row: Row = serde_json::from_str(r#"{"at": "2026-12-06T08:21:19Z"}"#).unwrap();
        assert_eq!(row.at, parse_rfc3339("2026-12-06T08:21:19Z"));
    }
}
