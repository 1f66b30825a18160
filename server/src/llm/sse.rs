//! A decoder for server-sent event streams as the WHATWG HTML standard
//! defines them. Network chunks may end anywhere, inside a line or inside a
//! UTF-8 character, so bytes are buffered until a whole line is present,
//! up to a limit: a provider cannot make the server hold an endless line.

/// One dispatched event: its `event:` name (empty when absent) and the
/// `data:` lines joined by newlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseFrame {
    pub event: String,
    pub data: String,
}

/// An event's bytes (its lines, or one unfinished line) past which the
/// stream is refused. The providers send small deltas; a whole tool call's
/// input arrives in pieces.
pub const MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an event of the stream is longer than {limit} bytes")]
pub struct EventTooLarge {
    pub limit: usize,
}

#[derive(Debug)]
pub struct SseDecoder {
    pending: Vec<u8>,
    /// How far `pending` was searched for a line end (so each byte is looked at once).
    scanned: usize,
    event: String,
    data: Vec<String>,
    data_bytes: usize,
    has_data: bool,
    limit: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::with_limit(MAX_EVENT_BYTES)
    }
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_limit(limit: usize) -> Self {
        Self {
            pending: Vec::new(),
            scanned: 0,
            event: String::new(),
            data: Vec::new(),
            data_bytes: 0,
            has_data: false,
            limit,
        }
    }

    /// Feeds a chunk and returns the events it completed, or an error once
    /// an event grows past the limit (the stream is then over).
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseFrame>, EventTooLarge> {
        self.pending.extend_from_slice(chunk);
        let mut frames = Vec::new();
        let mut start = 0;
        let mut index = self.scanned;
        while index < self.pending.len() {
            let byte = self.pending[index];
            if byte == b'\n' || byte == b'\r' {
                // A CR at the very end may be the first half of a CRLF.
                if byte == b'\r' && index + 1 == self.pending.len() {
                    break;
                }
                let line = String::from_utf8_lossy(&self.pending[start..index]).into_owned();
                let skip = if byte == b'\r' && self.pending[index + 1] == b'\n' { 2 } else { 1 };
                index += skip;
                start = index;
                if let Some(frame) = self.take_line(&line) {
                    frames.push(frame);
                }
            } else {
                index += 1;
            }
        }
        // `index` stopped at the end, or on a CR at the end that may start a CRLF.
        self.pending.drain(..start);
        self.scanned = index - start;
        if self.pending.len() + self.data_bytes > self.limit {
            return Err(EventTooLarge { limit: self.limit });
        }
        Ok(frames)
    }

    /// Ends the stream: a final line without a terminator still counts, but
    /// an event without its closing blank line is dropped, as the standard says.
    pub fn finish(&mut self) -> Vec<SseFrame> {
        let mut frames = Vec::new();
        if !self.pending.is_empty() {
            let line = String::from_utf8_lossy(&self.pending).trim_end_matches('\r').to_owned();
            self.pending.clear();
            self.scanned = 0;
            frames.extend(self.take_line(&line));
        }
        frames
    }

    fn take_line(&mut self, line: &str) -> Option<SseFrame> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None; // a comment, often sent as a keep-alive
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => {
                self.data_bytes += value.len() + 1;
                self.data.push(value.to_owned());
                self.has_data = true;
            }
            _ => {} // `id` and `retry` matter to browsers, not to these clients
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseFrame> {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        self.data_bytes = 0;
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        Some(SseFrame { event, data: data.join("\n") })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "event: message_start\ndata: {\"a\":\"héllo ✓\"}\n\n: keep-alive\n\nevent: ping\r\ndata: {}\r\n\r\ndata: line one\ndata: line two\n\n";

    fn expected() -> Vec<SseFrame> {
        vec![
            SseFrame { event: "message_start".into(), data: "{\"a\":\"héllo ✓\"}".into() },
            SseFrame { event: "ping".into(), data: "{}".into() },
            SseFrame { event: String::new(), data: "line one\nline two".into() },
        ]
    }

    #[test]
    fn decodes_events_whatever_the_chunk_boundaries() {
        let bytes = STREAM.as_bytes();
        // Every split point, including inside the multi-byte characters and
        // between the CR and LF of a CRLF.
        for split in 0..=bytes.len() {
            let mut decoder = SseDecoder::new();
            let mut frames = decoder.push(&bytes[..split]).expect("a small event");
            frames.extend(decoder.push(&bytes[split..]).expect("a small event"));
            frames.extend(decoder.finish());
            assert_eq!(frames, expected(), "split at byte {split}");
        }
    }

    #[test]
    fn decodes_a_stream_fed_one_byte_at_a_time() {
        let mut decoder = SseDecoder::new();
        let mut frames = Vec::new();
        for byte in STREAM.as_bytes() {
            frames.extend(decoder.push(std::slice::from_ref(byte)).expect("a small event"));
        }
        assert_eq!(frames, expected());
    }

    #[test]
    fn an_event_cut_off_before_its_blank_line_is_not_dispatched() {
        let mut decoder = SseDecoder::new();
        assert!(decoder.push(b"event: x\ndata: partial").expect("a small event").is_empty());
        assert!(decoder.finish().is_empty());
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let mut decoder = SseDecoder::new();
        let frames = decoder.push(b"data: a\r\rdata: b\r\r ").expect("a small event");
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].data, "b");
    }

    #[test]
    fn a_line_or_event_past_the_limit_is_refused_instead_of_held() {
        let mut endless_line = SseDecoder::with_limit(64);
        assert!(endless_line.push(b"data: 0123456789").is_ok());
        assert_eq!(endless_line.push(&[b'x'; 64]), Err(EventTooLarge { limit: 64 }));
        let mut many_lines = SseDecoder::with_limit(64);
        let refused = (0..20).map(|_| many_lines.push(b"data: 0123456789\n")).find(Result::is_err);
        assert_eq!(refused, Some(Err(EventTooLarge { limit: 64 })), "data lines of one event add up");
        let mut many_events = SseDecoder::with_limit(64);
        for _ in 0..100 {
            assert_eq!(many_events.push(b"data: 0123456789\n\n").map(|frames| frames.len()), Ok(1));
        }
    }
}
