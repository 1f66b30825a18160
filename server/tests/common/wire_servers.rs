//! Fake model providers for the integration tests: real HTTP servers on
//! 127.0.0.1 that answer scripted responses in Anthropic's and OpenAI's wire
//! formats, chunk by chunk, and record every request they receive.

#![allow(dead_code)] // not every test uses every writer

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::serve::ListenerExt;
use axum::Router;
use bytes::Bytes;
use futures_util::stream::{self, Stream};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Between two chunks of a body, so each reaches the client in a read of
/// its own rather than coalesced with the next.
const DEFAULT_PAUSE: Duration = Duration::from_millis(5);

/// An SSE comment, which proxies and OpenAI-compatible servers send to keep
/// an idle connection open.
pub const KEEP_ALIVE: &str = ": keep-alive\n\n";

/// One answer of a fake provider, sent when its turn comes.
pub struct ScriptedResponse {
    status: u16,
    headers: Vec<(String, String)>,
    chunks: Vec<Vec<u8>>,
    pause: Duration,
}

impl ScriptedResponse {
    /// A 200 event stream that sends `chunks` exactly as they are cut.
    pub fn event_stream(chunks: Vec<Vec<u8>>) -> Self {
        Self {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/event-stream; charset=utf-8".into()),
                ("cache-control".into(), "no-cache".into()),
            ],
            chunks,
            pause: DEFAULT_PAUSE,
        }
    }

    /// A JSON answer, as both APIs send their errors.
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            chunks: vec![body.to_string().into_bytes()],
            pause: DEFAULT_PAUSE,
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn with_pause(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
    }

    fn into_http(self, guard: BodyGuard) -> Response {
        let body = Body::from_stream(paced(self.chunks, self.pause, guard));
        let mut response = axum::http::Response::builder().status(self.status);
        for (name, value) in &self.headers {
            response = response.header(name.as_str(), value.as_str());
        }
        response.body(body).expect("scripted statuses and headers are valid")
    }
}

/// A request as the fake provider received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// By lower-case name.
    pub headers: HashMap<String, String>,
    /// `Null` when the body was not JSON.
    pub body: Value,
    pub received_at: Instant,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The body's `messages`, empty when there are none.
    pub fn messages(&self) -> &[Value] {
        self.body["messages"].as_array().map(Vec::as_slice).unwrap_or_default()
    }
}

/// A scripted provider listening on a free local port until dropped.
pub struct FakeProvider {
    address: SocketAddr,
    state: Arc<ServerState>,
    server: JoinHandle<()>,
}

struct ServerState {
    script: Mutex<VecDeque<ScriptedResponse>>,
    requests: Mutex<Vec<RecordedRequest>>,
    bodies: Mutex<Vec<Arc<BodyRecord>>>,
}

