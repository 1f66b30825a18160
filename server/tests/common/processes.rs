//! The real `server` binary as a child process, for the tests that kill a
//! server with SIGKILL mid-build and start another: a scratch folder for its
//! data, the process itself (killed when dropped, whatever the test did),
//! and signing up over HTTP as a browser would.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub const SERVER: &str = env!("CARGO_BIN_EXE_server");

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A scratch folder removed at the end of the test, with any disk a killed
/// server left mounted beneath it.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{name}-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("scratch");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Sandbox disks are loop mounts: a server killed with SIGKILL never unmounts its own.
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        let beneath: Vec<&str> = mounts
            .lines()
            .filter_map(|line| line.split(' ').nth(1))
            .filter(|point| Path::new(point).starts_with(&self.0))
            .collect();
        for point in beneath.iter().rev() {
            let _ = Command::new("umount").arg("-l").arg(point).status();
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `server` binary; killed (SIGKILL) and reaped when dropped.
pub struct ServerProcess {
    child: Child,
    pub base: String,
}

impl ServerProcess {
    /// Starts the binary on `port` with the offline agent, quick leases and
    /// its data in `data_dir`, plus `env`; its output goes to `log` (a full
    /// pipe would stall it).
    pub fn start(database_url: &str, port: u16, data_dir: &Path, log: &Path, env: &[(&str, String)]) -> Self {
        let log = std::fs::File::create(log).expect("a log file");
        std::fs::create_dir_all(data_dir).expect("a data folder");
        let child = Command::new(SERVER)
            .current_dir(data_dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "agents-platform")
            .env("DATA_DIR", data_dir)
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env("LLM_PROVIDER", "offline")
            .env("BUILD_LEASE_SECS", "3")
            // A preview origin of its own: two servers side by side must not share one.
            .env("PREVIEW_ADDR", format!("127.0.0.1:{}", free_port()))
            .envs(env.iter().map(|(name, value)| (*name, value.as_str())))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start the server");
        Self { child, base: format!("http://127.0.0.1:{port}") }
    }

    pub async fn wait_until_ready(&mut self, client: &reqwest::Client) {
        let started = Instant::now();
        loop {
            if let Ok(response) = client.get(format!("{}/readyz", self.base)).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            if let Some(status) = self.child.try_wait().expect("poll") {
                panic!("the server exited early with {status}");
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the server did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, as an operator or systemd stops it; answers how long it
    /// took to exit, or `None` if it was still running after `limit`.
    pub fn terminate(&mut self, limit: Duration) -> Option<Duration> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        assert!(sent.success(), "could not signal the server");
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.child.try_wait().expect("poll").is_some() {
                return Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// SIGKILL: no shutdown, no lease given back.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs up through the server's form endpoint; answers the session cookie.
pub async fn sign_up_over_http(client: &reqwest::Client, base: &str, email: &str) -> String {
    let signed_up = client
        .post(format!("{base}/fn/sign_up"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            serde_urlencoded::to_string([
                ("email", email),
                ("display_name", "Tester"),
                ("password", super::PASSWORD),
            ])
            .expect("a form"),
        )
        .send()
        .await
        .expect("sign up");
    assert_eq!(signed_up.status(), 200);
    signed_up
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_owned))
        .find(|pair| pair.starts_with("agents_session="))
        .expect("a session cookie")
}

/// Creates a spec and starts a build of it over REST.
pub async fn start_build_over_http(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    spec: &str,
) -> app::model::builds::BuildDetail {
    let spec: serde_json::Value = client
        .post(format!("{base}/api/specs"))
        .header("cookie", cookie)
        .json(&serde_json::json!({ "name": "Notes", "content": spec }))
        .send()
        .await
        .expect("create a spec")
        .json()
        .await
        .expect("a spec");
    client
        .post(format!("{base}/api/builds"))
        .header("cookie", cookie)
        .json(&serde_json::json!({ "spec_id": spec["id"] }))
        .send()
        .await
        .expect("start a build")
        .json()
        .await
        .expect("a build")
}

pub async fn build_detail(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    id: uuid::Uuid,
) -> app::model::builds::BuildDetail {
    let response = client
        .get(format!("{base}/api/builds/{id}"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("get the build");
    response.json().await.expect("a build")
}

/// The build once it has ended, read over HTTP until then; fails the test,
/// saying `what` and where the build stood, after `limit`.
pub async fn final_build_detail(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    id: uuid::Uuid,
    limit: Duration,
    what: &str,
) -> app::model::builds::BuildDetail {
    let deadline = Instant::now() + limit;
    loop {
        let detail = build_detail(client, base, cookie, id).await;
        if detail.status.is_final() {
            return detail;
        }
        assert!(Instant::now() < deadline, "{what}: {detail:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
