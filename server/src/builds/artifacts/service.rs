//! The artifacts service: the one implementation behind the build page's
//! Download card, file browser and evidence, and the REST downloads. Every
//! method takes the owner; another user's build is 404 like a missing one.

use std::sync::Arc;

use app::error::AppError;
use app::format::group_thousands;
use app::model::accounts::UserProfile;
use app::model::artifacts::{
    archive_file_name, ArtifactInfo, ArtifactManifest, ArtifactState, BuildFileContent, BuildResultPage,
    ManifestFile, MAX_VIEWED_TEXT_BYTES,
};
use app::model::builds::build_not_found;
use app::ports::Artifacts;
use diesel_async::AsyncConnection;
use futures_util::StreamExt;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::builds::artifacts::extract::{extract_file, ExtractedFile};
use crate::builds::artifacts::rendered;
use crate::builds::artifacts::repo::{self, ArtifactRow};
use crate::builds::artifacts::{build_prefix, manifest_key, ArtifactSettings};
use crate::cpu_work::off_the_runtime;
use crate::db::{Connect, DbPool, ServiceError};
use crate::sandbox::SandboxEngine;
use crate::storage::signed_url::SignedParams;
use crate::storage::{ByteRange, DownloadUrl, ObjectDownload, ObjectKey, Storage, StorageError};

/// The largest manifest read (a work directory of some 200,000 files).
const MAX_MANIFEST_BYTES: u64 = 64 * 1024 * 1024;

pub struct ArtifactService {
    pool: DbPool,
    storage: Storage,
    engine: Arc<dyn SandboxEngine>,
    settings: ArtifactSettings,
    /// Wakes this process's archiver.
    wake: Arc<Notify>,
}

/// How an owner gets their archive.
pub enum ArchiveDownload {
    /// The server streams it (local storage).
    Stream { download: ObjectDownload, file_name: String },
    /// The browser fetches it from storage directly (S3).
    Redirect(String),
}

/// A file of the archive, opened for a person to see.
pub enum OpenedFile {
    /// A text, cut at `MAX_VIEWED_TEXT_BYTES` when `is_truncated`.
    Text { listed: ManifestFile, text: String, is_truncated: bool },
    /// Anything else, to download as it streams out of the archive.
    Other { listed: ManifestFile, extracted: ExtractedFile },
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound(_) => {
                AppError::NotFound("The archive is no longer in storage. It may have been removed.".into())
            }
            StorageError::InvalidKey(error) => AppError::Invalid(error.to_string()),
            StorageError::Busy => AppError::Unavailable(
                "Many files are being read from archives right now. Please try again in a moment.".into(),
            ),
            other => {
                tracing::warn!(error = %other, "object storage failed");
                AppError::Unavailable(
                    "Storage is unavailable right now, so the archive cannot be reached. Please try again in a \
                     moment."
                        .into(),
                )
            }
        }
    }
}

impl ArtifactService {
    pub fn new(
        pool: DbPool,
        storage: Storage,
        engine: Arc<dyn SandboxEngine>,
        settings: ArtifactSettings,
        wake: Arc<Notify>,
    ) -> Self {
        Self { pool, storage, engine, settings, wake }
    }

    /// Where the archives are (the tests read what was stored).
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Asks this process's archiver to look for work now.
    pub fn wake_archiver(&self) {
        self.wake.notify_one();
    }

    async fn row(
        &self,
        owner: &UserProfile,
        build_id: Uuid,
    ) -> Result<(String, Option<ArtifactRow>), AppError> {
        let mut connection = self.pool.connection().await?;
        repo::find(&mut connection, owner.id, build_id).await?.ok_or_else(build_not_found)
    }

    fn info_of(&self, build_id: Uuid, spec_name: &str, row: Option<&ArtifactRow>) -> ArtifactInfo {
        let state = row.map_or(ArtifactState::None, ArtifactRow::state);
        let stored_at = row.and_then(|row| row.stored_at);
        let expires_at = match (state, stored_at, self.settings.retention) {
            (ArtifactState::Stored, Some(stored_at), Some(retention)) => {
                chrono::Duration::from_std(retention).ok().map(|retention| stored_at + retention)
            }
            _ => None,
        };
        ArtifactInfo {
            build_id,
            state,
            file_name: archive_file_name(spec_name, build_id),
            size_bytes: row.and_then(|row| row.size_bytes),
            sha256: row.and_then(|row| row.sha256.clone()),
            file_count: row.and_then(|row| row.file_count),
            stored_at,
            message: row.and_then(|row| row.message.clone()),
            expires_at,
        }
    }

    /// The stored archive's key, or a 404 that names the state.
    async fn stored(
        &self,
        owner: &UserProfile,
        build_id: Uuid,
    ) -> Result<(ArtifactInfo, ObjectKey), AppError> {
        let (spec_name, row) = self.row(owner, build_id).await?;
        let info = self.info_of(build_id, &spec_name, row.as_ref());
        let key = row.as_ref().and_then(|row| row.object_key.as_deref()).map(ObjectKey::parse);
        match (info.state, key) {
            (ArtifactState::Stored, Some(Ok(key))) => Ok((info, key)),
            (state, _) => Err(AppError::NotFound(not_stored_message(state, info.message.as_deref()))),
        }
    }

