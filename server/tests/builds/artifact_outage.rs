//! Storage stopped when a build's work is archived: the build still ends as
//! it ran, the archive is marked failed saying why, and once storage is
//! back a retry stores it and the owner downloads it from S3 intact.

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::model::artifacts::{ArtifactInfo, ArtifactState};
use app::model::builds::{BuildEvent, BuildStatus, Severity};
use common::contract::Contract;
use common::{
    api, build_app, build_setup_with, create_spec, get_as, local_sandbox_engine, migrated_database,
    new_s3_bucket, s3_storage_at, sha256_hex, sign_up, start_build, stored_events, test_build_settings,
    test_s3, wait_for_artifact, wait_for_build, As,
};
use offline_agent::OfflineAgent;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

const SPEC: &str = "# Notes\n\nA small app to keep notes.\n\n## Features\n- Add a note\n- Remove a note\n";

/// Seconds an offline build or an upload may take on a busy 2-core machine.
const LIMIT: Duration = Duration::from_secs(180);

/// The S3 server as the platform reaches it: a TCP forwarder on a port of
/// its own that can be switched down (connections refused, open ones cut)
/// and up again on the same port.
struct StorageSwitch {
    address: SocketAddr,
    target: SocketAddr,
    running: Option<(CancellationToken, JoinHandle<()>)>,
}

impl StorageSwitch {
    /// Up, forwarding to `target`.
    async fn start(target: SocketAddr) -> Self {
        let listener = listen(SocketAddr::from(([127, 0, 0, 1], 0)));
        let address = listener.local_addr().expect("the forwarder's address");
        let mut switch = Self { address, target, running: None };
        switch.serve(listener);
        switch
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops accepting (the port refuses connections) and cuts every open
    /// connection; answers once both are done.
    async fn down(&mut self) {
        if let Some((stop, forwarding)) = self.running.take() {
            stop.cancel();
            forwarding.await.expect("the forwarder stops cleanly");
        }
    }

    /// Listens on the same port again.
    fn up(&mut self) {
        assert!(self.running.is_none(), "the storage is already up");
        let listener = listen(self.address);
        self.serve(listener);
    }

    fn serve(&mut self, listener: TcpListener) {
        let stop = CancellationToken::new();
        let forwarding = tokio::spawn(forward(listener, self.target, stop.clone()));
        self.running = Some((stop, forwarding));
    }
}

impl Drop for StorageSwitch {
    fn drop(&mut self) {
        if let Some((stop, _)) = &self.running {
            stop.cancel();
        }
    }
}

/// A listener on `address`; reusable at once after the last one closed.
fn listen(address: SocketAddr) -> TcpListener {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket.bind(address).unwrap_or_else(|error| panic!("bind {address}: {error}"));
    socket.listen(128).expect("listen")
}

/// Forwards each accepted connection to `target` until `stop`, then drops
/// the listener and every connection.
async fn forward(listener: TcpListener, target: SocketAddr, stop: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => {
                let Ok((mut client, _)) = accepted else { continue };
                connections.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

fn s3_address() -> SocketAddr {
    let endpoint = reqwest::Url::parse(&test_s3().endpoint).expect("TEST_S3_ENDPOINT is a URL");
    endpoint.socket_addrs(|| None).expect("TEST_S3_ENDPOINT names a host")[0]
}

#[tokio::test(flavor = "multi_thread")]
async fn an_archive_that_failed_while_storage_was_down_is_stored_by_a_retry_once_it_is_back() {
    let database = migrated_database().await;
    let bucket = new_s3_bucket().await;
    let mut switch = StorageSwitch::start(s3_address()).await;
    let mut setup = build_setup_with(
        test_build_settings(1),
        Arc::new(local_sandbox_engine()),
        Arc::new(OfflineAgent::new(Duration::ZERO)),
    );
    setup.storage = s3_storage_at(&switch.endpoint(), &bucket, None);
    let app = build_app(&database, setup);
    let user = sign_up(&app.router, "outage@example.com").await;
    let spec = create_spec(&app.router, &user, "Notes", SPEC).await;

    // Storage goes down before the build ends; the build itself does not need it.
    switch.down().await;
    let queued = start_build(&app.router, &user, spec["id"].as_str().unwrap()).await;
    let build = wait_for_build(&app.router, &user, queued.id, LIMIT, |build| build.status.is_final()).await;
    assert_eq!(build.status, BuildStatus::Completed, "the build's own status is unaffected: {build:#?}");

    let failed = wait_for_artifact(&app.router, &user, build.id, LIMIT).await;
    assert_eq!(failed.state, ArtifactState::Failed, "{failed:#?}");
    let message = failed.message.as_deref().expect("a failed archive says why");
    assert!(message.contains("could not be archived"), "{message}");
    assert!(message.contains("storage is unavailable"), "{message}");
    assert!(message.contains("retry"), "{message}");
    assert_eq!(failed.sha256, None);
    let events = stored_events(&database.pool, build.id).await;
    assert!(
        events.iter().any(|stored| matches!(
            &stored.event,
            BuildEvent::Error { severity: Severity::Error, message: said, .. } if said == message
        )),
        "the build's log says the archive failed: {:#?}",
        events.last()
    );
    let early =
        api(&app.router, "GET", &format!("/api/builds/{}/artifacts", build.id), As::User(&user), None).await;
    assert_eq!(early.status, 404, "{}", early.body);
    assert!(
        early.json()["error"]["message"].as_str().unwrap().contains("Retry the upload"),
        "{}",
        early.body
    );

    // Back up: a retry is accepted and stores the archive.
    switch.up();
    let retry_path = format!("/api/builds/{}/artifacts/retry", build.id);
    let retried = api(&app.router, "POST", &retry_path, As::User(&user), None).await;
    assert_eq!(retried.status, 202, "{}", retried.body);
    let contract = Contract::served_by(&app.router).await;
    contract.assert_honoured("post", "/api/builds/{id}/artifacts/retry", &retried);
    let queued_again: ArtifactInfo = common::body_as(&retried);
    assert!(
        matches!(
            queued_again.state,
            ArtifactState::Pending | ArtifactState::Uploading | ArtifactState::Stored
        ),
        "{queued_again:#?}"
    );
    let stored = wait_for_artifact(&app.router, &user, build.id, LIMIT).await;
    assert_eq!(stored.state, ArtifactState::Stored, "{stored:#?}");
    let sha256 = stored.sha256.clone().expect("a stored archive has a checksum");

    // The owner is sent to S3 with a presigned URL, which gives the archive intact.
    let download = get_as(&app.router, &format!("/api/builds/{}/artifacts", build.id), As::User(&user)).await;
    assert!(
        matches!(download.status, 302 | 303 | 307),
        "a redirect to storage: {} {}",
        download.status,
        download.body
    );
    contract.assert_honoured("get", "/api/builds/{id}/artifacts", &download);
    let location = download.headers["location"].to_str().expect("an ASCII location");
    assert!(location.starts_with(&switch.endpoint()), "{location}");
    let fetched = reqwest::get(location).await.expect("fetch the presigned URL");
    assert_eq!(fetched.status(), 200, "{location}");
    let bytes = fetched.bytes().await.expect("read the archive");
    assert_eq!(Some(bytes.len() as i64), stored.size_bytes);
    assert_eq!(sha256_hex(&bytes), sha256, "the archive is intact");

    // A stored archive has nothing to retry.
    let again = api(&app.router, "POST", &retry_path, As::User(&user), None).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.json()["error"]["message"].as_str().unwrap().contains("already stored"), "{}", again.body);
}
