//! What a build left behind, over REST: the archive (streamed, or a redirect
//! to a presigned URL), its evidence pack, its files one by one, a retry of
//! a failed upload, and the server's own signed download URLs.

use app::error::AppError;
use app::model::artifacts::{ArtifactInfo, ArtifactManifest, ManifestFile};
use app::ports::Artifacts;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::builds::artifacts::service::{ArchiveDownload, OpenedFile};
use crate::http::api::builds::build_id;
use crate::http::api::error::{ApiError, ErrorBody};
use crate::http::api::extract::CurrentUser;
use crate::http::api::openapi::Binary;
use crate::http::AppState;
use crate::storage::signed_url::SignedParams;
use crate::storage::{content_disposition, ByteRange, ObjectDownload};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArchiveParams {
    /// Answer the archive's state as JSON instead of the archive.
    #[serde(default)]
    info: bool,
}

/// The archive as an attachment named after the spec; with `?info=true`,
/// what is known of it as JSON. 404 names the state while there is none.
/// Streamed from local storage (`Range` honoured), or a redirect to a
/// short-lived presigned URL of the S3 service.
#[utoipa::path(get, path = "/builds/{id}/artifacts", tag = "artifacts", params(("id" = Uuid, Path, description = "The build's id"), ArchiveParams),
    responses(
        (status = OK, description = "The archive as an attachment, or with `info=true` its state",
            content((ArtifactInfo = "application/json"), (Binary = "application/gzip"))),
        (status = PARTIAL_CONTENT, description = "The requested range of the archive", content_type = "application/gzip", body = Binary),
        (status = SEE_OTHER, description = "A short-lived presigned URL of the S3 service", headers(("location" = String))),
        (status = NOT_FOUND, description = "No such build, or no stored archive yet: the message names its state", body = ErrorBody)))]
pub async fn archive(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: Result<Query<ArchiveParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = build_id(&id)?;
    let Query(params) = params?;
    let artifacts = &state.builds.artifacts;
    if params.info {
        return Ok(Json::<ArtifactInfo>(artifacts.info(&owner, id).await?).into_response());
    }
    let range = requested_range(&headers);
    match artifacts.download(&owner, id, range).await? {
        ArchiveDownload::Redirect(url) => Ok(Redirect::to(&url).into_response()),
        ArchiveDownload::Stream { download, file_name } => {
            Ok(object_response(download, &file_name, "application/gzip"))
        }
    }
}

