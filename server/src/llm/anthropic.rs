//! Anthropic's Messages API with streaming (`POST {base}/v1/messages`,
//! `stream: true`), as documented at docs.anthropic.com: the events
//! `message_start`, `content_block_start|delta|stop`, `message_delta`,
//! `message_stop`, `ping` and `error`.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::retry::{send_with_retries, RetryPolicy};
use super::sse::SseFrame;
use super::stream::{events_from_response, FrameParser, ReplyTimeouts};
use super::{
    CompletionRequest, ContentBlock, EventStream, LlmConfig, LlmProvider, ProviderError, ProviderInfo,
    ProviderKind, Role, StopReason, StreamEvent, ToolCall, Usage,
};

const API_VERSION: &str = "2023-06-01";

pub struct AnthropicProvider {
    client: reqwest::Client,
    endpoint: String,
    api_key: String,
    model: String,
    retry: RetryPolicy,
    timeouts: ReplyTimeouts,
}

impl AnthropicProvider {
    pub fn new(config: &LlmConfig) -> Result<Self, ProviderError> {
        let api_key = config.api_key.clone().ok_or_else(|| ProviderError::Rejected {
            status: 401,
            message: "ANTHROPIC_API_KEY is not set".into(),
        })?;
        Ok(Self {
            client: http_client(config)?,
            endpoint: format!("{}/v1/messages", config.base_url.trim_end_matches('/')),
            api_key,
            model: config.model.clone(),
            retry: config.retry,
            timeouts: config.reply_timeouts(),
        })
    }
}

/// One client per provider: connections are reused between replies.
pub(super) fn http_client(config: &LlmConfig) -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .read_timeout(config.idle_timeout)
        .user_agent(concat!("agents-platform/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| ProviderError::Connection(super::retry::describe(&error)))
}

#[async_trait::async_trait]
impl LlmProvider for AnthropicProvider {
    fn describe(&self) -> ProviderInfo {
        ProviderInfo { kind: ProviderKind::Anthropic, model: self.model.clone() }
    }

    async fn stream(&self, request: CompletionRequest) -> Result<EventStream, ProviderError> {
        let body = request_body(&self.model, &request);
        let response = send_with_retries(self.retry, || {
            self.client
                .post(&self.endpoint)
                .header("x-api-key", &self.api_key)
                .header("anthropic-version", API_VERSION)
                .header("accept", "text/event-stream")
                .json(&body)
        })
        .await?;
        Ok(events_from_response(response, MessageStreamParser::default(), self.timeouts))
    }
}

pub fn request_body(model: &str, request: &CompletionRequest) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|message| {
            let role = match message.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            let content: Vec<Value> = message.content.iter().map(content_block).collect();
            json!({ "role": role, "content": content })
        })
        .collect();
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": messages,
        "stream": true,
    });
    if !request.system.is_empty() {
        body["system"] = json!(request.system);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| {
                json!({ "name": tool.name, "description": tool.description, "input_schema": tool.input_schema })
            })
            .collect();
    }
    body
}

fn content_block(block: &ContentBlock) -> Value {
    match block {
        ContentBlock::Text(text) => json!({ "type": "text", "text": text }),
        ContentBlock::ToolUse(call) => {
            json!({ "type": "tool_use", "id": call.id, "name": call.name, "input": call.input })
        }
        ContentBlock::ToolResult { tool_use_id, content, is_error } => json!({
            "type": "tool_result", "tool_use_id": tool_use_id, "content": content, "is_error": is_error,
        }),
    }
}

/// A tool call whose input is still arriving as JSON fragments.
struct PendingToolCall {
    id: String,
    name: String,
    input_json: String,
}

#[derive(Default)]
pub struct MessageStreamParser {
    usage: Usage,
    stop_reason: Option<StopReason>,
    tool_calls: HashMap<u64, PendingToolCall>,
    is_finished: bool,
}