impl FakeProvider {
    /// Starts a server that answers its requests with `script`, in order.
    pub async fn start(script: Vec<ScriptedResponse>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a port for the fake provider");
        let address = listener.local_addr().expect("the fake provider's address");
        let state = Arc::new(ServerState {
            script: Mutex::new(script.into()),
            requests: Mutex::default(),
            bodies: Mutex::default(),
        });
        let router = Router::new().fallback(answer).with_state(Arc::clone(&state));
        // Without TCP_NODELAY, Nagle's algorithm holds a small chunk back
        // until the previous one is acknowledged and then sends them
        // together, and the client would never see most of the cuts.
        let listener = listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                eprintln!("fake provider: could not set TCP_NODELAY: {error}");
            }
        });
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                eprintln!("fake provider stopped: {error}");
            }
        });
        Self { address, state, server }
    }

    /// The base URL, without a path.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The platform's Anthropic provider pointed at this server, without
    /// retries, as a build agent.
    pub fn anthropic_agent(&self) -> Arc<dyn server::llm::LlmProvider> {
        self.anthropic_agent_retrying(server::llm::retry::RetryPolicy {
            max_retries: 0,
            ..server::llm::retry::RetryPolicy::default()
        })
    }

    /// The platform's Anthropic provider pointed at this server, retrying as `retry` says.
    pub fn anthropic_agent_retrying(
        &self,
        retry: server::llm::retry::RetryPolicy,
    ) -> Arc<dyn server::llm::LlmProvider> {
        use server::llm::{provider_from_config, LlmConfig, ProviderKind};
        provider_from_config(&LlmConfig {
            kind: ProviderKind::Anthropic,
            api_key: Some("test-key".into()),
            base_url: self.url(),
            model: "claude-test".into(),
            retry,
            ..LlmConfig::default()
        })
        .expect("an Anthropic provider for the fake server")
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).clone()
    }

    /// The one request received; panics when there were none or several.
    pub fn only_request(&self) -> RecordedRequest {
        let mut requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request: {requests:#?}");
        requests.remove(0)
    }

    /// Response bodies sent to their last chunk.
    pub fn finished_bodies(&self) -> usize {
        lock(&self.state.bodies).iter().filter(|body| body.is_finished.load(Ordering::SeqCst)).count()
    }

    /// Response bodies dropped before their last chunk: the client hung up.
    pub fn abandoned_bodies(&self) -> usize {
        lock(&self.state.bodies).iter().filter(|body| body.was_abandoned.load(Ordering::SeqCst)).count()
    }

    /// Whether some response body is abandoned within `limit`.
    pub async fn wait_for_abandoned_body(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.abandoned_bodies() > 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.abandoned_bodies() > 0
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl ServerState {
    /// Keeps `request` and returns its number, counting from 1.
    fn remember(&self, request: RecordedRequest) -> usize {
        let mut requests = lock(&self.requests);
        requests.push(request);
        requests.len()
    }

    fn next_response(&self) -> Option<ScriptedResponse> {
        lock(&self.script).pop_front()
    }

    fn track_body(&self) -> BodyGuard {
        let record = Arc::new(BodyRecord::default());
        lock(&self.bodies).push(Arc::clone(&record));
        BodyGuard { record }
    }
}

/// Every path and method: the test asserts on what was asked for.
async fn answer(State(state): State<Arc<ServerState>>, request: Request) -> Response {
    let number = state.remember(record(request).await);
    match state.next_response() {
        Some(scripted) => scripted.into_http(state.track_body()),
        None => no_script_left(number),
    }
}

async fn record(request: Request) -> RecordedRequest {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        received_at: Instant::now(),
    }
}

/// 501 is outside every retryable status, so an unexpected extra request
/// fails the test with this message instead of being retried.
fn no_script_left(number: usize) -> Response {
    let body = serde_json::json!({ "error": {
        "type": "test_script_exhausted",
        "message": format!("the fake provider has no scripted response for request {number}"),
    }});
    axum::http::Response::builder()
        .status(501)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a valid response")
}

#[derive(Default)]
struct BodyRecord {
    is_finished: AtomicBool,
    was_abandoned: AtomicBool,
}

/// Travels inside a response body. The server drops the body when the
/// client goes away; if that happens before the last chunk was sent, the
/// guard records that the body was abandoned.
struct BodyGuard {
    record: Arc<BodyRecord>,
}

impl BodyGuard {
    fn finish(&self) {
        self.record.is_finished.store(true, Ordering::SeqCst);
    }
}

impl Drop for BodyGuard {
    fn drop(&mut self) {
        if !self.record.is_finished.load(Ordering::SeqCst) {
            self.record.was_abandoned.store(true, Ordering::SeqCst);
        }
    }
}

/// `chunks` one after another with `pause` between them.
fn paced(
    chunks: Vec<Vec<u8>>,
    pause: Duration,
    guard: BodyGuard,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    stream::unfold((chunks.into_iter(), guard, true), move |(mut chunks, guard, is_first)| async move {
        let Some(chunk) = chunks.next() else {
            guard.finish();
            return None;
        };
        if !is_first {
            tokio::time::sleep(pause).await;
        }
        Some((Ok::<Bytes, io::Error>(Bytes::from(chunk)), (chunks, guard, false)))
    })
}

/// Cuts `body` into byte chunks where a careless decoder breaks: inside
/// every multi-byte UTF-8 character, between a CR and its LF, between the
/// two line ends that close an event, inside the `data:` and `event:` field
/// names and a few bytes into their values.
pub fn split_awkwardly(body: &str) -> Vec<Vec<u8>> {
    let bytes = body.as_bytes();
    let mut cuts = BTreeSet::new();
    for (start, character) in body.char_indices() {
        let width = character.len_utf8();
        if width > 1 {
            cuts.insert(start + 1);
            cuts.insert(start + width - 1);
        }
    }
    for (index, pair) in bytes.windows(2).enumerate() {
        if pair == b"\r\n" || pair == b"\n\n" {
            cuts.insert(index + 1);
        }
    }
    for field in ["data: ", "event: "] {
        for (start, _) in body.match_indices(field) {
            cuts.insert(start + 2);
            cuts.insert(start + field.len() + 5);
        }
    }
    let mut chunks = Vec::new();
    let mut start = 0;
    for cut in cuts.into_iter().filter(|&cut| cut > 0 && cut < bytes.len()) {
        chunks.push(bytes[start..cut].to_vec());
        start = cut;
    }
    chunks.push(bytes[start..].to_vec());
    chunks
}

/// Anthropic's Messages API event stream, as documented at
/// docs.anthropic.com ("Streaming Messages"). Each writer returns one whole
/// event, `event:` line, `data:` line and the blank line that ends it.
pub mod messages_api {
    use serde_json::{json, Value};

    /// A whole reply in which the model calls tools: `(id, tool, input)` each.
    pub fn tool_use_reply(input_tokens: u64, calls: &[(&str, &str, &Value)]) -> super::ScriptedResponse {
        let mut events = vec![message_start(input_tokens)];
        for (index, (id, tool, input)) in calls.iter().enumerate() {
            let index = index as u64;
            events.push(tool_use_block_start(index, id, tool));
            events.push(input_json_delta(index, &input.to_string()));
            events.push(block_stop(index));
        }
        events.push(message_delta("tool_use", 20));
        events.push(message_stop());
        super::ScriptedResponse::event_stream(vec![events.concat().into_bytes()])
    }

    /// The API reports the dated model its alias resolved to, so a client
    /// that echoed its configured model would be caught.
    pub const SERVED_MODEL: &str = "claude-test-20250101";

    fn event(name: &str, data: Value) -> String {
        format!("event: {name}\ndata: {data}\n\n")
    }

    pub fn message_start(input_tokens: u64) -> String {
        event(
            "message_start",
            json!({
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "model": SERVED_MODEL,
                    "content": [],
                    "stop_reason": null,
                    "stop_sequence": null,
                    "usage": { "input_tokens": input_tokens, "output_tokens": 1 },
                },
            }),
        )
    }

    pub fn text_block_start(index: u64) -> String {
        event(
            "content_block_start",
            json!({ "type": "content_block_start", "index": index, "content_block": { "type": "text", "text": "" } }),
        )
    }

    pub fn text_delta(index: u64, text: &str) -> String {
        event(
            "content_block_delta",
            json!({ "type": "content_block_delta", "index": index, "delta": { "type": "text_delta", "text": text } }),
        )
    }

    pub fn tool_use_block_start(index: u64, id: &str, name: &str) -> String {
        event(
            "content_block_start",
            json!({
                "type": "content_block_start",
                "index": index,
                "content_block": { "type": "tool_use", "id": id, "name": name, "input": {} },
            }),
        )
    }

    pub fn input_json_delta(index: u64, partial_json: &str) -> String {
        event(
            "content_block_delta",
            json!({
                "type": "content_block_delta",
                "index": index,
                "delta": { "type": "input_json_delta", "partial_json": partial_json },
            }),
        )
    }

    pub fn block_stop(index: u64) -> String {
        event("content_block_stop", json!({ "type": "content_block_stop", "index": index }))
    }

    /// `stop_reason` is `end_turn`, `max_tokens`, `tool_use` or `stop_sequence`;
    /// `output_tokens` is the reply's total so far.
    pub fn message_delta(stop_reason: &str, output_tokens: u64) -> String {
        event(
            "message_delta",
            json!({
                "type": "message_delta",
                "delta": { "stop_reason": stop_reason, "stop_sequence": null },
                "usage": { "output_tokens": output_tokens },
            }),
        )
    }

    pub fn message_stop() -> String {
        event("message_stop", json!({ "type": "message_stop" }))
    }

    pub fn ping() -> String {
        event("ping", json!({ "type": "ping" }))
    }

    /// An error in the middle of a reply, after its 200 status was sent.
    pub fn error(kind: &str, message: &str) -> String {
        event("error", json!({ "type": "error", "error": { "type": kind, "message": message } }))
    }

    /// The body of an error answer (4xx, 5xx, 529).
    pub fn error_body(kind: &str, message: &str) -> Value {
        json!({ "type": "error", "error": { "type": kind, "message": message } })
    }

    /// A whole reply of one text block streamed as `pieces`.
    pub fn text_reply(pieces: &[&str], stop_reason: &str, input_tokens: u64, output_tokens: u64) -> String {
        let mut events = vec![message_start(input_tokens), text_block_start(0)];
        events.extend(pieces.iter().map(|piece| text_delta(0, piece)));
        events.extend([block_stop(0), message_delta(stop_reason, output_tokens), message_stop()]);
        events.concat()
    }

    /// The start of a reply, as if the connection closed after its text.
    pub fn cut_off_reply(pieces: &[&str]) -> String {
        let mut events = vec![message_start(25), text_block_start(0)];
        events.extend(pieces.iter().map(|piece| text_delta(0, piece)));
        events.concat()
    }

    /// A reply kept open by `pings` pings after its text, one event each.
    pub fn slow_text_reply(text: &str, pings: usize) -> Vec<String> {
        let mut events = vec![message_start(25), text_block_start(0), text_delta(0, text)];
        events.extend(std::iter::repeat_with(ping).take(pings));
        events.extend([block_stop(0), message_delta("end_turn", 5), message_stop()]);
        events
    }
}

