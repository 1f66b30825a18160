//! OpenAI-compatible chat completions with streaming
//! (`POST {base}/chat/completions`, `stream: true`): `data:` chunks of
//! `choices[].delta`, tool calls assembled from `delta.tool_calls`
//! fragments, a final usage chunk, and `data: [DONE]`. Ollama, vLLM,
//! llama.cpp's server and most gateways speak it.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::anthropic::http_client;
use super::retry::{send_with_retries, RetryPolicy};
use super::sse::SseFrame;
use super::stream::{events_from_response, FrameParser, ReplyTimeouts};
use super::{
    CompletionRequest, ContentBlock, EventStream, LlmConfig, LlmProvider, ProviderError, ProviderInfo,
    ProviderKind, Role, StopReason, StreamEvent, ToolCall, Usage,
};

pub struct OpenAiProvider {
    client: reqwest::Client,
    endpoint: String,
    /// Local servers usually need none.
    api_key: Option<String>,
    model: String,
    retry: RetryPolicy,
    timeouts: ReplyTimeouts,
}

impl OpenAiProvider {
    pub fn new(config: &LlmConfig) -> Result<Self, ProviderError> {
        Ok(Self {
            client: http_client(config)?,
            endpoint: format!("{}/chat/completions", config.base_url.trim_end_matches('/')),
            api_key: config.api_key.clone(),
            model: config.model.clone(),
            retry: config.retry,
            timeouts: config.reply_timeouts(),
        })
    }
}

#[async_trait::async_trait]
impl LlmProvider for OpenAiProvider {
    fn describe(&self) -> ProviderInfo {
        ProviderInfo { kind: ProviderKind::OpenAi, model: self.model.clone() }
    }

    async fn stream(&self, request: CompletionRequest) -> Result<EventStream, ProviderError> {
        let body = request_body(&self.model, &request);
        let response = send_with_retries(self.retry, || {
            let builder = self.client.post(&self.endpoint).header("accept", "text/event-stream").json(&body);
            match &self.api_key {
                Some(key) => builder.bearer_auth(key),
                None => builder,
            }
        })
        .await?;
        Ok(events_from_response(response, ChunkParser::default(), self.timeouts))
    }
}

pub fn request_body(model: &str, request: &CompletionRequest) -> Value {
    let mut messages = Vec::new();
    if !request.system.is_empty() {
        messages.push(json!({ "role": "system", "content": request.system }));
    }
    for message in &request.messages {
        let mut text = String::new();
        let mut tool_calls = Vec::new();
        for block in &message.content {
            match block {
                ContentBlock::Text(part) => text.push_str(part),
                ContentBlock::ToolUse(call) => tool_calls.push(json!({
                    "id": call.id,
                    "type": "function",
                    "function": { "name": call.name, "arguments": call.input.to_string() },
                })),
                // Each result is a message of its own in this protocol.
                ContentBlock::ToolResult { tool_use_id, content, .. } => messages.push(json!({
                    "role": "tool", "tool_call_id": tool_use_id, "content": content,
                })),
            }
        }
        let role = match message.role {
            Role::User => "user",
            Role::Assistant => "assistant",
        };
        if !text.is_empty() || !tool_calls.is_empty() {
            let mut entry = json!({ "role": role, "content": text });
            if !tool_calls.is_empty() {
                entry["tool_calls"] = Value::Array(tool_calls);
            }
            messages.push(entry);
        }
    }
    let mut body = json!({
        "model": model,
        "messages": messages,
        "max_tokens": request.max_tokens,
        "stream": true,
        "stream_options": { "include_usage": true },
    });
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| {
                json!({ "type": "function", "function": {
                    "name": tool.name, "description": tool.description, "parameters": tool.input_schema,
                }})
            })
            .collect();
    }
    body
}

#[derive(Default)]
struct PendingToolCall {
    id: String,
    name: String,
    arguments: String,
}

