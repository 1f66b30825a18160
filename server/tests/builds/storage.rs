//! Object storage as the archiver and the downloads use it, on both
//! backends: one body of checks runs on a local directory and on a real
//! S3-compatible server (moto, started by `scripts/test`). Large uploads
//! arrive whole, ranges and listings read back what was stored, deletes
//! remove exactly what was asked, a failed upload leaves nothing behind,
//! and download links work for the person they were made for and nobody
//! who changes them.

use crate::common;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::contract::Contract;
use futures_util::{stream, StreamExt};
use server::http::BuildSetup;
use server::storage::{DownloadUrl, ObjectKey, S3Timeouts, Storage, StorageError};
use uuid::Uuid;

/// S3's smallest part, which the uploader uses: a range across it spans two parts.
const PART_BYTES: u64 = 5 * 1024 * 1024;
const LARGE_OBJECT_BYTES: usize = 12 * 1024 * 1024;
const CHUNK_BYTES: usize = 64 * 1024;

/// Storage for one test, with what it takes to look behind its back.
struct TestStore {
    storage: Storage,
    backend: Backend,
    /// Everything the test writes is under this prefix of its own.
    prefix: ObjectKey,
}

enum Backend {
    Local { root: PathBuf },
    S3 { bucket: String },
}

impl TestStore {
    fn local() -> Self {
        let root = common::test_objects_root();
        Self { storage: common::local_storage(&root), backend: Backend::Local { root }, prefix: run_prefix() }
    }

    async fn s3() -> Self {
        let (storage, bucket) = common::s3_storage().await;
        Self { storage, backend: Backend::S3 { bucket }, prefix: run_prefix() }
    }

    fn key(&self, name: &str) -> ObjectKey {
        self.prefix.join(name).expect("a valid key")
    }

    /// What an upload cut short could have left that a listing does not
    /// show: staging files in the directory, or multipart uploads never
    /// completed nor aborted (which S3 keeps, and bills, until aborted).
    async fn unfinished_uploads(&self) -> Vec<String> {
        match &self.backend {
            Backend::Local { root } => files_under(root),
            Backend::S3 { bucket } => {
                // ListMultipartUploads; moto checks no signatures.
                let listing = reqwest::get(format!("{}/{bucket}?uploads", common::test_s3().endpoint))
                    .await
                    .expect("reach the test S3 server")
                    .text()
                    .await
                    .expect("read the multipart upload listing");
                listing
                    .split("<Key>")
                    .skip(1)
                    .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_owned()))
                    .collect()
            }
        }
    }
}

fn run_prefix() -> ObjectKey {
    ObjectKey::parse(&format!("runs/{}", Uuid::now_v7())).expect("a valid key")
}

fn files_under(directory: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(directory) else { return Vec::new() };
    entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path.display().to_string()]
            }
        })
        .collect()
}

/// Bytes that differ from one position to the next, so a misplaced range
/// or a part stored twice shows.
fn varied_bytes(length: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// `bytes` as a source stream of 64 KiB chunks, like an archive being written.
fn chunked(bytes: &[u8]) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let chunks: Vec<std::io::Result<Bytes>> =
        bytes.chunks(CHUNK_BYTES).map(|chunk| Ok(Bytes::copy_from_slice(chunk))).collect();
    stream::iter(chunks)
}

async fn read_all(storage: &Storage, key: &ObjectKey, range: Option<Range<u64>>) -> (Range<u64>, Vec<u8>) {
    let download = storage.download(key, range).await.expect("download");
    let mut body = download.body;
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        bytes.extend_from_slice(&chunk.expect("a chunk of the object"));
    }
    (download.range, bytes)
}

