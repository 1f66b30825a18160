//! An ended build's archive put in storage as the archiver would have,
//! for tests of what is shown or served from it.

use server::db::DbPool;

/// Stores an archive of one file, `README.md`, and its manifest for
/// `build` in `objects`, as the archiver would have.
pub async fn store_readme_archive(pool: &DbPool, objects: &std::path::Path, build: &str) {
    use sha2::Digest;
    let mut tar =
        tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    let readme = b"# owned\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(readme.len() as u64);
    header.set_mode(0o644);
    tar.append_data(&mut header, "README.md", &readme[..]).unwrap();
    let archive = tar.into_inner().unwrap().finish().unwrap();
    let sha256 = hex::encode(sha2::Sha256::digest(&archive));
    let storage = super::local_storage(objects);
    let id: uuid::Uuid = build.parse().unwrap();
    storage.put(&server::builds::artifacts::archive_key(id), archive.clone().into()).await.unwrap();
    let manifest = serde_json::json!({
        "format": 1, "build_id": build, "spec_name": "owned", "status": "cancelled",
        "created_at": "2026-12-02T00:00:00Z", "finished_at": null, "platform_version": "test",
        "archive": { "key": format!("builds/{build}/artifacts.tar.gz"), "size_bytes": archive.len(), "sha256": sha256,
                     "file_count": 1, "git_files": 0, "git_bytes": 0, "excluded": [] },
        "files": [{ "path": "README.md", "size_bytes": readme.len(), "sha256": hex::encode(sha2::Sha256::digest(readme)), "is_text": true }],
        "features": [], "commits": [], "sessions": [], "model": "offline", "input_tokens": 0, "output_tokens": 0,
        "sandbox": { "isolation": "bubblewrap", "network": "none", "allowed_hosts": [], "command_timeout_secs": 1,
                     "cpu_seconds": 1, "memory_bytes": 1, "max_processes": 1, "cpu_millis": 1000, "disk_bytes": 1 }
    });
    let manifest = serde_json::to_vec(&manifest).unwrap();
    storage.put(&server::builds::artifacts::manifest_key(id), manifest.into()).await.unwrap();
    super::run_sql(
        pool,
        &format!(
            "INSERT INTO build_artifacts (build_id, state, object_key, size_bytes, sha256, file_count, stored_at)
             VALUES ('{build}', 'stored', 'builds/{build}/artifacts.tar.gz', {}, '{sha256}', 1, now())",
            archive.len()
        ),
    )
    .await;
}
