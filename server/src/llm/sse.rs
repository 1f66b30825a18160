//! A decoder for server-sent event streams as the WHATWG HTML standard
//! defines them. Network chunks may end anywhere, inside a line or inside a
//! UTF-8 character, so bytes are buffered until a whole line is present.

/// One dispatched event: its `event:` name (empty when absent) and the
/// `data:` lines joined by newlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseFrame {
    pub event: String,
    pub data: String,
}

#[derive(Debug, Default)]
pub struct SseDecoder {
    pending: Vec<u8>,
    event: String,
    data: Vec<String>,
    has_data: bool,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk and returns the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseFrame> {
        self.pending.extend_from_slice(chunk);
        let mut frames = Vec::new();
        let mut start = 0;
        let mut index = 0;
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
        self.pending.drain(..start);
        frames
    }

    /// Ends the stream: a final line without a terminator still counts, but
    /// an event without its closing blank line is dropped, as the standard says.
    pub fn finish(&mut self) -> Vec<SseFrame> {
        let mut frames = Vec::new();
        if !self.pending.is_empty() {
            let line = String::from_utf8_lossy(&self.pending).trim_end_matches('\r').to_owned();
            self.pending.clear();
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
            let mut frames = decoder.push(&bytes[..split]);
            frames.extend(decoder.push(&bytes[split..]));
            frames.extend(decoder.finish());
            assert_eq!(frames, expected(), "split at byte {split}");
        }
    }

    #[test]
    fn decodes_a_stream_fed_one_byte_at_a_time() {
        let mut decoder = SseDecoder::new();
        let mut frames = Vec::new();
        for byte in STREAM.as_bytes() {
            frames.extend(decoder.push(std::slice::from_ref(byte)));
        }
        assert_eq!(frames, expected());
    }

    #[test]
    fn an_event_cut_off_before_its_blank_line_is_not_dispatched() {
        let mut decoder = SseDecoder::new();
        assert!(decoder.push(b"event: x\ndata: partial").is_empty());
        assert!(decoder.finish().is_empty());
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let mut decoder = SseDecoder::new();
        let frames = decoder.push(b"data: a\r\rdata: b\r\r ");
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].data, "b");
    }
}