async fn a_large_upload_arrives_whole_and_reads_back_by_range(store: TestStore) {
    let storage = &store.storage;
    let key = store.key("artifacts.tar.gz");
    let content = varied_bytes(LARGE_OBJECT_BYTES);

    let uploaded = storage.upload(&key, chunked(&content)).await.expect("upload 12 MiB");
    assert_eq!(uploaded.size_bytes, LARGE_OBJECT_BYTES as u64);
    assert_eq!(uploaded.sha256, common::sha256_hex(&content), "the hash is of the bytes sent");
    assert_eq!(storage.sha256_of(&key).await.expect("read it back"), uploaded.sha256, "stored as sent");

    let info = storage.info(&key).await.expect("info");
    assert_eq!(info.key, key.as_str());
    assert_eq!(info.size_bytes, LARGE_OBJECT_BYTES as u64);
    assert_eq!(info.content_type, "application/gzip");
    assert!(storage.exists(&key).await.expect("exists"));
    assert!(!storage.exists(&store.key("never-written.tar.gz")).await.expect("exists"));

    // A range across the first part's end reads from both parts.
    let across = PART_BYTES - 100..PART_BYTES + 100;
    let (range, bytes) = read_all(storage, &key, Some(across.clone())).await;
    assert_eq!(range, across);
    assert_eq!(bytes, content[across.start as usize..across.end as usize]);

    // A range past the end is cut to the end, as a resumed download asks.
    let size = LARGE_OBJECT_BYTES as u64;
    let (range, bytes) = read_all(storage, &key, Some(size - 10..size + 1000)).await;
    assert_eq!(range, size - 10..size);
    assert_eq!(bytes, content[LARGE_OBJECT_BYTES - 10..]);

    let (range, bytes) = read_all(storage, &key, None).await;
    assert_eq!(range, 0..size);
    assert!(bytes == content, "the whole object reads back as sent");

    // Uploading again replaces it.
    let replaced = storage.upload(&key, chunked(b"smaller now")).await.expect("upload again");
    assert_eq!(replaced.size_bytes, 11);
    assert_eq!(storage.read_small(&key, 1024).await.expect("read it"), Bytes::from_static(b"smaller now"));
}

async fn a_listing_pages_through_its_prefix_in_key_order_and_nothing_else(store: TestStore) {
    let storage = &store.storage;
    let listed = store.key("list").join("builds").expect("a valid key");
    // Written out of order; a sibling whose name only starts the same is not under the prefix.
    for name in ["c.json", "a.json", "e.json", "b.json", "d.json"] {
        storage.put(&listed.join(name).unwrap(), Bytes::from(name.to_owned())).await.expect("put");
    }
    let sibling = store.key("list").join("builds-other").unwrap().join("x.json").unwrap();
    storage.put(&sibling, Bytes::from_static(b"{}")).await.expect("put");

    let mut pages = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = storage.list(&listed, after.as_deref(), 2).await.expect("list");
        pages.push(page.objects.iter().map(|object| object.key.clone()).collect::<Vec<_>>());
        assert!(pages.len() <= 3, "more pages than objects allow: {pages:?}");
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let expected = |name: &str| listed.join(name).unwrap().as_str().to_owned();
    assert_eq!(
        pages,
        vec![
            vec![expected("a.json"), expected("b.json")],
            vec![expected("c.json"), expected("d.json")],
            vec![expected("e.json")],
        ],
        "three pages in key order, none listed twice, the sibling in none"
    );

    let page = storage.list(&listed, None, 100).await.expect("list");
    assert_eq!(page.objects.len(), 5);
    assert_eq!(page.next, None, "everything fitted in one page");
    let first = &page.objects[0];
    assert_eq!(first.size_bytes, "a.json".len() as u64);
    assert_eq!(first.content_type, "application/json");

    let nothing = storage.list(&store.key("nothing-here"), None, 10).await.expect("list an empty prefix");
    assert!(nothing.objects.is_empty() && nothing.next.is_none(), "{nothing:?}");
}

