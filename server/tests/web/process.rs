//! The server binary as an operator runs it: it refuses bad settings, migrates
//! the database at start-up, serves, and stops cleanly on SIGTERM.

use crate::common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = env!("CARGO_BIN_EXE_server");

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A command for the server binary with nothing inherited from the
/// developer's `.env` or environment that could change its behaviour.
fn server_command() -> Command {
    let mut command = Command::new(SERVER);
    // An empty working directory, so no `.env` is found; one for all runs,
    // so runs leave nothing behind.
    let scratch = std::env::temp_dir().join("agents-platform-process-tests");
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    command
        .current_dir(scratch)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        // Tests run side by side; none of these looks at previews.
        .env("PREVIEW_ADDR", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn refuses_to_start_and_names_every_invalid_setting() {
    let output = server_command()
        .env("DATABASE_URL", "postgres://app:s3cret@127.0.0.1:1/app")
        .env("DATABASE_MAX_CONNECTIONS", "lots")
        .env("LOG_FORMAT", "yaml")
        .output()
        .expect("run the server");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DATABASE_MAX_CONNECTIONS=\"lots\" is invalid"), "{stderr}");
    assert!(stderr.contains("LOG_FORMAT=\"yaml\" is invalid"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "the password leaked: {stderr}");
}

#[test]
fn refuses_to_start_without_a_database_url() {
    let output = server_command().output().expect("run the server");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_URL is not set"));
}

#[tokio::test(flavor = "multi_thread")]
async fn migrates_serves_and_stops_cleanly_on_sigterm() {
    let database_url = common::empty_database().await;
    let port = free_port();
    let mut child = server_command()
        .env("DATABASE_URL", &database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .spawn()
        .expect("start the server");

    let ready_url = format!("http://127.0.0.1:{port}/readyz");
    let started = Instant::now();
    loop {
        if let Ok(status) = http_status(&ready_url) {
            assert_eq!(status, 200, "a migrated database is ready");
            break;
        }
        if let Some(status) = child.try_wait().expect("poll") {
            panic!("the server exited early with {status}: {}", read_all(child.stderr.take()));
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not come up");
        std::thread::sleep(Duration::from_millis(200));
    }

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll") {
            break status;
        }
        assert!(stopped.elapsed() < Duration::from_secs(15), "the server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    let logs = read_all(child.stdout.take());
    assert!(status.success(), "exit status {status}; logs:\n{logs}");
    assert!(logs.contains("applied database migrations"), "{logs}");
    assert!(logs.contains("SIGTERM received"), "{logs}");
    // Structured logs: every line is one JSON object.
    for line in logs.lines().filter(|line| !line.trim().is_empty()) {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
    }
}

/// A minimal HTTP/1.1 GET, so the test needs no HTTP client crate.
fn http_status(url: &str) -> std::io::Result<u16> {
    use std::io::Write;
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).expect("path");
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))
}

fn read_all(pipe: Option<impl Read>) -> String {
    let mut text = String::new();
    if let Some(mut pipe) = pipe {
        let _ = pipe.read_to_string(&mut text);
    }
    text
}

/// The server binary run as `nobody`, who can write neither cgroups nor
/// mount disks: build limits cannot be enforced there.
fn server_as_nobody(data_dir: &std::path::Path) -> Command {
    let mut as_nobody = Command::new("setpriv");
    as_nobody
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(SERVER)
        .current_dir(data_dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .env("DATA_DIR", data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    as_nobody
}

#[tokio::test(flavor = "multi_thread")]
async fn without_cgroups_and_disks_it_refuses_to_start_unless_unlimited_builds_are_allowed() {
    let database_url = common::empty_database().await;
    let data_dir =
        std::env::temp_dir().join(format!("agents-platform-nobody-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&data_dir).expect("a data dir");
    assert!(Command::new("chown").arg("65534:65534").arg(&data_dir).status().expect("chown").success());

    let refused =
        server_as_nobody(&data_dir).env("DATABASE_URL", &database_url).output().expect("run the server");
    // The reason is logged (standard output) before the server exits.
    let said =
        format!("{}{}", String::from_utf8_lossy(&refused.stdout), String::from_utf8_lossy(&refused.stderr));
    assert!(!refused.status.success(), "{said}");
    assert!(said.contains("cannot be enforced here"), "{said}");
    assert!(said.contains("SANDBOX_ALLOW_UNLIMITED=true"), "{said}");

    let port = free_port();
    let mut child = server_as_nobody(&data_dir)
        .env("DATABASE_URL", &database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("SANDBOX_ALLOW_UNLIMITED", "true")
        .spawn()
        .expect("start the server");
    let started = Instant::now();
    while http_status(&format!("http://127.0.0.1:{port}/readyz")).is_err() {
        if let Some(status) = child.try_wait().expect("poll") {
            panic!("the server exited with {status}: {}", read_all(child.stderr.take()));
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not come up");
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    let logs = read_all(child.stdout.take());
    assert!(logs.contains("SANDBOX_ALLOW_UNLIMITED is on"), "the server says what it runs without: {logs}");
    let _ = std::fs::remove_dir_all(&data_dir);
}
