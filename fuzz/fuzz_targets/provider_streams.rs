//! Any bytes as a provider's streamed reply, through the SSE decoder and
//! both providers' frame parsers: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::llm::anthropic::MessageStreamParser;
use server::llm::openai::ChunkParser;
use server::llm::sse::{SseDecoder, SseFrame};
use server::llm::stream::FrameParser;

fn read_all(mut parser: impl FrameParser, frames: &[SseFrame]) {
    for frame in frames {
        if parser.parse(frame.clone()).is_err() {
            return;
        }
    }
    let _ = parser.finish();
}

fuzz_target!(|data: &[u8]| {
    let mut decoder = SseDecoder::new();
    let Ok(mut frames) = decoder.push(data) else { return };
    frames.extend(decoder.finish());
    read_all(MessageStreamParser::default(), &frames);
    read_all(ChunkParser::default(), &frames);
});