async fn deleting_removes_exactly_what_was_asked(store: TestStore) {
    let storage = &store.storage;
    let removed = store.key("removed");
    let kept = store.key("removed-not");
    for name in ["one", "two", "nested/three"] {
        storage.put(&removed.join(name).unwrap(), Bytes::from_static(b"bytes")).await.expect("put");
    }
    storage.put(&kept.join("one").unwrap(), Bytes::from_static(b"bytes")).await.expect("put");
    let single = store.key("single.json");
    storage.put(&single, Bytes::from_static(b"{}")).await.expect("put");

    storage.delete(&single).await.expect("delete");
    assert!(!storage.exists(&single).await.expect("exists"));
    storage.delete(&single).await.expect("deleting what is already gone is no error");

    assert_eq!(storage.delete_prefix(&removed).await.expect("delete the prefix"), 3);
    assert!(storage.list(&removed, None, 10).await.expect("list").objects.is_empty());
    assert!(storage.exists(&kept.join("one").unwrap()).await.expect("exists"), "a sibling prefix is kept");
    assert_eq!(storage.delete_prefix(&removed).await.expect("delete an empty prefix"), 0);
}

async fn a_failing_source_leaves_no_object_behind(store: TestStore) {
    let storage = &store.storage;
    let key = store.key("broken.tar.gz");
    // More than a part is sent before the source fails, so a part was already stored.
    let content = varied_bytes(6 * 1024 * 1024);
    let failing =
        chunked(&content).chain(stream::iter([Err(std::io::Error::other("the archive could not be read"))]));

    let outcome = storage.upload(&key, failing).await;
    assert!(
        matches!(&outcome, Err(StorageError::Source(error)) if error.to_string().contains("could not be read")),
        "{outcome:?}"
    );
    assert!(!storage.exists(&key).await.expect("exists"), "no object under the key");
    assert!(storage.list(&store.prefix, None, 10).await.expect("list").objects.is_empty());
    assert_eq!(store.unfinished_uploads().await, Vec::<String>::new(), "nothing left half-uploaded");
}

async fn an_upload_dropped_midway_leaves_nothing_behind(store: TestStore) {
    let storage = &store.storage;
    let key = store.key("dropped.tar.gz");
    // More than a part, then a source that never ends: the upload is
    // dropped while it waits, as a server stopping drops it.
    let endless = chunked(&varied_bytes(6 * 1024 * 1024)).chain(stream::pending());
    let waited = tokio::time::timeout(Duration::from_secs(3), storage.upload(&key, endless)).await;
    assert!(waited.is_err(), "the upload still waited for its source");
    // The abort goes out after the drop.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let left = store.unfinished_uploads().await;
        if left.is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "left half-uploaded: {left:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!storage.exists(&key).await.expect("exists"), "no object under the key");
}

/// Each check, once per backend: `local::<check>` and `s3::<check>`.
macro_rules! on_both_backends {
    ($($check:ident),+ $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $check() {
                    super::$check(super::TestStore::local()).await;
                }
            )+
        }

        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $check() {
                    super::$check(super::TestStore::s3().await).await;
                }
            )+
        }
    };
}

on_both_backends!(
    a_large_upload_arrives_whole_and_reads_back_by_range,
    a_listing_pages_through_its_prefix_in_key_order_and_nothing_else,
    deleting_removes_exactly_what_was_asked,
    a_failing_source_leaves_no_object_behind,
    an_upload_dropped_midway_leaves_nothing_behind,
);