/// The evidence pack stored beside the archive: its files with their size
/// and SHA-256 (all, or the first ones when `archive.unlisted_files` says
/// some were archived without being listed), the archive's checksum, the features with the test run that
/// proved each, commits, tokens per session, the sandbox policy.
#[utoipa::path(get, path = "/builds/{id}/artifacts/manifest", tag = "artifacts", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = OK, body = ArtifactManifest), (status = NOT_FOUND, description = "No such build, or no stored archive yet: the message names its state", body = ErrorBody)))]
pub async fn manifest(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<ArtifactManifest>, ApiError> {
    Ok(Json(state.builds.artifacts.full_manifest(&owner, build_id(&id)?).await?))
}

/// Upload the archive again after a failure (202: queued again).
#[utoipa::path(post, path = "/builds/{id}/artifacts/retry", tag = "artifacts", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = ACCEPTED, body = ArtifactInfo),
        (status = CONFLICT, description = "The last upload did not fail", body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ArtifactInfo>), ApiError> {
    Ok((StatusCode::ACCEPTED, Json(state.builds.artifacts.retry(&owner, build_id(&id)?).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct FileTree {
    files: Vec<ManifestFile>,
    /// Files the archive holds without listing them: past what the list may
    /// weigh (some 200,000 files with long paths), or named in bytes that
    /// are not UTF-8. Download the archive for those.
    unlisted_files: i32,
}

/// The archive's files outside `.git/`, as the manifest lists them.
#[utoipa::path(get, path = "/builds/{id}/files", tag = "artifacts", params(("id" = Uuid, Path, description = "The build's id")),
    responses((status = OK, body = FileTree), (status = NOT_FOUND, description = "No such build, or no stored archive yet: the message names its state", body = ErrorBody)))]
pub async fn files(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<FileTree>, ApiError> {
    let manifest = state.builds.artifacts.full_manifest(&owner, build_id(&id)?).await?;
    Ok(Json(FileTree { files: manifest.files, unlisted_files: manifest.archive.unlisted_files }))
}

/// One file out of the archive: text as `text/plain`, cut at 1 MiB with
/// `X-Content-Truncated: true`; anything else as a download.
#[utoipa::path(get, path = "/builds/{id}/files/{*path}", tag = "artifacts",
    params(("id" = Uuid, Path, description = "The build's id"), ("path" = String, Path, description = "Relative to the work directory, slashes included")),
    responses(
        (status = OK, description = "The file", content((String = "text/plain"), (Binary = "application/octet-stream")),
            headers(("x-content-truncated" = bool, description = "Present, true, when a text was cut at 1 MiB"))),
        (status = NOT_FOUND, description = "No such build, or no stored archive yet: the message names its state", body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    CurrentUser(owner): CurrentUser,
    Path((id, path)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = build_id(&id)?;
    let (listed, extracted) = match state.builds.artifacts.open_file(&owner, id, &path).await? {
        OpenedFile::Text { text, is_truncated, .. } => {
            let mut response = text.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
            // Never rendered as a page of this site, whatever the file holds.
            headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
            if is_truncated {
                headers.insert("x-content-truncated", HeaderValue::from_static("true"));
            }
            return Ok(response);
        }
        OpenedFile::Other { listed, extracted } => (listed, extracted),
    };
    let name = listed.path.rsplit('/').next().unwrap_or("file").to_owned();
    let mut response = Body::from_stream(extracted.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(extracted.size_bytes));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedQuery {
    owner: Uuid,
    expires: i64,
    name: String,
    signature: String,
}

/// A download URL this server signed (local storage): no session needed,
/// valid until it expires; a changed or foreign one answers 403.
#[utoipa::path(get, path = "/storage/{*key}", tag = "artifacts", security(()),
    params(("key" = String, Path, description = "The object's key"), SignedQuery),
    responses(
        (status = OK, description = "The object, as an attachment: a build's archive (gzip) is all this server signs links to",
            content((Binary = "application/gzip"), (Binary = "application/octet-stream"))),
        (status = PARTIAL_CONTENT, description = "The range a `Range: bytes=…` header asked for, to resume a download",
            content((Binary = "application/gzip"), (Binary = "application/octet-stream"))),
        (status = FORBIDDEN, description = "The link is changed, expired or incomplete", body = ErrorBody),
        (status = NOT_FOUND, description = "The object is gone", body = ErrorBody)))]
pub async fn signed_download(
    State(state): State<AppState>,
    Path(key): Path<String>,
    query: Result<Query<SignedQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|_| {
        AppError::Forbidden("This download link is not valid: it is missing its signature or expiry.".into())
    })?;
    let link = SignedParams {
        owner: query.owner,
        expires: query.expires,
        file_name: query.name,
        signature: query.signature,
    };
    let download = state.builds.artifacts.signed_download(&key, &link, requested_range(&headers)).await?;
    let content_type = download.info.content_type;
    Ok(object_response(download, &link.file_name, content_type))
}

/// A streamed object as an attachment, 206 with `Content-Range` for a range.
fn object_response(download: ObjectDownload, file_name: &str, content_type: &'static str) -> Response {
    let ObjectDownload { info, range, body } = download;
    let is_partial = range.start > 0 || range.end < info.size_bytes;
    let mut response =
        Body::from_stream(body.map(|chunk| chunk.map_err(std::io::Error::other))).into_response();
    if is_partial {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(value) =
            HeaderValue::from_str(&format!("bytes {}-{}/{}", range.start, range.end - 1, info.size_bytes))
        {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
    }
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(range.end - range.start));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // Compressing a gzip again gains nothing and breaks Content-Length.
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A single `bytes=start-end` or `bytes=start-` range of the `Range` header;
/// anything else (several ranges, a suffix, another unit) asks for the whole
/// object, which HTTP allows a server to answer with.
fn requested_range(headers: &HeaderMap) -> Option<ByteRange> {
    let value = headers.get(header::RANGE)?.to_str().ok()?;
    let (start, last) = value.strip_prefix("bytes=")?.split_once('-')?;
    let start = start.trim().parse::<u64>().ok()?;
    let last = match last.trim() {
        "" => None,
        last => Some(last.parse::<u64>().ok()?),
    };
    Some(ByteRange { start, last })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str) -> Option<ByteRange> {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        requested_range(&headers)
    }

    #[test]
    fn one_byte_range_is_read_and_others_ask_for_the_whole_object() {
        assert_eq!(range("bytes=10-19"), Some(ByteRange { start: 10, last: Some(19) }));
        assert_eq!(range("bytes=90-"), Some(ByteRange { start: 90, last: None }));
        assert_eq!(range("bytes= 5 - 6 "), Some(ByteRange { start: 5, last: Some(6) }));
        assert_eq!(range("bytes=-10"), None);
        assert_eq!(range("bytes=0-1,5-6"), None);
        assert_eq!(range("items=0-1"), None);
        assert_eq!(range("bytes=x-1"), None);
    }
}
