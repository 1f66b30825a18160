//! The Anthropic and OpenAI providers against fake servers that speak each
//! wire protocol over real HTTP: text cut at awkward places, keep-alives,
//! errors mid-stream, retries, tool calls, continued replies, truncated
//! streams and hanging up.

use crate::common::wire_servers;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{json, Value};
use server::llm::continuation::{stream_with_continuation, CONTINUE_PROMPT};
use server::llm::retry::RetryPolicy;
use server::llm::{
    collect_reply, provider_from_config, CollectedReply, CompletionRequest, ContentBlock, EventStream,
    LlmConfig, LlmProvider, Message, ProviderError, ProviderKind, Role, StopReason, StreamEvent, ToolCall,
    ToolDefinition, Usage,
};
use wire_servers::{
    chat_completions, messages_api, split_awkwardly, FakeProvider, ScriptedResponse, KEEP_ALIVE,
};

const API_KEY: &str = "test-key";
const SYSTEM_PROMPT: &str = "You write build specs for Rust services.";
const USER_TEXT: &str = "Draft a spec for a URL shortener — keep it short ✓";
const MAX_TOKENS: u32 = 1024;
/// Characters of two, three and four bytes in UTF-8, in the pieces the
/// provider streams them as.
const UNICODE_PIECES: [&str; 4] = ["Résumé ", "✓ — the build ", "passed 🎉, ", "naïve café."];
const TOOL_OUTPUT: &str = "test result: ok. 3 passed; 0 failed";
/// Far longer than any reply here takes: a hung client fails the test
/// instead of hanging the run.
const TEST_LIMIT: Duration = Duration::from_secs(20);

/// The two protocols, so that behaviour both must share is written once.
#[derive(Debug, Clone, Copy)]
enum Wire {
    Anthropic,
    OpenAi,
}

impl Wire {
    const ALL: [Wire; 2] = [Wire::Anthropic, Wire::OpenAi];

    /// A client of this protocol pointed at `server`, retrying quickly.
    fn provider(self, server: &FakeProvider) -> Arc<dyn LlmProvider> {
        let (kind, base_url, model) = match self {
            Wire::Anthropic => (ProviderKind::Anthropic, server.url(), "claude-test"),
            // OpenAI-compatible base URLs include the API version.
            Wire::OpenAi => (ProviderKind::OpenAi, format!("{}/v1", server.url()), "gpt-test"),
        };
        let config = LlmConfig {
            kind,
            api_key: Some(API_KEY.into()),
            base_url,
            model: model.into(),
            retry: RetryPolicy {
                max_retries: 2,
                base_delay: Duration::from_millis(10),
                max_wait: Duration::from_secs(5),
            },
            ..LlmConfig::default()
        };
        provider_from_config(&config).expect("a provider for the fake server")
    }

    /// A complete text reply ending for `reason`, in this protocol's words.
    fn text_reply(self, pieces: &[&str], reason: StopReason, usage: Usage) -> String {
        let Usage { input_tokens, output_tokens } = usage;
        match (self, reason) {
            (Wire::Anthropic, StopReason::EndTurn) => {
                messages_api::text_reply(pieces, "end_turn", input_tokens, output_tokens)
            }
            (Wire::Anthropic, StopReason::MaxTokens) => {
                messages_api::text_reply(pieces, "max_tokens", input_tokens, output_tokens)
            }
            (Wire::OpenAi, StopReason::EndTurn) => {
                chat_completions::text_reply(pieces, "stop", input_tokens, output_tokens)
            }
            (Wire::OpenAi, StopReason::MaxTokens) => {
                chat_completions::text_reply(pieces, "length", input_tokens, output_tokens)
            }
            (wire, other) => panic!("no fake {wire:?} reply ends with {other:?}"),
        }
    }

    fn cut_off_reply(self, pieces: &[&str]) -> String {
        match self {
            Wire::Anthropic => messages_api::cut_off_reply(pieces),
            Wire::OpenAi => chat_completions::cut_off_reply(pieces),
        }
    }

