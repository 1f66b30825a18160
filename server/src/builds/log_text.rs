//! A build's whole log as a text file: one line per event (time, tag,
//! text), read from the database a page at a time as it is sent, so a build
//! of any length downloads in bounded memory.

use std::sync::Arc;

use app::error::AppError;
use app::model::accounts::UserProfile;
use app::model::build_log::{LogLine, LogPage};
use app::model::builds::MAX_LOG_PAGE;
use app::ports::Builds;
use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use uuid::Uuid;

use crate::builds::service::BuildService;

pub struct LogText {
    /// Named after the spec.
    pub file_name: String,
    /// The text, a page of lines at a time; an error ends it early.
    pub pages: BoxStream<'static, Result<Bytes, AppError>>,
}

impl BuildService {
    /// The owner's build's log as text (404 for anyone else's). The first
    /// page is read before answering, so a failure then is still an error
    /// answer rather than a download cut short.
    pub async fn log_text(self: &Arc<Self>, owner: &UserProfile, id: Uuid) -> Result<LogText, AppError> {
        let build = self.get(owner, id).await?;
        let first = self.logs(owner, id, 0, MAX_LOG_PAGE).await?;
        let (service, owner) = (self.clone(), owner.clone());
        let pages = stream::try_unfold(Some(first), move |page: Option<LogPage>| {
            let (service, owner) = (service.clone(), owner.clone());
            async move {
                let Some(page) = page else { return Ok(None) };
                let text: String = page.lines.iter().map(LogLine::to_plain_text).collect();
                let next = match page.next_after {
                    Some(after) => Some(service.logs(&owner, id, after, MAX_LOG_PAGE).await?),
                    None => None,
                };
                Ok(Some((Bytes::from(text), next)))
            }
        });
        Ok(LogText { file_name: format!("{} build log.txt", build.spec_name), pages: pages.boxed() })
    }
}
