//! The SSE decoder on any bytes, cut at a point the input chooses: the
//! same frames as uncut, and never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::llm::sse::SseDecoder;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, bytes)) = data.split_first() else { return };
    let cut = usize::from(cut).min(bytes.len());
    let mut whole = SseDecoder::new();
    let mut expected = whole.push(bytes).expect("fuzz inputs are small");
    expected.extend(whole.finish());
    let mut pieces = SseDecoder::new();
    let mut got = pieces.push(&bytes[..cut]).expect("fuzz inputs are small");
    got.extend(pieces.push(&bytes[cut..]).expect("fuzz inputs are small"));
    got.extend(pieces.finish());
    assert_eq!(got, expected);
});
