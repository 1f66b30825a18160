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

struct Reading<P> {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    decoder: SseDecoder,
    parser: P,
    ready: VecDeque<Result<StreamEvent, ProviderError>>,
    is_over: bool,
    idle_timeout: Duration,
}

pub fn events_from_response<P: FrameParser>(
    response: Response,
    parser: P,
    idle_timeout: Duration,
) -> EventStream {
    let reading = Reading {
        body: response.bytes_stream().boxed(),
        decoder: SseDecoder::new(),
        parser,
        ready: VecDeque::new(),
        is_over: false,
        idle_timeout,
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
        let frames = match self.body.next().await {
            Some(Ok(chunk)) => match self.decoder.push(&chunk) {
                Ok(frames) => frames,
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
                    ProviderError::Timeout(self.idle_timeout)
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
