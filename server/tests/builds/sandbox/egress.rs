//! The egress path end to end: curl run by the real `sandbox-forwarder`,
//! through the proxy on a Unix socket, to a test server on loopback.
//! Needs curl (/usr/bin/curl), not PostgreSQL.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use server::sandbox::egress::{
    parse_host_list, serve, EgressOutcome, EgressPolicy, EgressRecord, StaticResolver,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

const FORWARDER: &str = env!("CARGO_BIN_EXE_sandbox-forwarder");
const BIG_BODY_BYTES: usize = 2 * 1024 * 1024;

/// A proxy that allows `allowed.test` (on loopback) and an origin server
/// behind it answering `/hello` and `/big`.
struct Egress {
    dir: PathBuf,
    socket: PathBuf,
    origin: SocketAddr,
    records: mpsc::Receiver<EgressRecord>,
    cancel: CancellationToken,
    _tasks: JoinSet<()>,
}

impl Egress {
    async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("egress-test-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let socket = dir.join("egress.sock");
        let listener = UnixListener::bind(&socket).expect("a Unix socket");
        let policy = EgressPolicy {
            allowed_hosts: parse_host_list("pypi.org").expect("valid patterns"),
            private_hosts: parse_host_list("allowed.test").expect("valid patterns"),
            resolver: Arc::new(StaticResolver::new().with("allowed.test", [IpAddr::V4(Ipv4Addr::LOCALHOST)])),
            connect_timeout: Duration::from_secs(5),
        };
        let (sender, records) = mpsc::channel(64);
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let proxy_cancel = cancel.clone();
        tasks.spawn(async move {
            serve(listener, Arc::new(policy), sender, proxy_cancel).await;
        });
        let origin_listener = TcpListener::bind("127.0.0.1:0").await.expect("an origin server");
        let origin = origin_listener.local_addr().expect("its address");
        tasks.spawn(serve_origin(origin_listener));
        Self { dir, socket, origin, records, cancel, _tasks: tasks }
    }

    fn origin_url(&self, path: &str) -> String {
        format!("http://allowed.test:{}{path}", self.origin.port())
    }

    /// Runs `program args…` under the forwarder.
    async fn run_forwarded(&self, port: u16, program: &[&str]) -> Output {
        self.run_wrapped(&[], port, program).await
    }

    /// Runs `wrapper… forwarder tcp:port unix:socket -- program args…`.
    async fn run_wrapped(&self, wrapper: &[&str], port: u16, program: &[&str]) -> Output {
        let mut command = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut command = tokio::process::Command::new(first);
                command.args(rest).arg(FORWARDER);
                command
            }
            None => tokio::process::Command::new(FORWARDER),
        };
        let run = command
            .arg(format!("tcp:{port}"))
            .arg(format!("unix:{}", self.socket.display()))
            .arg("--")
            .args(program)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .kill_on_drop(true)
            .output();
        tokio::time::timeout(Duration::from_secs(30), run)
            .await
            .expect("the forwarder finishes in time")
            .expect("the forwarder runs")
    }

    /// Runs curl through the forwarder with the proxy set.
    async fn curl(&self, args: &[&str]) -> Output {
        let port = free_port();
        let proxy = format!("http://127.0.0.1:{port}");
        let mut program = vec!["/usr/bin/curl", "-sS", "--max-time", "20", "-x", &proxy];
        program.extend_from_slice(args);
        self.run_forwarded(port, &program).await
    }

    async fn next_record(&mut self) -> EgressRecord {
        tokio::time::timeout(Duration::from_secs(5), self.records.recv())
            .await
            .expect("a record in time")
            .expect("the proxy is running")
    }
}