    async fn manifest(&self, build_id: Uuid) -> Result<ArtifactManifest, AppError> {
        let bytes = self.storage.read_small(&manifest_key(build_id), MAX_MANIFEST_BYTES).await?;
        // Up to MAX_MANIFEST_BYTES of JSON: CPU work, kept off the runtime.
        let parsed = off_the_runtime(move || serde_json::from_slice::<ArtifactManifest>(&bytes)).await;
        parsed.map_err(|error| {
            tracing::error!(%build_id, %error, "a stored manifest could not be read");
            AppError::Internal
        })
    }

    /// The owner's archive: streamed from local storage (`range` of it,
    /// when it names some of it), or a short-lived presigned URL of the S3
    /// service, which honours ranges itself.
    pub async fn download(
        &self,
        owner: &UserProfile,
        build_id: Uuid,
        range: Option<ByteRange>,
    ) -> Result<ArchiveDownload, AppError> {
        let (info, key) = self.stored(owner, build_id).await?;
        match self
            .storage
            .download_url(&key, owner.id, &info.file_name, self.settings.download_url_ttl)
            .await?
        {
            DownloadUrl::Presigned(url) => Ok(ArchiveDownload::Redirect(url)),
            DownloadUrl::Local(_) => {
                let size = info.size_bytes.and_then(|size| u64::try_from(size).ok());
                let range = range.zip(size).and_then(|(range, size)| range.within(size));
                Ok(ArchiveDownload::Stream {
                    download: self.storage.download(&key, range).await?,
                    file_name: info.file_name,
                })
            }
        }
    }

    /// An object this server signed a link to (local storage), for whoever
    /// holds the link: no session, until the link expires (`range` of it,
    /// when it names some of it, so an interrupted download resumes). A
    /// changed, foreign or expired link is refused (403).
    pub async fn signed_download(
        &self,
        key: &str,
        link: &SignedParams,
        range: Option<ByteRange>,
    ) -> Result<ObjectDownload, AppError> {
        let refused = |message: String| AppError::Forbidden(message);
        let key = ObjectKey::parse(key)
            .map_err(|error| refused(format!("This download link is not valid: {error}.")))?;
        self.storage
            .local_signer()
            .verify(&key, link, chrono::Utc::now())
            .map_err(|refusal| refused(refusal.to_string()))?;
        let range = match range {
            Some(range) => range.within(self.storage.info(&key).await?.size_bytes),
            None => None,
        };
        Ok(self.storage.download(&key, range).await?)
    }

    /// A URL the archive can be fetched from for a few minutes, without the
    /// session: presigned by S3, or signed by this server.
    pub async fn download_url(&self, owner: &UserProfile, build_id: Uuid) -> Result<String, AppError> {
        let (info, key) = self.stored(owner, build_id).await?;
        Ok(
            match self
                .storage
                .download_url(&key, owner.id, &info.file_name, self.settings.download_url_ttl)
                .await?
            {
                DownloadUrl::Presigned(url) | DownloadUrl::Local(url) => url,
            },
        )
    }

    /// The evidence pack whole, as stored.
    pub async fn full_manifest(
        &self,
        owner: &UserProfile,
        build_id: Uuid,
    ) -> Result<ArtifactManifest, AppError> {
        self.stored(owner, build_id).await?;
        self.manifest(build_id).await
    }

    /// One file of the stored archive as a person is shown it: a text read
    /// up to `MAX_VIEWED_TEXT_BYTES`, anything else to stream as a download.
    pub async fn open_file(
        &self,
        owner: &UserProfile,
        build_id: Uuid,
        path: &str,
    ) -> Result<OpenedFile, AppError> {
        let (listed, extracted) = self.file(owner, build_id, path).await?;
        if !listed.is_text {
            return Ok(OpenedFile::Other { listed, extracted });
        }
        let (bytes, is_truncated) = read_capped(extracted, MAX_VIEWED_TEXT_BYTES).await?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(OpenedFile::Text { listed, text, is_truncated })
    }

    /// One file of the stored archive, streamed, with what the manifest says of it.
    async fn file(
        &self,
        owner: &UserProfile,
        build_id: Uuid,
        path: &str,
    ) -> Result<(ManifestFile, ExtractedFile), AppError> {
        let (_, key) = self.stored(owner, build_id).await?;
        let manifest = self.manifest(build_id).await?;
        let no_such_file = || AppError::NotFound(format!("The archive has no file {path}."));
        let unlisted = manifest.archive.unlisted_files;
        let listed = manifest.files.into_iter().find(|file| file.path == path).ok_or_else(|| {
            if unlisted == 0 {
                return no_such_file();
            }
            AppError::NotFound(format!(
                "The archive's list of files has no {path}, but {} more files are in the archive without \
                 being listed. Download the archive to see them all.",
                group_thousands(usize::try_from(unlisted).unwrap_or_default())
            ))
        })?;
        let extracted = extract_file(&self.storage, &key, path).await?.ok_or_else(no_such_file)?;
        Ok((listed, extracted))
    }

