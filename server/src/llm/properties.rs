//! Properties of the code that reads what a model provider sends, over
//! generated input: the SSE decoder gives the same frames however the bytes
//! are cut, and neither provider's frame parser panics on any sequence of
//! frames, well-formed or not.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::anthropic::MessageStreamParser;
use super::openai::ChunkParser;
use super::sse::{SseDecoder, SseFrame};
use super::stream::FrameParser;

/// Bytes rich in what the SSE grammar cares about.
fn sse_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        3 => Just(b'\n'),
        2 => Just(b'\r'),
        2 => Just(b':'),
        2 => Just(b' '),
        3 => b'a'..=b'e',
        1 => any::<u8>(),
    ];
    let field = prop_oneof![Just(b"data".to_vec()), Just(b"event".to_vec()), Just(b"id".to_vec())];
    let piece =
        prop_oneof![3 => byte.prop_map(|byte| vec![byte]), 1 => field, 1 => Just("é✓".as_bytes().to_vec())];
    proptest::collection::vec(piece, 0..200).prop_map(|pieces| pieces.concat())
}

fn decode_in_pieces(bytes: &[u8], cuts: &[usize]) -> Vec<SseFrame> {
    let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut decoder = SseDecoder::new();
    let mut frames = Vec::new();
    let mut start = 0;
    for cut in cuts {
        frames.extend(decoder.push(&bytes[start..cut]).expect("small events"));
        start = cut;
    }
    frames.extend(decoder.push(&bytes[start..]).expect("small events"));
    frames.extend(decoder.finish());
    frames
}

/// JSON shaped like the providers' events: their keys and kinds of values, nested.
fn provider_json() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "type",
        "index",
        "delta",
        "text",
        "partial_json",
        "content_block",
        "id",
        "name",
        "usage",
        "input_tokens",
        "output_tokens",
        "stop_reason",
        "message",
        "error",
        "choices",
        "finish_reason",
        "content",
        "tool_calls",
        "function",
        "arguments",
        "model",
        "prompt_tokens",
        "completion_tokens",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0u64..5).prop_map(Value::from),
        prop::sample::select(vec![
            "message_start",
            "content_block_start",
            "content_block_delta",
            "text_delta",
            "input_json_delta",
            "tool_use",
            "text",
            "end_turn",
            "max_tokens",
            "tool_use",
            "stop",
            "length",
            "tool_calls",
            "{",
            "{\"a\":",
            "",
            "overloaded_error",
        ])
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6).prop_map(|entries| Value::Object(
                entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>()
            )),
        ]
    })
}

fn provider_frames() -> impl Strategy<Value = Vec<SseFrame>> {
    let event = prop::sample::select(vec![
        "",
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
        "ping",
        "error",
        "something_new",
    ]);
    let data = prop_oneof![
        4 => provider_json().prop_map(|json| json.to_string()),
        1 => Just("[DONE]".to_owned()),
        1 => ".{0,40}",
    ];
    proptest::collection::vec((event, data), 0..24).prop_map(|frames| {
        frames.into_iter().map(|(event, data)| SseFrame { event: event.into(), data }).collect()
    })
}

/// Feeds every frame and then the end of the body; errors are fine, panics are not.
fn read_all(mut parser: impl FrameParser, frames: Vec<SseFrame>) {
    for frame in frames {
        if parser.parse(frame).is_err() {
            return;
        }
    }
    let _ = parser.finish();
}

proptest! {
    #[test]
    fn the_sse_decoder_gives_the_same_frames_however_the_bytes_are_cut(
        bytes in sse_bytes(),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        prop_assert_eq!(decode_in_pieces(&bytes, &cuts), decode_in_pieces(&bytes, &[]));
    }

    #[test]
    fn the_anthropic_parser_survives_any_frames(frames in provider_frames()) {
        read_all(MessageStreamParser::default(), frames);
    }

    #[test]
    fn the_openai_parser_survives_any_frames(frames in provider_frames()) {
        read_all(ChunkParser::default(), frames);
    }
}