impl Drop for Egress {
    fn drop(&mut self) {
        self.cancel.cancel();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Answers `GET /hello` with `hello`, `GET /big` with 2 MiB, anything else 404.
async fn serve_origin(listener: TcpListener) {
    let mut connections = JoinSet::new();
    while let Ok((mut stream, _)) = listener.accept().await {
        connections.spawn(async move {
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read_u8().await {
                    Ok(byte) => head.push(byte),
                    Err(_) => return,
                }
            }
            let body = if head.starts_with(b"GET /hello ") {
                b"hello\n".to_vec()
            } else if head.starts_with(b"GET /big ") {
                vec![b'x'; BIG_BODY_BYTES]
            } else {
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").await;
                return;
            };
            let head =
                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
        });
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn assert_success(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&output.stderr));
}

#[tokio::test]
async fn plain_http_request_reaches_an_allowed_host_through_the_forwarder() {
    let mut egress = Egress::start().await;
    let output = egress.curl(&[&egress.origin_url("/hello")]).await;
    assert_success(&output);
    assert_eq!(stdout(&output), "hello\n");
    let record = egress.next_record().await;
    assert_eq!(
        record,
        EgressRecord {
            host: "allowed.test".into(),
            port: egress.origin.port(),
            outcome: EgressOutcome::Allowed
        }
    );
}

#[tokio::test]
async fn connect_tunnel_reaches_an_allowed_host_through_the_forwarder() {
    let mut egress = Egress::start().await;
    let output = egress.curl(&["--proxytunnel", &egress.origin_url("/hello")]).await;
    assert_success(&output);
    assert_eq!(stdout(&output), "hello\n");
    assert_eq!(egress.next_record().await.outcome, EgressOutcome::Allowed);
}

#[tokio::test]
async fn large_bodies_and_parallel_connections_are_relayed_whole() {
    let egress = Egress::start().await;
    let big = egress.origin_url("/big");
    let mut args = vec!["--parallel", "--parallel-max", "8", "-w", "%{size_download}\\n"];
    for _ in 0..8 {
        args.extend_from_slice(&["-o", "/dev/null", &big]);
    }
    let output = egress.curl(&args).await;
    assert_success(&output);
    let sizes: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    assert_eq!(sizes, vec![BIG_BODY_BYTES.to_string(); 8]);
}

#[tokio::test]
async fn host_off_the_list_is_refused_with_403_and_a_denied_record() {
    let mut egress = Egress::start().await;
    let output = egress.curl(&["-o", "/dev/null", "-w", "%{http_code}", "http://evil.example/"]).await;
    assert_success(&output);
    assert_eq!(stdout(&output), "403");
    let record = egress.next_record().await;
    assert_eq!(record.host, "evil.example");
    assert!(matches!(record.outcome, EgressOutcome::Denied(_)), "{record:?}");
}

#[tokio::test]
async fn forwarder_exits_as_its_program_did() {
    let egress = Egress::start().await;
    let exited = egress.run_forwarded(free_port(), &["sh", "-c", "exit 7"]).await;
    assert_eq!(exited.status.code(), Some(7));
    let killed = egress.run_forwarded(free_port(), &["sh", "-c", "kill -TERM $$"]).await;
    assert_eq!(killed.status.code(), Some(128 + 15));
    let missing = egress.run_forwarded(free_port(), &["/nonexistent/program"]).await;
    assert_eq!(missing.status.code(), Some(127));
}

#[tokio::test]
async fn forwarder_that_cannot_listen_exits_125() {
    let egress = Egress::start().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("its address").port();
    let output = egress.run_forwarded(port, &["true"]).await;
    assert_eq!(output.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot listen"), "{output:?}");
}

#[tokio::test]
async fn command_without_network_reaches_the_allowed_host_only_through_the_forwarder() {
    let mut egress = Egress::start().await;
    let dir = egress.dir.to_str().expect("a UTF-8 temp dir").to_owned();
    // As the sandbox engine runs commands: no network namespace of its own
    // but loopback, the proxy's socket bind-mounted in.
    let bwrap = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev"];
    let sandbox: Vec<&str> =
        bwrap.into_iter().chain(["--proc", "/proc", "--bind", &dir, &dir, "--"]).collect();
    let port = free_port();
    let proxy = format!("http://127.0.0.1:{port}");
    let url = egress.origin_url("/hello");
    let direct = format!("http://127.0.0.1:{}/hello", egress.origin.port());
    // The origin is out of reach directly (curl exits 7: cannot connect),
    // and reachable through the forwarder.
    let script = format!(
        "curl -s --max-time 5 {direct}; echo \"direct: $?\"; curl -sS --max-time 20 -x {proxy} {url}"
    );
    let output = egress.run_wrapped(&sandbox, port, &["sh", "-c", &script]).await;
    assert_success(&output);
    assert_eq!(stdout(&output), "direct: 7\nhello\n");
    assert_eq!(egress.next_record().await.outcome, EgressOutcome::Allowed);
}