impl FrameParser for MessageStreamParser {
    fn parse(&mut self, frame: SseFrame) -> Result<Vec<StreamEvent>, ProviderError> {
        let data: Value = serde_json::from_str(&frame.data).map_err(|error| {
            ProviderError::Protocol(format!("{} event is not JSON: {error}", frame.event))
        })?;
        // The `type` inside the data names the event too; it is the one to trust.
        let kind = data["type"].as_str().unwrap_or(&frame.event).to_owned();
        let mut events = Vec::new();
        match kind.as_str() {
            "message_start" => {
                let message = &data["message"];
                self.usage.input_tokens = message["usage"]["input_tokens"].as_u64().unwrap_or(0);
                self.usage.output_tokens = message["usage"]["output_tokens"].as_u64().unwrap_or(0);
                let model = message["model"].as_str().unwrap_or_default().to_owned();
                events.push(StreamEvent::Started { model });
                // The input is billed from here on, even if the reply is cut
                // off before its `message_delta`.
                events.push(StreamEvent::Usage(self.usage));
            }
            "content_block_start" => {
                let block = &data["content_block"];
                if block["type"] == "tool_use" {
                    let index = data["index"].as_u64().unwrap_or(0);
                    self.tool_calls.insert(
                        index,
                        PendingToolCall {
                            id: block["id"].as_str().unwrap_or_default().to_owned(),
                            name: block["name"].as_str().unwrap_or_default().to_owned(),
                            input_json: String::new(),
                        },
                    );
                } else if let Some(text) = block["text"].as_str().filter(|text| !text.is_empty()) {
                    events.push(StreamEvent::TextDelta(text.to_owned()));
                }
            }
            "content_block_delta" => {
                let delta = &data["delta"];
                match delta["type"].as_str() {
                    Some("text_delta") => {
                        let text = delta["text"].as_str().unwrap_or_default();
                        if !text.is_empty() {
                            events.push(StreamEvent::TextDelta(text.to_owned()));
                        }
                    }
                    Some("input_json_delta") => {
                        let index = data["index"].as_u64().unwrap_or(0);
                        if let Some(call) = self.tool_calls.get_mut(&index) {
                            call.input_json.push_str(delta["partial_json"].as_str().unwrap_or_default());
                        }
                    }
                    _ => {} // thinking and signature deltas are not shown
                }
            }
            "content_block_stop" => {
                let index = data["index"].as_u64().unwrap_or(0);
                if let Some(call) = self.tool_calls.remove(&index) {
                    events.push(StreamEvent::ToolCall(finish_tool_call(call)?));
                }
            }
            "message_delta" => {
                if let Some(reason) = data["delta"]["stop_reason"].as_str() {
                    self.stop_reason = Some(stop_reason(reason));
                }
                if let Some(output) = data["usage"]["output_tokens"].as_u64() {
                    self.usage.output_tokens = output;
                }
                if let Some(input) = data["usage"]["input_tokens"].as_u64() {
                    self.usage.input_tokens = input;
                }
                events.push(StreamEvent::Usage(self.usage));
            }
            "message_stop" => {
                self.is_finished = true;
                events.push(StreamEvent::Finished(self.stop_reason.clone().unwrap_or(StopReason::EndTurn)));
            }
            "error" => {
                return Err(ProviderError::Stream {
                    kind: data["error"]["type"].as_str().unwrap_or("error").to_owned(),
                    message: data["error"]["message"].as_str().unwrap_or("no message").to_owned(),
                });
            }
            _ => {} // `ping`, and event types added after this was written
        }
        Ok(events)
    }

    fn finish(&mut self) -> Result<Vec<StreamEvent>, ProviderError> {
        if self.is_finished {
            Ok(Vec::new())
        } else {
            Err(ProviderError::Protocol("the stream ended before message_stop".into()))
        }
    }
}

fn finish_tool_call(call: PendingToolCall) -> Result<ToolCall, ProviderError> {
    let input = if call.input_json.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(&call.input_json).map_err(|error| {
            ProviderError::Protocol(format!("the input of tool call {} is not JSON: {error}", call.name))
        })?
    };
    Ok(ToolCall { id: call.id, name: call.name, input })
}

fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "end_turn" => StopReason::EndTurn,
        "max_tokens" => StopReason::MaxTokens,
        "tool_use" => StopReason::ToolUse,
        "stop_sequence" => StopReason::StopSequence,
        other => StopReason::Other(other.to_owned()),
    }
}
