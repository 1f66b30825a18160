//! The part of an object a download asks for, so an interrupted download
//! resumes: one `bytes=start-end` or `bytes=start-` range of an HTTP `Range`
//! header. Anything else (several ranges, a suffix, another unit) asks for
//! the whole object, which HTTP allows a server to answer with.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    start: u64,
    /// The last byte asked for; `None` for "to the end".
    last: Option<u64>,
}

impl ByteRange {
    /// The range a `Range` header's value names, if it is one this server honours.
    pub fn parse(value: &str) -> Option<Self> {
        let (start, last) = value.strip_prefix("bytes=")?.split_once('-')?;
        let start = start.trim().parse::<u64>().ok()?;
        let last = match last.trim() {
            "" => None,
            last => Some(last.parse::<u64>().ok()?),
        };
        Some(Self { start, last })
    }

    /// The bytes it names of an object of `size` bytes (a last byte past the
    /// end stops at the end), or `None` when it names none of them.
    pub fn within(self, size: u64) -> Option<Range<u64>> {
        let end = self.last.map_or(size, |last| last.saturating_add(1).min(size));
        (self.start < end).then_some(self.start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, size: u64) -> Option<Range<u64>> {
        ByteRange::parse(value).and_then(|range| range.within(size))
    }

    #[test]
    fn one_byte_range_is_honoured_and_others_get_the_whole_object() {
        assert_eq!(range("bytes=10-19", 100), Some(10..20));
        assert_eq!(range("bytes=90-", 100), Some(90..100));
        assert_eq!(range("bytes=90-500", 100), Some(90..100));
        assert_eq!(range("bytes=0-18446744073709551615", 100), Some(0..100));
        assert_eq!(range("bytes=100-", 100), None);
        assert_eq!(range("bytes=20-10", 100), None);
        assert_eq!(range("bytes=-10", 100), None);
        assert_eq!(range("bytes=0-1,5-6", 100), None);
        assert_eq!(range("items=0-1", 100), None);
    }
}
