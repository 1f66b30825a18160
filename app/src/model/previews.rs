//! A build's live preview: the app the agent builds, running in the build's
//! sandbox and served from an origin of its own.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PreviewState {
    /// Nothing to preview (yet): no start command, no work directory, or
    /// previews are off. The message says which.
    Unavailable,
    /// Ready to start: it starts on the next visit.
    Stopped,
    Starting,
    Running,
    /// The last start failed or the app exited; the next visit tries again.
    Failed,
}

/// Whether a build's app can be previewed, and how it runs now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreviewStatus {
    pub state: PreviewState,
    /// Why it is unavailable, or how it last ended, in words.
    pub message: Option<String>,
    /// The start command from the app's `preview.json`.
    pub command: Option<String>,
    /// The port the app listens on inside its sandbox.
    pub port: Option<u16>,
    /// The origin the preview is served from.
    pub address: Option<String>,
}

impl PreviewStatus {
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self {
            state: PreviewState::Unavailable,
            message: Some(message.into()),
            command: None,
            port: None,
            address: None,
        }
    }

    pub fn can_open(&self) -> bool {
        self.state != PreviewState::Unavailable
    }
}

/// A short-lived signed link that opens the preview (and grants the browser
/// that follows it access to the preview's origin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreviewLink {
    pub url: String,
    #[cfg_attr(feature = "hydrate", serde(deserialize_with = "super::wire_times::read"))]
    pub expires_at: DateTime<Utc>,
}

/// Where the build page's "Open preview" and its frame go.
pub fn preview_open_path(build_id: Uuid) -> String {
    format!("/api/builds/{build_id}/preview/open")
}