    /// A reply that sends `text` and then stays open for about ten seconds
    /// of pings or keep-alives (at the 25 ms pause the test uses).
    fn slow_reply(self, text: &str) -> Vec<String> {
        match self {
            Wire::Anthropic => messages_api::slow_text_reply(text, 400),
            Wire::OpenAi => chat_completions::slow_text_reply(text, 400),
        }
    }

    fn error_body(self, kind: &str, message: &str) -> Value {
        match self {
            Wire::Anthropic => messages_api::error_body(kind, message),
            Wire::OpenAi => chat_completions::error_body(kind, message),
        }
    }
}

fn request() -> CompletionRequest {
    CompletionRequest {
        system: SYSTEM_PROMPT.into(),
        messages: vec![Message::user(USER_TEXT)],
        tools: Vec::new(),
        max_tokens: MAX_TOKENS,
    }
}

fn run_tests_schema() -> Value {
    json!({
        "type": "object",
        "properties": { "command": { "type": "string" } },
        "required": ["command"],
    })
}

fn request_with_tools() -> CompletionRequest {
    let tool = ToolDefinition {
        name: "run_tests".into(),
        description: "Runs the project's test suite.".into(),
        input_schema: run_tests_schema(),
    };
    CompletionRequest { tools: vec![tool], ..request() }
}

fn run_tests_call(id: &str) -> ToolCall {
    ToolCall { id: id.into(), name: "run_tests".into(), input: json!({ "command": "cargo test" }) }
}

/// The conversation after the model called `run_tests` as `call_id` and
/// the tool answered.
fn request_after_tool_call(call_id: &str) -> CompletionRequest {
    let mut request = request_with_tools();
    request.messages.push(Message {
        role: Role::Assistant,
        content: vec![
            ContentBlock::Text("I'll run the tests.".into()),
            ContentBlock::ToolUse(run_tests_call(call_id)),
        ],
    });
    request.messages.push(Message {
        role: Role::User,
        content: vec![ContentBlock::ToolResult {
            tool_use_id: call_id.into(),
            content: TOOL_OUTPUT.into(),
            is_error: false,
        }],
    });
    request
}

/// An event stream cut everywhere [`split_awkwardly`] cuts.
fn streamed(body: String) -> ScriptedResponse {
    ScriptedResponse::event_stream(split_awkwardly(&body))
}

async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(TEST_LIMIT, future)
        .await
        .expect("the provider answered within the test's time limit")
}

/// Starts a reply and reads it whole.
async fn ask(
    provider: Arc<dyn LlmProvider>,
    request: CompletionRequest,
) -> Result<CollectedReply, ProviderError> {
    let events = within(provider.stream(request)).await?;
    within(collect_reply(events)).await
}

/// Starts a reply to [`request`]; panics if it fails before streaming.
async fn open(provider: Arc<dyn LlmProvider>) -> EventStream {
    within(provider.stream(request())).await.expect("the reply starts")
}

/// The error a reply fails with before it starts streaming.
async fn refusal(provider: Arc<dyn LlmProvider>) -> ProviderError {
    match within(provider.stream(request())).await {
        Ok(_) => panic!("the provider streamed a reply instead of failing"),
        Err(error) => error,
    }
}

/// Every item of a stream, errors included, to its end.
async fn drain(mut events: EventStream) -> Vec<Result<StreamEvent, ProviderError>> {
    let mut items = Vec::new();
    while let Some(item) = within(events.next()).await {
        items.push(item);
    }
    items
}

fn streamed_text(items: &[Result<StreamEvent, ProviderError>]) -> String {
    items
        .iter()
        .filter_map(|item| match item {
            Ok(StreamEvent::TextDelta(text)) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// A message content's text, sent either as a string or as text blocks
/// (both protocols accept both).
fn text_of(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter(|block| block["type"] == "text")
            .filter_map(|block| block["text"].as_str())
            .collect(),
        other => panic!("content is neither text nor blocks: {other}"),
    }
}

/// The first content block of `kind` in an Anthropic message.
fn block_of_type<'a>(message: &'a Value, kind: &str) -> &'a Value {
    message["content"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|block| block["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} block in {message}"))
}

