//! Turns a provider's streaming HTTP response into [`StreamEvent`]s: bytes
//! through the SSE decoder, frames through the provider's parser.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Response;

use super::retry::describe;
use super::sse::{SseDecoder, SseFrame};
use super::{EventStream, ProviderError, StreamEvent};

/// Reads one provider's frames.
pub trait FrameParser: Send + 'static {
    fn parse(&mut self, frame: SseFrame) -> Result<Vec<StreamEvent>, ProviderError>;
    /// The body ended: the last events, or an error when the reply was cut
    /// off before the provider said it was complete.
    fn finish(&mut self) -> Result<Vec<StreamEvent>, ProviderError>;
}

/// A reply's bytes past which it is refused: everything kept of a reply
/// (its text, its tool calls' input) comes from them, and a reply within a
/// model's output limit is a few megabytes at the most.
pub const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// How long a reply may go on: without a byte, and in all. The second
/// bounds a provider that trickles a byte just before each idle timeout.
#[derive(Debug, Clone, Copy)]
pub struct ReplyTimeouts {
    pub idle: Duration,
    pub whole: Duration,
}

struct Reading<P> {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    /// What is left of the reply's byte limit.
    bytes_left: usize,
    max_bytes: usize,
    decoder: SseDecoder,
    parser: P,
    ready: VecDeque<Result<StreamEvent, ProviderError>>,
    is_over: bool,
    timeouts: ReplyTimeouts,
    /// When the reply is refused for lasting too long.
    deadline: tokio::time::Instant,
}

pub fn events_from_response<P: FrameParser>(
    response: Response,
    parser: P,
    timeouts: ReplyTimeouts,
) -> EventStream {
    events_within(response, parser, timeouts, MAX_REPLY_BYTES)
}

fn events_within<P: FrameParser>(
    response: Response,
    parser: P,
    timeouts: ReplyTimeouts,
    max_bytes: usize,
) -> EventStream {
    let reading = Reading {
        body: response.bytes_stream().boxed(),
        bytes_left: max_bytes,
        max_bytes,
        decoder: SseDecoder::new(),
        parser,
        ready: VecDeque::new(),
        is_over: false,
        timeouts,
        deadline: tokio::time::Instant::now() + timeouts.whole,
    };
    Box::pin(futures_util::stream::unfold(reading, |mut reading| async move {
        loop {
            if let Some(item) = reading.ready.pop_front() {
                if item.is_err() {
                    // Nothing after an error: the reply is over.
                    reading.ready.clear();
                    reading.is_over = true;
                }
                return Some((item, reading));
            }
            if reading.is_over {
                return None;
            }
            reading.read_more().await;
        }
    }))
}

impl<P: FrameParser> Reading<P> {
    async fn read_more(&mut self) {
        let Ok(next) = tokio::time::timeout_at(self.deadline, self.body.next()).await else {
            self.ready.push_back(Err(ProviderError::ReplyTooLong(self.timeouts.whole)));
            return;
        };
        let frames = match next {
            Some(Ok(chunk)) if chunk.len() > self.bytes_left => {
                self.ready.push_back(Err(ProviderError::Stream {
                    kind: "reply_too_large".into(),
                    message: format!("the reply is longer than {} bytes", self.max_bytes),
                }));
                return;
            }
            Some(Ok(chunk)) => match self.decoder.push(&chunk) {
                Ok(frames) => {
                    self.bytes_left -= chunk.len();
                    frames
                }
                Err(too_large) => {
                    self.ready.push_back(Err(ProviderError::Stream {
                        kind: "event_too_large".into(),
                        message: too_large.to_string(),
                    }));
                    return;
                }
            },
            Some(Err(error)) => {
                let error = if error.is_timeout() {
                    ProviderError::Timeout(self.timeouts.idle)
                } else {
                    ProviderError::Connection(describe(&error))
                };
                self.ready.push_back(Err(error));
                return;
            }
            None => {
                self.is_over = true;
                let frames = self.decoder.finish();
                self.parse(frames);
                match self.parser.finish() {
                    Ok(events) => self.ready.extend(events.into_iter().map(Ok)),
                    Err(error) => self.ready.push_back(Err(error)),
                }
                return;
            }
        };
        self.parse(frames);
    }

    fn parse(&mut self, frames: Vec<SseFrame>) {
        for frame in frames {
            match self.parser.parse(frame) {
                Ok(events) => self.ready.extend(events.into_iter().map(Ok)),
                Err(error) => {
                    self.ready.push_back(Err(error));
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each frame's data as a piece of text.
    struct Texts;

    impl FrameParser for Texts {
        fn parse(&mut self, frame: SseFrame) -> Result<Vec<StreamEvent>, ProviderError> {
            Ok(vec![StreamEvent::TextDelta(frame.data)])
        }

        fn finish(&mut self) -> Result<Vec<StreamEvent>, ProviderError> {
            Ok(vec![])
        }
    }

    const PATIENT: ReplyTimeouts =
        ReplyTimeouts { idle: Duration::from_secs(5), whole: Duration::from_secs(60) };

    /// A response whose body is `events` of 9 bytes each, one every `pace`.
    fn response(events: usize, pace: Duration) -> Response {
        let chunks = futures_util::stream::iter(0..events).then(move |_| async move {
            tokio::time::sleep(pace).await;
            Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"data: x\n\n"))
        });
        Response::from(axum::http::Response::new(reqwest::Body::wrap_stream(chunks)))
    }

    /// Ten events of 9 bytes each, read within a limit of `max_bytes`.
    async fn read_within(max_bytes: usize) -> Vec<Result<StreamEvent, ProviderError>> {
        events_within(response(10, Duration::ZERO), Texts, PATIENT, max_bytes).collect().await
    }

    #[tokio::test]
    async fn a_reply_is_read_to_its_byte_limit_and_refused_past_it() {
        let whole = read_within(90).await;
        assert_eq!(whole.len(), 10);
        assert!(whole.iter().all(|event| matches!(event, Ok(StreamEvent::TextDelta(text)) if text == "x")));

        let cut = read_within(89).await;
        assert_eq!(cut.len(), 10, "nine pieces, then the refusal: {cut:?}");
        let refusal = cut.last().and_then(|event| event.as_ref().err());
        assert!(
            matches!(refusal, Some(ProviderError::Stream { kind, .. }) if kind == "reply_too_large"),
            "{refusal:?}"
        );
    }

    #[tokio::test]
    async fn a_reply_that_trickles_past_its_whole_time_is_refused() {
        // A piece every 50 ms never trips the idle timeout; half a second in all does.
        let timeouts = ReplyTimeouts { idle: Duration::from_secs(5), whole: Duration::from_millis(500) };
        let trickle = response(100, Duration::from_millis(50));
        let events: Vec<_> = events_within(trickle, Texts, timeouts, MAX_REPLY_BYTES).collect().await;
        assert!(events.len() < 100, "refused before its end: {} events", events.len());
        assert!(events[..events.len() - 1].iter().all(Result::is_ok), "{events:?}");
        assert_eq!(events.last(), Some(&Err(ProviderError::ReplyTooLong(Duration::from_millis(500)))));
    }
}
