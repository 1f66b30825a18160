//! The built-in build agent: a deterministic, network-free model that drives
//! the build harness with tool calls, so a build without an API key still
//! turns a spec into a small, working, tested app in the sandbox. It keeps
//! no state: every reply is worked out from the conversation so far.

mod app_stack;
mod behaviour;
mod coding;
mod conversation;
mod design;
mod feature_list;
mod initializer;
mod node_app;
mod python_app;
mod spec;
mod stack;
mod template;
mod turn;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::time::Duration;

use agent_protocol::harness::AGENT_SYSTEM_HEADING;
use agent_protocol::llm::{
    CompletionRequest, ContentBlock, EventStream, LlmProvider, ProviderError, ProviderInfo, ProviderKind,
    StopReason, StreamEvent, ToolCall, Usage,
};

use conversation::{Conversation, Session};
use turn::AgentTurn;

pub const OFFLINE_AGENT_MODEL: &str = "offline-build-agent";

const NOT_A_BUILD_REPLY: &str =
    "I am the built-in offline build agent. I only take part in builds, where the \
    harness gives me a spec and tools; for anything else, configure a real model provider.";

pub struct OfflineAgent {
    step_delay: Duration,
}

impl OfflineAgent {
    /// `step_delay` is waited once before each reply, so that a build is slow
    /// enough to watch (zero in tests).
    pub fn new(step_delay: Duration) -> Self {
        Self { step_delay }
    }
}

#[async_trait::async_trait]
impl LlmProvider for OfflineAgent {
    fn describe(&self) -> ProviderInfo {
        ProviderInfo { kind: ProviderKind::Offline, model: OFFLINE_AGENT_MODEL.into() }
    }

    async fn stream(&self, request: CompletionRequest) -> Result<EventStream, ProviderError> {
        let events = reply_events(&request);
        let pause = Some(self.step_delay).filter(|delay| !delay.is_zero());
        Ok(Box::pin(futures_util::stream::unfold(
            (events.into_iter(), pause),
            |(mut events, pause)| async move {
                if let Some(delay) = pause {
                    tokio::time::sleep(delay).await;
                }
                let event = events.next()?;
                Some((Ok(event), (events, None)))
            },
        )))
    }
}

/// The events of the reply to `request`, in the order a real model sends them.
fn reply_events(request: &CompletionRequest) -> Vec<StreamEvent> {
    let conversation = Conversation::new(&request.messages);
    let turn = next_turn(request, &conversation);
    let turn_number = conversation.turns_taken();
    let calls: Vec<ToolCall> = turn
        .calls
        .into_iter()
        .enumerate()
        .map(|(n, call)| ToolCall {
            id: format!("toolu_offline_{turn_number}_{n}"),
            name: call.name.into(),
            input: call.input,
        })
        .collect();
    let output_chars = turn.text.len() + calls.iter().map(|call| call.input.to_string().len()).sum::<usize>();
    let usage =
        Usage { input_tokens: estimate_input_tokens(request), output_tokens: (output_chars / 4) as u64 };
    let stop_reason = if calls.is_empty() { StopReason::EndTurn } else { StopReason::ToolUse };

    let mut events = vec![StreamEvent::Started { model: OFFLINE_AGENT_MODEL.into() }];
    events.extend(turn.text.split_inclusive(' ').map(|word| StreamEvent::TextDelta(word.to_owned())));
    events.extend(calls.into_iter().map(StreamEvent::ToolCall));
    events.push(StreamEvent::Usage(usage));
    events.push(StreamEvent::Finished(stop_reason));
    events
}

fn next_turn(request: &CompletionRequest, conversation: &Conversation) -> AgentTurn {
    if !request.system.starts_with(AGENT_SYSTEM_HEADING) {
        return AgentTurn::finish(NOT_A_BUILD_REPLY);
    }
    match conversation.session() {
        Ok(Session::Initializer) => initializer::next_turn(conversation),
        Ok(Session::Coding { feature_index }) => coding::next_turn(conversation, feature_index),
        Err(problem) => AgentTurn::finish(problem),
    }
}

/// Roughly four characters a token, like the offline chat model.
fn estimate_input_tokens(request: &CompletionRequest) -> u64 {
    let message_chars: usize = request
        .messages
        .iter()
        .flat_map(|message| &message.content)
        .map(|block| match block {
            ContentBlock::Text(text) => text.len(),
            ContentBlock::ToolUse(call) => call.name.len() + call.input.to_string().len(),
            ContentBlock::ToolResult { content, .. } => content.len(),
        })
        .sum();
    ((request.system.len() + message_chars) / 4) as u64
}