#[test]
fn awkward_chunks_cut_inside_characters_lines_and_crlf() {
    // The streaming tests rely on these cuts; without them they would
    // pass against a client that only handles whole lines.
    let body = "event: x\r\ndata: {\"text\":\"é ✓ 🎉\"}\r\n\r\n";
    let chunks = split_awkwardly(body);
    assert_eq!(chunks.concat(), body.as_bytes());
    assert!(chunks.iter().any(|chunk| std::str::from_utf8(chunk).is_err()), "no cut inside a character");
    assert!(chunks.iter().any(|chunk| chunk.ends_with(b"\r")), "no cut between CR and LF");
    assert!(chunks.iter().any(|chunk| chunk.ends_with(b"da")), "no cut inside a data line");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_retried_after_the_wait_the_provider_asks_for() {
    for wire in Wire::ALL {
        let server = FakeProvider::start(vec![
            ScriptedResponse::json(429, wire.error_body("rate_limit_error", "Rate limit reached"))
                .with_header("retry-after", "1"),
            streamed(wire.text_reply(&["Hello after the wait."], StopReason::EndTurn, Usage::default())),
        ])
        .await;

        let started = Instant::now();
        let reply =
            ask(wire.provider(&server), request()).await.unwrap_or_else(|error| panic!("{wire:?}: {error}"));
        let elapsed = started.elapsed();

        assert_eq!(reply.text, "Hello after the wait.", "{wire:?}");
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{wire:?}");
        assert_eq!(requests[0].body, requests[1].body, "{wire:?}: the retry sends the same request");
        // A lower bound only: the client must not come back before the
        // second the provider asked for (backoff alone would be ~10 ms).
        assert!(elapsed >= Duration::from_millis(900), "{wire:?}: retried after only {elapsed:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_400_is_rejected_at_once_with_the_providers_message() {
    for wire in Wire::ALL {
        // A success is queued behind the refusal: a client that retried
        // would get it and fail the test.
        let server = FakeProvider::start(vec![
            ScriptedResponse::json(400, wire.error_body("invalid_request_error", "max_tokens: too large")),
            streamed(wire.text_reply(&["Should not be asked for."], StopReason::EndTurn, Usage::default())),
        ])
        .await;

        match refusal(wire.provider(&server)).await {
            ProviderError::Rejected { status: 400, message } => {
                assert!(message.contains("max_tokens: too large"), "{wire:?}: {message}");
            }
            other => panic!("{wire:?}: expected a rejection, got {other:?}"),
        }
        assert_eq!(server.requests().len(), 1, "{wire:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_longer_than_max_wait_fails_at_once_as_unavailable() {
    for wire in Wire::ALL {
        let server = FakeProvider::start(vec![
            ScriptedResponse::json(429, wire.error_body("rate_limit_error", "Come back in a minute"))
                .with_header("retry-after", "60"),
            streamed(wire.text_reply(&["Should not be asked for."], StopReason::EndTurn, Usage::default())),
        ])
        .await;

        let started = Instant::now();
        let error = refusal(wire.provider(&server)).await;

        match error {
            ProviderError::Unavailable { status: 429, attempts: 1, message, retry_after } => {
                assert!(message.contains("Come back in a minute"), "{wire:?}: {message}");
                assert_eq!(retry_after, Some(Duration::from_secs(60)), "{wire:?}");
            }
            other => panic!("{wire:?}: expected unavailable, got {other:?}"),
        }
        assert_eq!(server.requests().len(), 1, "{wire:?}");
        // Generous, yet far below the 60 s a client honouring the header
        // would sleep: a person is waiting.
        assert!(started.elapsed() < Duration::from_secs(5), "{wire:?}: took {:?}", started.elapsed());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_cut_at_max_tokens_is_continued_into_one_reply() {
    for wire in Wire::ALL {
        let server = FakeProvider::start(vec![
            streamed(wire.text_reply(
                &["The first ", "half, "],
                StopReason::MaxTokens,
                Usage { input_tokens: 25, output_tokens: 100 },
            )),
            streamed(wire.text_reply(
                &["and the second half."],
                StopReason::EndTurn,
                Usage { input_tokens: 140, output_tokens: 7 },
            )),
        ])
        .await;

        let events = stream_with_continuation(wire.provider(&server), request(), 4);
        let reply = within(collect_reply(events)).await.unwrap_or_else(|error| panic!("{wire:?}: {error}"));

        assert_eq!(reply.text, "The first half, and the second half.", "{wire:?}");
        assert_eq!(reply.stop_reason, Some(StopReason::EndTurn), "{wire:?}");
        assert_eq!(
            reply.usage,
            Usage { input_tokens: 165, output_tokens: 107 },
            "{wire:?}: summed over both parts"
        );

        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{wire:?}");
        let (first, second) = (requests[0].messages(), requests[1].messages());
        // The conversation is sent again unchanged, then the partial reply
        // and the request to go on.
        assert_eq!(second.len(), first.len() + 2, "{wire:?}: {second:#?}");
        assert_eq!(&second[..first.len()], first, "{wire:?}");
        let [.., partial, prompt] = second else { unreachable!("two messages were just counted") };
        assert_eq!(partial["role"], "assistant", "{wire:?}");
        assert_eq!(text_of(&partial["content"]), "The first half, ", "{wire:?}");
        assert_eq!(prompt["role"], "user", "{wire:?}");
        assert_eq!(text_of(&prompt["content"]), CONTINUE_PROMPT, "{wire:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stream_that_ends_before_the_reply_is_finished_is_a_protocol_error() {
    for wire in Wire::ALL {
        let server = FakeProvider::start(vec![streamed(wire.cut_off_reply(&["Half a sen", "tence"]))]).await;

        match ask(wire.provider(&server), request()).await {
            Err(ProviderError::Protocol(_)) => {}
            other => panic!("{wire:?}: a cut-off reply must not pass as complete: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_stream_mid_reply_closes_the_connection() {
    for wire in Wire::ALL {
        // One event per chunk, 25 ms apart: about ten seconds of body, far
        // longer than the wait below, so only a hang-up can end it early.
        let chunks = wire.slow_reply("Working on it").into_iter().map(String::into_bytes).collect();
        let server = FakeProvider::start(vec![
            ScriptedResponse::event_stream(chunks).with_pause(Duration::from_millis(25))
        ])
        .await;

        let mut events = open(wire.provider(&server)).await;
        loop {
            match within(events.next()).await {
                Some(Ok(StreamEvent::TextDelta(_))) => break,
                Some(Ok(_)) => continue,
                other => panic!("{wire:?}: the reply ended before its text: {other:?}"),
            }
        }
        drop(events);

        assert!(
            server.wait_for_abandoned_body(Duration::from_secs(3)).await,
            "{wire:?}: the server went on sending after the client stopped reading"
        );
        assert_eq!(server.finished_bodies(), 0, "{wire:?}");
    }
}

mod anthropic {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn streams_text_split_inside_characters_and_lines_exactly() {
        let body = messages_api::text_reply(&UNICODE_PIECES, "end_turn", 25, 12);
        let server = FakeProvider::start(vec![streamed(body)]).await;

        let reply = ask(Wire::Anthropic.provider(&server), request()).await.expect("the reply completes");

        assert_eq!(reply.text, UNICODE_PIECES.concat());
        assert_eq!(reply.model, messages_api::SERVED_MODEL);
        assert_eq!(reply.usage, Usage { input_tokens: 25, output_tokens: 12 });
        assert_eq!(reply.stop_reason, Some(StopReason::EndTurn));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn sends_the_key_version_and_prompt_as_a_streaming_messages_request() {
        let body = messages_api::text_reply(&["Fine."], "end_turn", 25, 2);
        let server = FakeProvider::start(vec![streamed(body)]).await;

        ask(Wire::Anthropic.provider(&server), request()).await.expect("the reply completes");

        let sent = server.only_request();
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.path, "/v1/messages");
        assert_eq!(sent.header("x-api-key"), Some(API_KEY));
        assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
        assert_eq!(sent.body["model"], "claude-test");
        assert_eq!(sent.body["stream"], true);
        assert_eq!(sent.body["max_tokens"], MAX_TOKENS);
        // The Messages API takes the system prompt beside the messages,
        // not as one of them.
        assert_eq!(text_of(&sent.body["system"]), SYSTEM_PROMPT);
        let messages = sent.messages();
        assert_eq!(messages.len(), 1, "{messages:#?}");
        assert_eq!(messages[0]["role"], "user");
        assert_eq!(text_of(&messages[0]["content"]), USER_TEXT);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn pings_and_keep_alive_comments_are_ignored() {
        let body = [
            messages_api::message_start(25),
            messages_api::ping(),
            messages_api::text_block_start(0),
            KEEP_ALIVE.to_owned(),
            messages_api::text_delta(0, "Hello"),
            messages_api::ping(),
            KEEP_ALIVE.to_owned(),
            messages_api::text_delta(0, ", world"),
            messages_api::block_stop(0),
            messages_api::ping(),
            messages_api::message_delta("end_turn", 4),
            messages_api::message_stop(),
        ]
        .concat();
        let server = FakeProvider::start(vec![streamed(body)]).await;

        let events = open(Wire::Anthropic.provider(&server)).await;
        let items = drain(events).await;

        assert!(items.iter().all(Result::is_ok), "{items:#?}");
        assert_eq!(streamed_text(&items), "Hello, world");
        assert!(
            !items.iter().any(|item| matches!(item, Ok(StreamEvent::TextDelta(text)) if text.is_empty())),
            "a ping became an empty text delta: {items:#?}"
        );
        assert_eq!(items.last(), Some(&Ok(StreamEvent::Finished(StopReason::EndTurn))));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_error_event_mid_stream_follows_the_text_before_it() {
        let body = [
            messages_api::message_start(25),
            messages_api::text_block_start(0),
            messages_api::text_delta(0, "Partial "),
            messages_api::text_delta(0, "answer"),
            messages_api::error("overloaded_error", "Overloaded"),
        ]
        .concat();
        let server = FakeProvider::start(vec![streamed(body)]).await;

        let events = open(Wire::Anthropic.provider(&server)).await;
        let items = drain(events).await;

        let (last, before) = items.split_last().expect("the stream has items");
        assert!(before.iter().all(Result::is_ok), "{items:#?}");
        assert_eq!(streamed_text(before), "Partial answer");
        assert_eq!(
            last,
            &Err(ProviderError::Stream { kind: "overloaded_error".into(), message: "Overloaded".into() })
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_529_overloaded_is_retried() {
        let server = FakeProvider::start(vec![
            ScriptedResponse::json(529, messages_api::error_body("overloaded_error", "Overloaded")),
            streamed(messages_api::text_reply(&["Back again."], "end_turn", 10, 3)),
        ])
        .await;

        let reply = ask(Wire::Anthropic.provider(&server), request()).await.expect("the retry succeeds");

        assert_eq!(reply.text, "Back again.");
        assert_eq!(server.requests().len(), 2);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn tools_are_offered_and_a_tool_call_is_assembled_from_json_fragments() {
        let body = [
            messages_api::message_start(40),
            messages_api::text_block_start(0),
            messages_api::text_delta(0, "I'll run the tests."),
            messages_api::block_stop(0),
            messages_api::tool_use_block_start(1, "toolu_1", "run_tests"),
            messages_api::input_json_delta(1, ""),
            messages_api::input_json_delta(1, r#"{"comm"#),
            messages_api::input_json_delta(1, r#"and": "cargo"#),
            messages_api::input_json_delta(1, r#" test"}"#),
            messages_api::block_stop(1),
            messages_api::message_delta("tool_use", 30),
            messages_api::message_stop(),
        ]
        .concat();
        let server = FakeProvider::start(vec![streamed(body)]).await;

        let reply =
            ask(Wire::Anthropic.provider(&server), request_with_tools()).await.expect("the reply completes");

        assert_eq!(reply.text, "I'll run the tests.");
        assert_eq!(reply.tool_calls, vec![run_tests_call("toolu_1")]);
        assert_eq!(reply.stop_reason, Some(StopReason::ToolUse));

        let sent = server.only_request();
        let tools = sent.body["tools"].as_array().expect("the request offers tools");
        assert_eq!(tools.len(), 1, "{tools:#?}");
        assert_eq!(tools[0]["name"], "run_tests");
        assert_eq!(tools[0]["description"], "Runs the project's test suite.");
        assert_eq!(tools[0]["input_schema"], run_tests_schema());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn tool_use_and_results_are_sent_as_content_blocks() {
        let server = FakeProvider::start(vec![streamed(messages_api::text_reply(
            &["All 3 pass."],
            "end_turn",
            60,
            4,
        ))])
        .await;

        let reply = ask(Wire::Anthropic.provider(&server), request_after_tool_call("toolu_1"))
            .await
            .expect("the reply completes");
        assert_eq!(reply.text, "All 3 pass.");

        let sent = server.only_request();
        let messages = sent.messages();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert_eq!(messages[1]["role"], "assistant");
        assert_eq!(text_of(&messages[1]["content"]), "I'll run the tests.");
        assert_eq!(
            block_of_type(&messages[1], "tool_use"),
            &json!({ "type": "tool_use", "id": "toolu_1", "name": "run_tests", "input": { "command": "cargo test" } })
        );
        // The result goes back in a user message, tied to the call by id.
        assert_eq!(messages[2]["role"], "user");
        let result = block_of_type(&messages[2], "tool_result");
        assert_eq!(result["tool_use_id"], "toolu_1");
        assert_eq!(text_of(&result["content"]), TOOL_OUTPUT);
    }
}

mod openai {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn streams_text_split_inside_characters_and_lines_exactly() {
        let body = chat_completions::text_reply(&UNICODE_PIECES, "stop", 9, 12);
        let server = FakeProvider::start(vec![streamed(body)]).await;

        let reply = ask(Wire::OpenAi.provider(&server), request()).await.expect("the reply completes");

        assert_eq!(reply.text, UNICODE_PIECES.concat());
        assert_eq!(reply.model, chat_completions::SERVED_MODEL);
        assert_eq!(reply.usage, Usage { input_tokens: 9, output_tokens: 12 });
        assert_eq!(reply.stop_reason, Some(StopReason::EndTurn));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn sends_the_bearer_key_and_prompt_as_a_streaming_chat_request() {
        let body = chat_completions::text_reply(&["Fine."], "stop", 9, 2);
        let server = FakeProvider::start(vec![streamed(body)]).await;

        ask(Wire::OpenAi.provider(&server), request()).await.expect("the reply completes");

        let sent = server.only_request();
        assert_eq!(sent.method, "POST");
        assert_eq!(sent.path, "/v1/chat/completions");
        assert_eq!(sent.header("authorization"), Some("Bearer test-key"));
        assert_eq!(sent.body["model"], "gpt-test");
        assert_eq!(sent.body["stream"], true);
        // Without it the API sends no usage chunk at all.
        assert_eq!(sent.body["stream_options"]["include_usage"], true);
        assert_eq!(sent.body["max_tokens"], MAX_TOKENS);
        // Chat completions carry the system prompt as the first message.
        let messages = sent.messages();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert_eq!(messages[0]["role"], "system");
        assert_eq!(text_of(&messages[0]["content"]), SYSTEM_PROMPT);
        assert_eq!(messages[1]["role"], "user");
        assert_eq!(text_of(&messages[1]["content"]), USER_TEXT);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn keep_alive_comments_and_crlf_line_ends_are_ignored() {
        // Some gateways re-frame streams with CRLF line ends; the awkward
        // split then also cuts between each CR and its LF.
        let body = [
            chat_completions::role_chunk("Hello"),
            KEEP_ALIVE.to_owned(),
            KEEP_ALIVE.to_owned(),
            chat_completions::text_chunk(", world"),
            KEEP_ALIVE.to_owned(),
            chat_completions::finish_chunk("stop"),
            chat_completions::usage_chunk(9, 4),
            KEEP_ALIVE.to_owned(),
            chat_completions::done(),
        ]
        .concat()
        .replace('\n', "\r\n");
        let server = FakeProvider::start(vec![streamed(body)]).await;

        let events = open(Wire::OpenAi.provider(&server)).await;
        let items = drain(events).await;

        assert!(items.iter().all(Result::is_ok), "{items:#?}");
        assert_eq!(streamed_text(&items), "Hello, world");
        assert!(
            !items.iter().any(|item| matches!(item, Ok(StreamEvent::TextDelta(text)) if text.is_empty())),
            "a keep-alive became an empty text delta: {items:#?}"
        );
        assert_eq!(items.last(), Some(&Ok(StreamEvent::Finished(StopReason::EndTurn))));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_error_chunk_mid_stream_follows_the_text_before_it() {
        let body = [
            chat_completions::role_chunk("Partial "),
            chat_completions::text_chunk("answer"),
            chat_completions::error("server_error", "boom"),
        ]
        .concat();
        let server = FakeProvider::start(vec![streamed(body)]).await;

        let events = open(Wire::OpenAi.provider(&server)).await;
        let items = drain(events).await;

        let (last, before) = items.split_last().expect("the stream has items");
        assert!(before.iter().all(Result::is_ok), "{items:#?}");
        assert_eq!(streamed_text(before), "Partial answer");
        assert_eq!(last, &Err(ProviderError::Stream { kind: "server_error".into(), message: "boom".into() }));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn tools_are_offered_and_a_tool_call_is_assembled_from_argument_fragments() {
        let body = [
            chat_completions::role_chunk("I'll run the tests."),
            chat_completions::tool_call_start(0, "call_1", "run_tests"),
            chat_completions::tool_call_arguments(0, r#"{"comm"#),
            chat_completions::tool_call_arguments(0, r#"and": "cargo"#),
            chat_completions::tool_call_arguments(0, r#" test"}"#),
            chat_completions::finish_chunk("tool_calls"),
            chat_completions::usage_chunk(40, 30),
            chat_completions::done(),
        ]
        .concat();
        let server = FakeProvider::start(vec![streamed(body)]).await;

        let reply =
            ask(Wire::OpenAi.provider(&server), request_with_tools()).await.expect("the reply completes");

        assert_eq!(reply.text, "I'll run the tests.");
        assert_eq!(reply.tool_calls, vec![run_tests_call("call_1")]);
        assert_eq!(reply.stop_reason, Some(StopReason::ToolUse));

        let sent = server.only_request();
        let tools = sent.body["tools"].as_array().expect("the request offers tools");
        assert_eq!(tools.len(), 1, "{tools:#?}");
        assert_eq!(tools[0]["type"], "function");
        assert_eq!(tools[0]["function"]["name"], "run_tests");
        assert_eq!(tools[0]["function"]["description"], "Runs the project's test suite.");
        assert_eq!(tools[0]["function"]["parameters"], run_tests_schema());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn tool_calls_and_results_are_sent_as_tool_calls_and_tool_messages() {
        let server = FakeProvider::start(vec![streamed(chat_completions::text_reply(
            &["All 3 pass."],
            "stop",
            60,
            4,
        ))])
        .await;

        let reply = ask(Wire::OpenAi.provider(&server), request_after_tool_call("call_1"))
            .await
            .expect("the reply completes");
        assert_eq!(reply.text, "All 3 pass.");

        let sent = server.only_request();
        let messages = sent.messages();
        // System, user, the assistant's call, the tool's answer.
        assert_eq!(messages.len(), 4, "{messages:#?}");
        let assistant = &messages[2];
        assert_eq!(assistant["role"], "assistant");
        assert_eq!(text_of(&assistant["content"]), "I'll run the tests.");
        let calls = assistant["tool_calls"].as_array().expect("the assistant message carries its tool calls");
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert_eq!(calls[0]["id"], "call_1");
        assert_eq!(calls[0]["type"], "function");
        assert_eq!(calls[0]["function"]["name"], "run_tests");
        // The protocol carries the arguments as JSON text inside a string.
        let arguments = calls[0]["function"]["arguments"].as_str().expect("arguments are a string");
        assert_eq!(
            serde_json::from_str::<Value>(arguments).expect("arguments are JSON"),
            json!({ "command": "cargo test" })
        );
        let result = &messages[3];
        assert_eq!(result["role"], "tool");
        assert_eq!(result["tool_call_id"], "call_1");
        assert_eq!(text_of(&result["content"]), TOOL_OUTPUT);
    }
}
