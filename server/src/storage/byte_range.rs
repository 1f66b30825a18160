//! The part of an object a download asks for, so an interrupted download
//! resumes: from a first byte, to a last one or to the end.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    /// The last byte asked for; `None` for "to the end".
    pub last: Option<u64>,
}

impl ByteRange {
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

    fn range(start: u64, last: Option<u64>) -> ByteRange {
        ByteRange { start, last }
    }

    #[test]
    fn a_range_is_cut_to_the_object_and_one_outside_it_names_nothing() {
        assert_eq!(range(10, Some(19)).within(100), Some(10..20));
        assert_eq!(range(90, None).within(100), Some(90..100));
        assert_eq!(range(90, Some(500)).within(100), Some(90..100));
        assert_eq!(range(0, Some(u64::MAX)).within(100), Some(0..100));
        assert_eq!(range(100, None).within(100), None);
        assert_eq!(range(20, Some(10)).within(100), None);
    }
}
