//! Long replies: when a reply stops at `max_tokens`, ask the model to go on
//! from where it stopped, and present the parts as one reply. A long spec is
//! never cut off.

use std::sync::Arc;

use futures_util::StreamExt;

use super::{
    CompletionRequest, EventStream, LlmProvider, Message, ProviderError, StopReason, StreamEvent, Usage,
};

/// Sent after the partial reply to ask for the rest.
pub const CONTINUE_PROMPT: &str = "Your previous reply was cut off by the output limit. Continue exactly \
where it stopped, mid-sentence if need be, without repeating anything and without any preamble.";

struct Continuing {
    provider: Arc<dyn LlmProvider>,
    request: CompletionRequest,
    current: Option<EventStream>,
    /// Everything written so far, across parts.
    text: String,
    /// Usage of the parts already finished.
    finished_usage: Usage,
    part_usage: Usage,
    continuations_left: u32,
    has_started: bool,
    has_tool_calls: bool,
    is_over: bool,
}

/// Streams `request`'s reply, continuing it up to `max_continuations` times.
/// `Usage` events carry the totals over every part.
pub fn stream_with_continuation(
    provider: Arc<dyn LlmProvider>,
    request: CompletionRequest,
    max_continuations: u32,
) -> EventStream {
    let state = Continuing {
        provider,
        request,
        current: None,
        text: String::new(),
        finished_usage: Usage::default(),
        part_usage: Usage::default(),
        continuations_left: max_continuations,
        has_started: false,
        has_tool_calls: false,
        is_over: false,
    };
    Box::pin(futures_util::stream::unfold(state, |mut state| async move {
        let item = state.next_event().await?;
        Some((item, state))
    }))
}

impl Continuing {
    async fn next_event(&mut self) -> Option<Result<StreamEvent, ProviderError>> {
        loop {
            if self.is_over {
                return None;
            }
            if self.current.is_none() {
                match self.provider.stream(self.next_request()).await {
                    Ok(stream) => self.current = Some(stream),
                    Err(error) => {
                        self.is_over = true;
                        return Some(Err(error));
                    }
                }
            }
            let current = self.current.as_mut().expect("a part's stream was opened just above");
            let event = match current.next().await {
                Some(Ok(event)) => event,
                Some(Err(error)) => {
                    self.is_over = true;
                    return Some(Err(error));
                }
                None => {
                    self.is_over = true;
                    return None;
                }
            };
            match event {
                StreamEvent::Started { .. } if self.has_started => continue,
                StreamEvent::Started { .. } => self.has_started = true,
                StreamEvent::TextDelta(ref text) => self.text.push_str(text),
                StreamEvent::ToolCall(_) => self.has_tool_calls = true,
                StreamEvent::Usage(usage) => {
                    self.part_usage = usage;
                    return Some(Ok(StreamEvent::Usage(self.finished_usage + usage)));
                }
                StreamEvent::Finished(StopReason::MaxTokens)
                    if self.continuations_left > 0 && !self.has_tool_calls =>
                {
                    self.continuations_left -= 1;
                    self.finished_usage = self.finished_usage + std::mem::take(&mut self.part_usage);
                    self.current = None;
                    tracing::info!(chars = self.text.len(), "continuing a reply that reached max_tokens");
                    continue;
                }
                StreamEvent::Finished(_) => self.is_over = true,
            }
            return Some(Ok(event));
        }
    }

    fn next_request(&self) -> CompletionRequest {
        let mut request = self.request.clone();
        if !self.text.is_empty() {
            request.messages.push(Message::assistant(self.text.clone()));
            request.messages.push(Message::user(CONTINUE_PROMPT));
        }
        request
    }
}