/// OpenAI's chat completions stream, as documented at platform.openai.com
/// ("The chat completion chunk object"): `data:` lines of chunks, a usage
/// chunk when `stream_options.include_usage` is set, then `data: [DONE]`.
pub mod chat_completions {
    use serde_json::{json, Value};

    /// Reported in every chunk; differs from the requested model as a
    /// resolved snapshot name does.
    pub const SERVED_MODEL: &str = "gpt-test-2025-01-01";

    fn data(chunk: Value) -> String {
        format!("data: {chunk}\n\n")
    }

    fn chunk(delta: Value, finish_reason: Option<&str>) -> String {
        data(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": SERVED_MODEL,
            "system_fingerprint": null,
            "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason }],
            // With `include_usage`, every chunk but the last has a null usage.
            "usage": null,
        }))
    }

    /// The first chunk, naming the role, with the first text.
    pub fn role_chunk(content: &str) -> String {
        chunk(json!({ "role": "assistant", "content": content }), None)
    }

    pub fn text_chunk(content: &str) -> String {
        chunk(json!({ "content": content }), None)
    }

    /// The first fragment of a tool call: its id and function name.
    pub fn tool_call_start(index: u64, id: &str, name: &str) -> String {
        chunk(
            json!({ "tool_calls": [{
                "index": index,
                "id": id,
                "type": "function",
                "function": { "name": name, "arguments": "" },
            }]}),
            None,
        )
    }

    /// A later fragment: more of the arguments' JSON text.
    pub fn tool_call_arguments(index: u64, fragment: &str) -> String {
        chunk(json!({ "tool_calls": [{ "index": index, "function": { "arguments": fragment } }] }), None)
    }

    /// `finish_reason` is `stop`, `length` or `tool_calls`.
    pub fn finish_chunk(finish_reason: &str) -> String {
        chunk(json!({}), Some(finish_reason))
    }

    pub fn usage_chunk(prompt_tokens: u64, completion_tokens: u64) -> String {
        data(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": SERVED_MODEL,
            "choices": [],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }))
    }

    pub fn done() -> String {
        "data: [DONE]\n\n".to_owned()
    }

    /// An error in the middle of a reply, after its 200 status was sent.
    pub fn error(kind: &str, message: &str) -> String {
        data(json!({ "error": { "message": message, "type": kind } }))
    }

    /// The body of an error answer (4xx, 5xx).
    pub fn error_body(kind: &str, message: &str) -> Value {
        json!({ "error": { "message": message, "type": kind, "param": null, "code": null } })
    }

    /// A whole reply streamed as `pieces` (at least one).
    pub fn text_reply(
        pieces: &[&str],
        finish_reason: &str,
        prompt_tokens: u64,
        completion_tokens: u64,
    ) -> String {
        let mut chunks = opening(pieces);
        chunks.extend([finish_chunk(finish_reason), usage_chunk(prompt_tokens, completion_tokens), done()]);
        chunks.concat()
    }

    /// The start of a reply, as if the connection closed after its text:
    /// no finish reason, no usage, no `[DONE]`.
    pub fn cut_off_reply(pieces: &[&str]) -> String {
        opening(pieces).concat()
    }

    /// A reply kept open by `keep_alives` comments after its text, one
    /// chunk each.
    pub fn slow_text_reply(text: &str, keep_alives: usize) -> Vec<String> {
        let mut chunks = vec![role_chunk(text)];
        chunks.extend(std::iter::repeat_with(|| super::KEEP_ALIVE.to_owned()).take(keep_alives));
        chunks.extend([finish_chunk("stop"), usage_chunk(9, 5), done()]);
        chunks
    }

    fn opening(pieces: &[&str]) -> Vec<String> {
        let (first, rest) = pieces.split_first().expect("a reply has some text");
        let mut chunks = vec![role_chunk(first)];
        chunks.extend(rest.iter().map(|piece| text_chunk(piece)));
        chunks
    }
}

/// A poisoned lock only means another test thread panicked; the data is
/// still what the fake server recorded.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
