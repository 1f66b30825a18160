//! What the build engine reports to `/metrics`: how long committing a group
//! of events takes and how many it holds, the model tokens the agents use,
//! the sandbox commands they run by outcome, and the apps being previewed. The engine counts; the
//! HTTP layer registers these series with the rest.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::llm::Usage;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    /// `input` or `output`.
    kind: &'static str,
}

/// How a command the agent ran in its sandbox ended.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum CommandOutcome {
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
    /// Ended by a resource limit (memory, processes).
    Killed,
    /// The sandbox could not start it.
    NotRun,
}

impl CommandOutcome {
    fn label(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::TimedOut => "timed_out",
            Self::Cancelled => "cancelled",
            Self::Killed => "killed",
            Self::NotRun => "not_run",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandLabels {
    outcome: &'static str,
}

/// Cheap to clone: every clone counts into the same series.
#[derive(Clone)]
pub struct BuildMetrics {
    event_commit_seconds: Histogram,
    event_group_size: Histogram,
    model_tokens: Family<TokenLabels, Counter>,
    sandbox_commands: Family<CommandLabels, Counter>,
    preview_starts: Counter,
    previews_running: Gauge,
}

impl Default for BuildMetrics {
    fn default() -> Self {
        Self {
            // From 0.5 ms to about 16 s, doubling.
            event_commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 16)),
            // From 1 event to the writer's largest group, doubling.
            event_group_size: Histogram::new(exponential_buckets(1.0, 2.0, 12)),
            model_tokens: Family::default(),
            sandbox_commands: Family::default(),
            preview_starts: Counter::default(),
            previews_running: Gauge::default(),
        }
    }
}

impl BuildMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "build_event_commit_seconds",
            "Time to commit one group of build events (retries after an outage included)",
            self.event_commit_seconds.clone(),
        );
        registry.register(
            "build_event_group_size",
            "Build events committed together in one transaction",
            self.event_group_size.clone(),
        );
        registry.register(
            "model_tokens",
            "Tokens the build agents sent (input) and received (output)",
            self.model_tokens.clone(),
        );
        registry.register(
            "sandbox_commands",
            "Commands the build agents ran in their sandboxes, by outcome",
            self.sandbox_commands.clone(),
        );
        registry.register(
            "preview_starts",
            "Apps started for their live preview",
            self.preview_starts.clone(),
        );
        registry.register(
            "previews_running",
            "Apps running for their live preview now",
            self.previews_running.clone(),
        );
    }

    pub fn observe_event_commit(&self, events: usize, took: Duration) {
        self.event_commit_seconds.observe(took.as_secs_f64());
        self.event_group_size.observe(events as f64);
    }

    pub fn count_tokens(&self, usage: Usage) {
        self.model_tokens.get_or_create(&TokenLabels { kind: "input" }).inc_by(usage.input_tokens);
        self.model_tokens.get_or_create(&TokenLabels { kind: "output" }).inc_by(usage.output_tokens);
    }

    pub fn preview_started(&self) {
        self.preview_starts.inc();
        self.previews_running.inc();
    }

    pub fn preview_ended(&self) {
        self.previews_running.dec();
    }

    pub fn count_command(&self, outcome: CommandOutcome) {
        self.sandbox_commands.get_or_create(&CommandLabels { outcome: outcome.label() }).inc();
    }
}