    /// Removes what the build stored and its work directory on this machine,
    /// unless its archive is being made (a 409 to try again in a moment).
    /// The archive's row is locked while the objects go and removed with
    /// them, so a retry asked for meanwhile either came first (and this
    /// waits for it) or finds nothing to retry: no upload can outlive the
    /// build. If storage fails, nothing changes and Delete can be pressed
    /// again.
    pub async fn forget(&self, build_id: Uuid) -> Result<(), AppError> {
        let storage = &self.storage;
        let mut connection = self.pool.connection().await?;
        connection
            .transaction(async |connection| {
                let state = repo::lock_state(connection, build_id).await?;
                if state.is_some_and(ArtifactState::is_in_progress) {
                    return Err(AppError::Conflict(
                        "This build's work is being archived. Try again in a moment.".into(),
                    )
                    .into());
                }
                storage.delete_prefix(&build_prefix(build_id)).await.map_err(AppError::from)?;
                repo::delete_row(connection, build_id).await?;
                Ok::<_, ServiceError>(())
            })
            .await?;
        drop(connection);
        match self.engine.open(build_id).await {
            Ok(Some(sandbox)) => {
                if let Err(error) = sandbox.destroy().await {
                    tracing::warn!(%build_id, %error, "could not remove a deleted build's work directory");
                }
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%build_id, %error, "could not open a deleted build's sandbox"),
        }
        Ok(())
    }
}

fn not_stored_message(state: ArtifactState, message: Option<&str>) -> String {
    match state {
        ArtifactState::None => {
            "This build has no archive: it has not ended, or it ended before doing any work.".into()
        }
        ArtifactState::Pending | ArtifactState::Uploading => {
            "The build's work is being archived. Try again in a moment.".into()
        }
        ArtifactState::Failed => format!(
            "The build's archive could not be stored{}. Retry the upload from the build page.",
            message.map(|message| format!(" ({message})")).unwrap_or_default()
        ),
        ArtifactState::Expired => {
            message.unwrap_or("The build's archive was removed by the retention policy.").to_owned()
        }
        ArtifactState::Stored => "The archive is stored.".into(),
    }
}

#[async_trait::async_trait]
impl Artifacts for ArtifactService {
    async fn info(&self, owner: &UserProfile, build_id: Uuid) -> Result<ArtifactInfo, AppError> {
        let (spec_name, row) = self.row(owner, build_id).await?;
        Ok(self.info_of(build_id, &spec_name, row.as_ref()))
    }

    async fn result_page(&self, owner: &UserProfile, build_id: Uuid) -> Result<BuildResultPage, AppError> {
        let artifact = self.info(owner, build_id).await?;
        if artifact.state != ArtifactState::Stored {
            return Ok(rendered::result_page(build_id, artifact, None));
        }
        let manifest = self.manifest(build_id).await?;
        Ok(rendered::result_page(build_id, artifact, Some(manifest)))
    }

    async fn read_file(
        &self,
        owner: &UserProfile,
        build_id: Uuid,
        path: &str,
    ) -> Result<BuildFileContent, AppError> {
        let (listed, text, is_truncated) = match self.open_file(owner, build_id, path).await? {
            OpenedFile::Text { listed, text, is_truncated } => (listed, Some(text), is_truncated),
            OpenedFile::Other { listed, .. } => (listed, None, false),
        };
        Ok(BuildFileContent { path: listed.path, size_bytes: listed.size_bytes, text, is_truncated })
    }

    async fn retry(&self, owner: &UserProfile, build_id: Uuid) -> Result<ArtifactInfo, AppError> {
        let (spec_name, row) = self.row(owner, build_id).await?;
        let state = row.as_ref().map_or(ArtifactState::None, ArtifactRow::state);
        if state != ArtifactState::Failed {
            return Err(AppError::Conflict(format!(
                "Only a failed upload can be retried; this archive is {}.",
                match state {
                    ArtifactState::None => "not there yet",
                    ArtifactState::Pending | ArtifactState::Uploading => "being uploaded",
                    ArtifactState::Stored => "already stored",
                    ArtifactState::Expired => "removed by the retention policy",
                    ArtifactState::Failed => "failed",
                }
            )));
        }
        let mut connection = self.pool.connection().await?;
        repo::retry(&mut connection, build_id).await?;
        self.wake.notify_one();
        let (_, row) = self.row(owner, build_id).await?;
        Ok(self.info_of(build_id, &spec_name, row.as_ref()))
    }
}

/// Up to `limit` bytes of the file, and whether there were more. A cut in
/// the middle of a character is repaired by the lossy conversion.
async fn read_capped(extracted: ExtractedFile, limit: usize) -> Result<(Vec<u8>, bool), AppError> {
    let mut body = extracted.body;
    let mut bytes = Vec::with_capacity((extracted.size_bytes as usize).min(limit));
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| StorageError::Unavailable(error.to_string()))?;
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok((bytes, true));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((bytes, false))
}