#[test]
fn keys_out_of_their_place_are_refused() {
    for key in ["../x", "/abs", "builds/../../etc/passwd", "builds//x", ""] {
        let refused = ObjectKey::parse(key).expect_err(key);
        assert!(refused.to_string().contains("is not a valid object key"), "{refused}");
    }
    assert_eq!(ObjectKey::parse("builds/1/artifacts.tar.gz").unwrap().as_str(), "builds/1/artifacts.tar.gz");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_presigned_link_downloads_without_credentials_under_the_file_name() {
    let store = TestStore::s3().await;
    let key = store.key("artifacts.tar.gz");
    let content = varied_bytes(100_000);
    store.storage.put(&key, Bytes::from(content.clone())).await.expect("put");

    let link = store
        .storage
        .download_url(&key, Uuid::now_v7(), "Todo app-0193.tar.gz", Duration::from_secs(60))
        .await
        .expect("a download link");
    let DownloadUrl::Presigned(url) = link else { panic!("S3 presigns its own links: {link:?}") };
    assert!(url.starts_with(&common::test_s3().endpoint), "{url}");

    let response = reqwest::get(&url).await.expect("fetch the link");
    assert_eq!(response.status(), 200, "{url}");
    let disposition = response
        .headers()
        .get("content-disposition")
        .map(|value| value.to_str().expect("an ASCII header").to_owned());
    let bytes = response.bytes().await.expect("read the download");
    assert!(bytes == content, "the link gives the object's bytes");
    let disposition = disposition.expect("the service names the download");
    assert!(disposition.contains("filename=\"Todo app-0193.tar.gz\""), "{disposition}");
}

/// A router whose downloads come from `storage`, with nobody signed in.
async fn app_serving(storage: &Storage) -> (common::BuildApp, common::TestDatabase) {
    let database = common::migrated_database().await;
    let setup = BuildSetup { storage: storage.clone(), ..common::idle_build_setup() };
    (common::build_app(&database, setup), database)
}

/// The message of a refusal, after checking it is a 403 in the API's shape.
fn refusal(response: &common::TestResponse) -> String {
    assert_eq!(response.status, 403, "{}", response.body);
    let body = response.json();
    assert_eq!(body["error"]["code"], "forbidden", "{}", response.body);
    body["error"]["message"].as_str().expect("a message").to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_local_link_downloads_without_a_session_under_the_file_name() {
    let store = TestStore::local();
    let key = store.key("artifacts.tar.gz");
    let content = varied_bytes(100_000);
    store.storage.put(&key, Bytes::from(content.clone())).await.expect("put");
    let (app, _database) = app_serving(&store.storage).await;

    let link = store
        .storage
        .download_url(&key, Uuid::now_v7(), "Todo app ✓.tar.gz", Duration::from_secs(60))
        .await
        .expect("a download link");
    let DownloadUrl::Local(path) = link else { panic!("the local backend signs its own links: {link:?}") };
    assert!(path.starts_with("/api/storage/"), "{path}");

    let response = common::get(&app.router, &path).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.bytes == content, "the link gives the object's bytes");
    Contract::served_by(&app.router).await.assert_honoured("get", "/api/storage/{key}", &response);
    assert_eq!(response.headers["content-type"], "application/gzip");
    let disposition = response.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("filename*=UTF-8''Todo%20app%20%E2%9C%93.tar.gz"), "{disposition}");

    // An interrupted download resumes where it stopped (`curl -C -`, `wget -c`).
    let resume = axum::http::Request::get(&path)
        .header("range", "bytes=60000-")
        .body(axum::body::Body::empty())
        .unwrap();
    let rest = common::send(&app.router, resume).await;
    assert_eq!(rest.status, 206, "{}", rest.body);
    assert_eq!(rest.headers["content-range"], "bytes 60000-99999/100000");
    assert!(rest.bytes == content[60_000..], "the rest of the object's bytes");
    Contract::served_by(&app.router).await.assert_honoured("get", "/api/storage/{key}", &rest);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_download_link_is_refused() {
    let store = TestStore::local();
    let key = store.key("artifacts.tar.gz");
    let other_key = store.key("other.tar.gz");
    for key in [&key, &other_key] {
        store.storage.put(key, Bytes::from_static(b"private bytes")).await.expect("put");
    }
    let (app, _database) = app_serving(&store.storage).await;
    let owner = Uuid::now_v7();
    let link = store
        .storage
        .download_url(&key, owner, "todo.tar.gz", Duration::from_secs(60))
        .await
        .expect("a download link");
    let DownloadUrl::Local(path) = link else { panic!("the local backend signs its own links: {link:?}") };
    assert_eq!(common::get(&app.router, &path).await.status, 200, "the link as made works");

    let (_, signature) = path.rsplit_once("signature=").expect("a signature");
    let flipped = format!("{}{}", if signature.starts_with('0') { "1" } else { "0" }, &signature[1..]);
    let tampered = [
        ("a changed signature", path.replace(signature, &flipped)),
        ("another object", path.replace(key.as_str(), other_key.as_str())),
        ("another file name", path.replace("name=todo.tar.gz", "name=evil.html")),
        ("another owner", path.replace(&owner.to_string(), &Uuid::now_v7().to_string())),
    ];
    for (change, tampered) in tampered {
        assert_ne!(tampered, path, "{change} changes the link");
        let message = refusal(&common::get(&app.router, &tampered).await);
        assert!(message.contains("This download link is not valid"), "{change}: {message}");
        assert!(message.contains("changed"), "{change}: {message}");
    }

    let missing = path.split_once("&signature=").expect("a signature").0.to_owned();
    let message = refusal(&common::get(&app.router, &missing).await);
    assert!(message.contains("missing its signature"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_download_link_is_refused_saying_where_to_get_a_new_one() {
    let store = TestStore::local();
    let key = store.key("artifacts.tar.gz");
    store.storage.put(&key, Bytes::from_static(b"old bytes")).await.expect("put");
    let (app, _database) = app_serving(&store.storage).await;

    let an_hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    let path = store.storage.local_signer().sign(&key, Uuid::now_v7(), an_hour_ago, "todo.tar.gz");
    let message = refusal(&common::get(&app.router, &path).await);
    assert!(message.contains("expired"), "{message}");
    assert!(message.contains("build page"), "{message}");
}

/// The S3 server behind a relay that passes its answers on slowly, 16 KiB
/// every `pause`, and nothing at all while `stalled`.
async fn slow_s3_relay(pause: Duration, stalled: Arc<AtomicBool>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let endpoint = reqwest::Url::parse(&common::test_s3().endpoint).expect("TEST_S3_ENDPOINT is a URL");
    let target = endpoint.socket_addrs(|| None).expect("TEST_S3_ENDPOINT names a host")[0];
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port for the relay");
    let address = listener.local_addr().expect("the relay's address");
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let stalled = stalled.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(target).await else { return };
                let ((mut client_reads, mut client_writes), (mut server_reads, mut server_writes)) =
                    (client.into_split(), server.into_split());
                tokio::spawn(async move { tokio::io::copy(&mut client_reads, &mut server_writes).await });
                let mut piece = vec![0; 16 * 1024];
                while let Ok(read @ 1..) = server_reads.read(&mut piece).await {
                    tokio::time::sleep(pause).await;
                    while stalled.load(Ordering::SeqCst) {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    if client_writes.write_all(&piece[..read]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_s3_read_takes_as_long_as_its_object_needs_and_fails_only_when_it_stalls() {
    let store = TestStore::s3().await;
    let Backend::S3 { bucket } = &store.backend else { unreachable!("an S3 store") };
    let key = store.key("archive.tar.gz");
    let content = varied_bytes(768 * 1024);
    store.storage.put(&key, Bytes::from(content.clone())).await.expect("put");
    let stalled = Arc::new(AtomicBool::new(false));
    let endpoint = slow_s3_relay(Duration::from_millis(150), stalled.clone()).await;
    // A request may take 1 s in all, a read may wait 1 s for its next byte.
    let timeouts = S3Timeouts { request: Duration::from_secs(1), read_stall: Duration::from_secs(1) };
    let slow = common::s3_storage_at(&endpoint, bucket, Some(timeouts));

    // 48 pieces 150 ms apart: about 7 s, more than a request and its three
    // retries may take together.
    let started = std::time::Instant::now();
    let (_, read) = read_all(&slow, &key, None).await;
    assert!(started.elapsed() > 4 * timeouts.request, "the read took {:?}", started.elapsed());
    assert!(read == content, "the slow read gives the object's bytes");

    // A read whose answer stops coming fails instead of waiting for ever.
    let download = slow.download(&key, None).await.expect("the answer begins");
    stalled.store(true, Ordering::SeqCst);
    let mut body = download.body;
    let ended = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match body.next().await {
                Some(Ok(_)) => continue,
                Some(Err(error)) => break Some(error),
                None => break None,
            }
        }
    })
    .await
    .expect("a stalled read ends within a minute");
    stalled.store(false, Ordering::SeqCst);
    let error = ended.expect("a stalled read fails rather than ending as if whole");
    assert!(matches!(error, StorageError::Unavailable(_)), "{error:?}");
}