#[derive(Default)]
pub struct ChunkParser {
    has_started: bool,
    usage: Option<Usage>,
    stop_reason: Option<StopReason>,
    /// By the `index` the fragments carry.
    tool_calls: BTreeMap<u64, PendingToolCall>,
    is_done: bool,
}

impl ChunkParser {
    fn conclude(&mut self) -> Result<Vec<StreamEvent>, ProviderError> {
        let mut events = Vec::new();
        for call in std::mem::take(&mut self.tool_calls).into_values() {
            let input = if call.arguments.trim().is_empty() {
                json!({})
            } else {
                serde_json::from_str(&call.arguments).map_err(|error| {
                    ProviderError::Protocol(format!(
                        "the arguments of tool call {} are not JSON: {error}",
                        call.name
                    ))
                })?
            };
            events.push(StreamEvent::ToolCall(ToolCall { id: call.id, name: call.name, input }));
        }
        if let Some(usage) = self.usage {
            events.push(StreamEvent::Usage(usage));
        }
        events.push(StreamEvent::Finished(self.stop_reason.clone().unwrap_or(StopReason::EndTurn)));
        self.is_done = true;
        Ok(events)
    }
}

impl FrameParser for ChunkParser {
    fn parse(&mut self, frame: SseFrame) -> Result<Vec<StreamEvent>, ProviderError> {
        if self.is_done {
            return Ok(Vec::new());
        }
        if frame.data.trim() == "[DONE]" {
            return self.conclude();
        }
        let chunk: Value = serde_json::from_str(&frame.data)
            .map_err(|error| ProviderError::Protocol(format!("a chunk is not JSON: {error}")))?;
        if let Some(error) = chunk.get("error") {
            return Err(ProviderError::Stream {
                kind: error["type"].as_str().or(error["code"].as_str()).unwrap_or("error").to_owned(),
                message: error["message"].as_str().unwrap_or("no message").to_owned(),
            });
        }
        let mut events = Vec::new();
        if !self.has_started {
            self.has_started = true;
            events
                .push(StreamEvent::Started { model: chunk["model"].as_str().unwrap_or_default().to_owned() });
        }
        if let Some(usage) = chunk.get("usage").filter(|usage| usage.is_object()) {
            self.usage = Some(Usage {
                input_tokens: usage["prompt_tokens"].as_u64().unwrap_or(0),
                output_tokens: usage["completion_tokens"].as_u64().unwrap_or(0),
            });
        }
        for choice in chunk["choices"].as_array().into_iter().flatten() {
            let delta = &choice["delta"];
            if let Some(text) = delta["content"].as_str().filter(|text| !text.is_empty()) {
                events.push(StreamEvent::TextDelta(text.to_owned()));
            }
            for fragment in delta["tool_calls"].as_array().into_iter().flatten() {
                let index = fragment["index"].as_u64().unwrap_or(0);
                let call = self.tool_calls.entry(index).or_default();
                if let Some(id) = fragment["id"].as_str() {
                    call.id = id.to_owned();
                }
                if let Some(name) = fragment["function"]["name"].as_str() {
                    call.name.push_str(name);
                }
                if let Some(arguments) = fragment["function"]["arguments"].as_str() {
                    call.arguments.push_str(arguments);
                }
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                self.stop_reason = Some(match reason {
                    "stop" => StopReason::EndTurn,
                    "length" => StopReason::MaxTokens,
                    "tool_calls" | "function_call" => StopReason::ToolUse,
                    other => StopReason::Other(other.to_owned()),
                });
            }
        }
        Ok(events)
    }

    fn finish(&mut self) -> Result<Vec<StreamEvent>, ProviderError> {
        match (self.is_done, &self.stop_reason) {
            (true, _) => Ok(Vec::new()),
            // Some servers close the stream after the finishing chunk
            // without `[DONE]`; the reply is complete all the same.
            (false, Some(_)) => self.conclude(),
            (false, None) => {
                Err(ProviderError::Protocol("the stream ended before the reply was finished".into()))
            }
        }
    }
}
