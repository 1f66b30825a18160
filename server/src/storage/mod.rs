//! Object storage for what builds leave behind, over the `object_store`
//! crate: the local file system by default, or any S3-compatible service
//! (AWS S3, MinIO, Cloudflare R2). Knows nothing of builds or HTTP.

pub mod byte_range;
pub mod key;
pub mod signed_url;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::signer::{Method, SignedUrlOptions, Signer};
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, ObjectStore, ObjectStoreExt, RetryConfig,
    WriteMultipart,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use self::byte_range::ByteRange;
pub use self::key::{InvalidKey, ObjectKey};
use self::signed_url::UrlSigner;

/// Parts of a multipart upload: S3's smallest. Memory held by an upload is
/// about this times (parts in flight + 1).
const PART_BYTES: usize = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;

/// Which service holds the objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageBackend {
    /// A directory on this machine.
    Local {
        root: PathBuf,
    },
    S3(S3Settings),
}

#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// `None` for AWS itself; e.g. `http://127.0.0.1:9000` for MinIO.
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`:
    /// MinIO and most self-hosted services want it.
    pub path_style: bool,
    pub timeouts: S3Timeouts,
}

/// How long the S3 service may take to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct S3Timeouts {
    /// A request other than a streamed read, whole: a part of an upload, a
    /// listing, a deletion.
    pub request: Duration,
    /// A streamed read (a download, an archive's checksum, a restore) takes
    /// as long as its object needs, however large; it fails once no byte
    /// has come for this long.
    pub read_stall: Duration,
}

impl Default for S3Timeouts {
    fn default() -> Self {
        Self { request: Duration::from_secs(120), read_stall: Duration::from_secs(30) }
    }
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("path_style", &self.path_style)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(transparent)]
    InvalidKey(#[from] InvalidKey),
    #[error("there is no object {0}")]
    NotFound(String),
    #[error("object storage is unavailable: {0}")]
    Unavailable(String),
    /// What was being uploaded failed to produce its bytes.
    #[error("the upload's source failed: {0}")]
    Source(std::io::Error),
    /// As many archives are being read as may be at once.
    #[error("as many archives are being read as may be at once")]
    Busy,
}

impl From<object_store::Error> for StorageError {
    fn from(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { path, .. } => StorageError::NotFound(path),
            other => StorageError::Unavailable(other.to_string()),
        }
    }
}

/// A multipart upload aborted if it is dropped unfinished (its future
/// cancelled by a shutdown): S3 keeps the parts of an upload neither
/// completed nor aborted, and bills them, until a lifecycle rule removes
/// them.
struct AbortOnDrop(Option<WriteMultipart>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        let (Some(writer), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current()) else {
            return;
        };
        runtime.spawn(async move {
            if let Err(error) = writer.abort().await {
                tracing::warn!(%error, "could not abort an upload left unfinished");
            }
        });
    }
}

/// What an upload stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub size_bytes: u64,
    /// Hex SHA-256 of the bytes sent.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size_bytes: u64,
    pub modified: DateTime<Utc>,
    /// From the key's extension: the local backend keeps no metadata.
    pub content_type: &'static str,
}

/// A page of a listing, in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPage {
    pub objects: Vec<ObjectInfo>,
    /// Pass to the next call to continue after this page.
    pub next: Option<String>,
}

/// An object's bytes as they arrive, with what is known of it.
pub struct ObjectDownload {
    pub info: ObjectInfo,
    /// The bytes this download covers (all of them without a range).
    pub range: Range<u64>,
    pub body: BoxStream<'static, Result<Bytes, StorageError>>,
}

/// Where a person's browser fetches an object from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadUrl {
    /// A presigned URL of the S3 service, absolute.
    Presigned(String),
    /// A path on this server, signed by it.
    Local(String),
}

#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The same objects, for streamed reads: no limit on a read's time, only
    /// on a stall ([`S3Timeouts`]).
    reads: Arc<dyn ObjectStore>,
    /// S3's own presigning; `None` for the local backend.
    presigner: Option<Arc<dyn Signer>>,
    local_signer: Arc<UrlSigner>,
    /// Whether listings come back in key order (S3 does; directories do not).
    is_listing_sorted: bool,
    backend_name: &'static str,
}

impl Storage {
    pub fn open(backend: &StorageBackend, local_signer: UrlSigner) -> Result<Self, StorageError> {
        let local_signer = Arc::new(local_signer);
        match backend {
            StorageBackend::Local { root } => {
                std::fs::create_dir_all(root).map_err(|error| {
                    StorageError::Unavailable(format!("{} could not be created: {error}", root.display()))
                })?;
                let store = Arc::new(LocalFileSystem::new_with_prefix(root)?.with_automatic_cleanup(true));
                Ok(Self {
                    store: store.clone(),
                    reads: store,
                    presigner: None,
                    local_signer,
                    is_listing_sorted: false,
                    backend_name: "local",
                })
            }
            StorageBackend::S3(settings) => {
                let S3Timeouts { request, read_stall } = settings.timeouts;
                let store = Arc::new(s3_store(settings, ClientOptions::new().with_timeout(request))?);
                let reads = s3_store(
                    settings,
                    ClientOptions::new().with_timeout_disabled().with_read_timeout(read_stall),
                )?;
                Ok(Self {
                    store: store.clone(),
                    reads: Arc::new(reads),
                    presigner: Some(store),
                    local_signer,
                    is_listing_sorted: true,
                    backend_name: "s3",
                })
            }
        }
    }

    /// `local` or `s3`.
    pub fn backend_name(&self) -> &'static str {
        self.backend_name
    }

    pub fn local_signer(&self) -> &UrlSigner {
        &self.local_signer
    }

    /// Stores what `source` yields under `key` as it arrives (multipart,
    /// never the whole object in memory), replacing any object there. A
    /// failed source or store, or an upload dropped midway (a shutdown),
    /// leaves no object and no parts behind.
    pub async fn upload(
        &self,
        key: &ObjectKey,
        source: impl Stream<Item = std::io::Result<Bytes>> + Send,
    ) -> Result<Uploaded, StorageError> {
        let upload = self.store.put_multipart(&path_of(key)).await?;
        let mut unfinished = AbortOnDrop(Some(WriteMultipart::new_with_chunk_size(upload, PART_BYTES)));
        let Some(writer) = unfinished.0.as_mut() else {
            return Err(StorageError::Unavailable("the upload ended before it began".into()));
        };
        let mut hasher = Sha256::new();
        let mut size_bytes = 0u64;
        let mut source = std::pin::pin!(source);
        let mut failure = None;
        while let Some(chunk) = source.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(error) => {
                    failure = Some(StorageError::Source(error));
                    break;
                }
            };
            hasher.update(&chunk);
            size_bytes += chunk.len() as u64;
            if let Err(error) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                failure = Some(error.into());
                break;
            }
            writer.put(chunk);
        }
        let Some(writer) = unfinished.0.take() else {
            return Err(StorageError::Unavailable("the upload ended before it finished".into()));
        };
        if let Some(failure) = failure {
            let _ = writer.abort().await;
            return Err(failure);
        }
        writer.finish().await?;
        Ok(Uploaded { size_bytes, sha256: hex::encode(hasher.finalize()) })
    }

    /// Stores a small object at once.
    pub async fn put(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StorageError> {
        self.store.put(&path_of(key), bytes.into()).await?;
        Ok(())
    }

    /// The object's bytes as they arrive, or those of `range` (206-style:
    /// a range past the end is cut to the end).
    pub async fn download(
        &self,
        key: &ObjectKey,
        range: Option<Range<u64>>,
    ) -> Result<ObjectDownload, StorageError> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let result = self.reads.get_opts(&path_of(key), options).await?;
        let info = info_of(&result.meta);
        let range = result.range.clone();
        let body = result.into_stream().map_err(StorageError::from).boxed();
        Ok(ObjectDownload { info, range, body })
    }

    /// A small object whole, refused past `max_bytes`.
    pub async fn read_small(&self, key: &ObjectKey, max_bytes: u64) -> Result<Bytes, StorageError> {
        let info = self.info(key).await?;
        if info.size_bytes > max_bytes {
            return Err(StorageError::Unavailable(format!(
                "{key} is {} bytes, more than the {max_bytes} read at once",
                info.size_bytes
            )));
        }
        Ok(self.store.get(&path_of(key)).await?.bytes().await?)
    }

    /// Hex SHA-256 of the stored object, read back in full.
    pub async fn sha256_of(&self, key: &ObjectKey) -> Result<String, StorageError> {
        let mut body = self.download(key, None).await?.body;
        let mut hasher = Sha256::new();
        while let Some(chunk) = body.next().await {
            hasher.update(&chunk?);
        }
        Ok(hex::encode(hasher.finalize()))
    }

    pub async fn info(&self, key: &ObjectKey) -> Result<ObjectInfo, StorageError> {
        Ok(info_of(&self.store.head(&path_of(key)).await?))
    }

    pub async fn exists(&self, key: &ObjectKey) -> Result<bool, StorageError> {
        match self.info(key).await {
            Ok(_) => Ok(true),
            Err(StorageError::NotFound(_)) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Removes the object; one that is already gone is no error.
    pub async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        match self.store.delete(&path_of(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Removes every object under `prefix`; answers how many there were.
    pub async fn delete_prefix(&self, prefix: &ObjectKey) -> Result<u64, StorageError> {
        let mut removed = 0;
        let mut after = None;
        loop {
            let page = self.list(prefix, after.as_deref(), 1000).await?;
            for object in &page.objects {
                self.delete(&ObjectKey::parse(&object.key)?).await?;
                removed += 1;
            }
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(removed),
            }
        }
    }

    /// Up to `limit` objects under `prefix` whose keys sort after `after`.
    pub async fn list(
        &self,
        prefix: &ObjectKey,
        after: Option<&str>,
        limit: usize,
    ) -> Result<ObjectPage, StorageError> {
        let limit = limit.max(1);
        let prefix = path_of(prefix);
        let mut listing = match after {
            Some(after) => self.store.list_with_offset(Some(&prefix), &StorePath::from(after)),
            None => self.store.list(Some(&prefix)),
        };
        // The smallest `limit + 1` keys; the extra one tells whether there is a next page.
        let mut smallest = std::collections::BTreeMap::new();
        while let Some(meta) = listing.next().await {
            let meta = match meta {
                Ok(meta) => meta,
                Err(object_store::Error::NotFound { .. }) => break,
                Err(error) => return Err(error.into()),
            };
            let info = info_of(&meta);
            if after.is_some_and(|after| info.key.as_str() <= after) {
                continue;
            }
            smallest.insert(info.key.clone(), info);
            if smallest.len() > limit + 1 {
                smallest.pop_last();
            }
            if self.is_listing_sorted && smallest.len() > limit {
                break;
            }
        }
        let has_more = smallest.len() > limit;
        let objects: Vec<ObjectInfo> = smallest.into_values().take(limit).collect();
        let next = if has_more { objects.last().map(|object| object.key.clone()) } else { None };
        Ok(ObjectPage { objects, next })
    }

    /// A URL that downloads `key` as `file_name` for `valid_for`: presigned
    /// by S3, or signed by this server for the local backend.
    pub async fn download_url(
        &self,
        key: &ObjectKey,
        owner: Uuid,
        file_name: &str,
        valid_for: Duration,
    ) -> Result<DownloadUrl, StorageError> {
        match &self.presigner {
            Some(presigner) => {
                let options = SignedUrlOptions::new()
                    .with_query([("response-content-disposition", content_disposition(file_name))]);
                let url = presigner.signed_url_opts(Method::GET, &path_of(key), valid_for, &options).await?;
                Ok(DownloadUrl::Presigned(url.to_string()))
            }
            None => {
                let expires_at = Utc::now()
                    + chrono::Duration::from_std(valid_for).unwrap_or_else(|_| chrono::Duration::minutes(5));
                Ok(DownloadUrl::Local(self.local_signer.sign(key, owner, expires_at, file_name)))
            }
        }
    }
}

/// A client of the S3 service `settings` names, whose requests end as
/// `client` says.
fn s3_store(settings: &S3Settings, client: ClientOptions) -> Result<AmazonS3, StorageError> {
    let mut builder = AmazonS3Builder::new()
        .with_region(&settings.region)
        .with_bucket_name(&settings.bucket)
        .with_access_key_id(&settings.access_key_id)
        .with_secret_access_key(&settings.secret_access_key)
        .with_virtual_hosted_style_request(!settings.path_style)
        // A few quick retries: an outage is the caller's to report, not to hide for minutes.
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
        })
        .with_client_options(client.with_connect_timeout(Duration::from_secs(5)));
    if let Some(endpoint) = &settings.endpoint {
        builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
    }
    Ok(builder.build()?)
}

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<exact name>`
/// (RFC 6266, RFC 5987): any name, Unicode included, survives as the file
/// name, and none can break out of the header.
pub fn content_disposition(file_name: &str) -> String {
    let fallback: String =
        file_name
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '/' | ';') || c == ' ' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

fn path_of(key: &ObjectKey) -> StorePath {
    // A validated key is a valid object_store path: no empty, `.` or `..` segment.
    StorePath::from(key.as_str())
}

fn info_of(meta: &object_store::ObjectMeta) -> ObjectInfo {
    let key = meta.location.to_string();
    let content_type = content_type_of(&key);
    ObjectInfo { key, size_bytes: meta.size, modified: meta.last_modified, content_type }
}

fn content_type_of(key: &str) -> &'static str {
    if key.ends_with(".tar.gz") || key.ends_with(".tgz") {
        "application/gzip"
    } else if key.ends_with(".json") {
        "application/json"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_survive_quotes_slashes_and_unicode() {
        assert_eq!(
            content_disposition("Todo \"app\"/v2 ✓.md"),
            "attachment; filename=\"Todo _app__v2 _.md\"; filename*=UTF-8''Todo%20%22app%22%2Fv2%20%E2%9C%93.md"
        );
    }
}
