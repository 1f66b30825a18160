//! The egress proxy itself: serves one command's sandbox on a Unix socket,
//! asks the policy about every connection, and relays the allowed ones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixListener, UnixStream};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::policy::EgressPolicy;
use super::request::{parse_head, ProxyRequest};
use super::{EgressError, EgressOutcome, EgressRecord};

/// How long, and how much, a refused client's remaining request is read.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyLimits {
    /// Connections served at once; further ones wait in the socket's accept
    /// backlog until one ends (a build only slows itself down).
    pub max_connections: usize,
    /// A longer request head is refused (400).
    pub max_head_bytes: usize,
    /// A head not complete by then is refused (400).
    pub head_timeout: Duration,
}

impl Default for ProxyLimits {
    fn default() -> Self {
        Self { max_connections: 64, max_head_bytes: 16 * 1024, head_timeout: Duration::from_secs(10) }
    }
}

/// What the proxy did, once it has stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxySummary {
    pub connections: u64,
    /// Records not sent because `records` was full or closed.
    pub dropped_records: u64,
}

/// Serves with the default [`ProxyLimits`] until `cancel` fires.
pub async fn serve(
    listener: UnixListener,
    policy: Arc<EgressPolicy>,
    records: mpsc::Sender<EgressRecord>,
    cancel: CancellationToken,
) -> ProxySummary {
    serve_with(listener, policy, ProxyLimits::default(), records, cancel).await
}

/// Serves proxy requests on `listener` until `cancel` fires, then closes
/// every connection and tunnel before returning. Every decision is sent to
/// `records` without waiting: when it is full the record is dropped and
/// counted, so a build opening thousands of connections cannot stall it.
pub async fn serve_with(
    listener: UnixListener,
    policy: Arc<EgressPolicy>,
    limits: ProxyLimits,
    records: mpsc::Sender<EgressRecord>,
    cancel: CancellationToken,
) -> ProxySummary {
    let recorder = Arc::new(Recorder { records, dropped: AtomicU64::new(0) });
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    // Aborting a task drops its sockets, which closes its tunnel at once.
    let mut connections = JoinSet::new();
    let mut accepted = 0_u64;
    loop {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => break,
            Some(finished) = connections.join_next() => {
                if let Err(error) = finished {
                    tracing::error!(%error, "an egress connection task failed");
                }
            }
            next = accept_within(&listener, &permits) => match next {
                Ok((client, permit)) => {
                    accepted += 1;
                    let connection = Connection { policy: policy.clone(), limits, recorder: recorder.clone() };
                    connections.spawn(connection.serve(client, permit));
                }
                Err(error) => {
                    tracing::warn!(%error, "the egress proxy could not accept a connection");
                    // Out of file descriptors, say: give connections time to end.
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                }
            },
        }
    }
    connections.shutdown().await;
    ProxySummary { connections: accepted, dropped_records: recorder.dropped.load(Ordering::Relaxed) }
}

/// Waits for a free connection slot, then for a connection.
async fn accept_within(
    listener: &UnixListener,
    permits: &Arc<Semaphore>,
) -> std::io::Result<(UnixStream, OwnedSemaphorePermit)> {
    let permit = permits.clone().acquire_owned().await.expect("the connection semaphore is never closed");
    let (client, _) = listener.accept().await?;
    Ok((client, permit))
}

struct Recorder {
    records: mpsc::Sender<EgressRecord>,
    dropped: AtomicU64,
}

impl Recorder {
    fn record(&self, host: &str, port: u16, outcome: EgressOutcome) {
        let record = EgressRecord { host: host.to_owned(), port, outcome };
        if self.records.try_send(record).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One client connection from the sandbox.
struct Connection {
    policy: Arc<EgressPolicy>,
    limits: ProxyLimits,
    recorder: Arc<Recorder>,
}

impl Connection {
    async fn serve(self, mut client: UnixStream, _permit: OwnedSemaphorePermit) {
        let (request, early_bytes) = match self.read_request(&mut client).await {
            Ok(Some(request)) => request,
            // The client left before asking anything.
            Ok(None) => return,
            Err(error) => return refuse(&mut client, &error).await,
        };
        let (host, port) = request.target();
        let mut upstream = match self.policy.connect(host, port).await {
            Ok(upstream) => upstream,
            Err(error) => {
                if let Some(outcome) = error.outcome() {
                    self.recorder.record(host.as_str(), port, outcome);
                }
                return refuse(&mut client, &error).await;
            }
        };
        self.recorder.record(host.as_str(), port, EgressOutcome::Allowed);
        if let Err(error) = relay(client, &mut upstream, request, &early_bytes).await {
            tracing::debug!(%error, "an egress connection ended with an error");
        }
    }

    /// Reads the request head; `Ok(None)` when the client closes first. Also
    /// returns what the client sent after the head (body or tunnel bytes).
    async fn read_request(
        &self,
        client: &mut UnixStream,
    ) -> Result<Option<(ProxyRequest, Vec<u8>)>, EgressError> {
        let read = async {
            let mut buffer = Vec::with_capacity(4096);
            loop {
                if buffer.len() >= self.limits.max_head_bytes {
                    let limit = self.limits.max_head_bytes;
                    return Err(EgressError::BadRequest(format!("the request head is over {limit} bytes")));
                }
                // Never read past the limit, so `buffer` stays bounded.
                let room = self.limits.max_head_bytes - buffer.len();
                let read = (&mut *client).take(room as u64).read_buf(&mut buffer).await.map_err(|error| {
                    EgressError::BadRequest(format!("reading the request failed: {error}"))
                })?;
                if read == 0 {
                    return Ok(None);
                }
                if let Some((request, head_len)) = parse_head(&buffer)? {
                    return Ok(Some((request, buffer.split_off(head_len))));
                }
            }
        };
        let timeout = self.limits.head_timeout;
        tokio::time::timeout(timeout, read).await.unwrap_or_else(|_| {
            Err(EgressError::BadRequest(format!("the request head was not complete within {timeout:?}")))
        })
    }
}

/// Sends the request on and relays both ways until both sides are done.
async fn relay(
    mut client: UnixStream,
    upstream: &mut TcpStream,
    request: ProxyRequest,
    early_bytes: &[u8],
) -> std::io::Result<()> {
    match request {
        ProxyRequest::Tunnel { .. } => {
            client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await?
        }
        ProxyRequest::Forward { head, .. } => upstream.write_all(&head).await?,
    }
    upstream.write_all(early_bytes).await?;
    tokio::io::copy_bidirectional(&mut client, upstream).await?;
    Ok(())
}

/// Answers an error with its status and a one-line reason, then closes.
async fn refuse(client: &mut UnixStream, error: &EgressError) {
    let status = match error {
        EgressError::BadRequest(_) => "400 Bad Request",
        EgressError::HostNotAllowed { .. } | EgressError::AddressForbidden { .. } => "403 Forbidden",
        EgressError::Unresolvable { .. } | EgressError::Connect { .. } => "502 Bad Gateway",
        EgressError::TimedOut { .. } => "504 Gateway Timeout",
    };
    let body = format!("{error}\n");
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    // The client may be gone already; there is no one left to tell.
    let _ = client.write_all(response.as_bytes()).await;
    let _ = client.shutdown().await;
    // Closing a socket with unread data resets it, and the client may lose
    // the answer: read (a bounded amount of) what it still sends first.
    let unread = (&mut *client).take(LINGER_BYTES);
    let _ = tokio::time::timeout(LINGER, tokio::io::copy(&mut { unread }, &mut tokio::io::sink())).await;
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, SocketAddr};
    use std::path::PathBuf;

    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    use super::*;
    use crate::sandbox::egress::StaticResolver;

    /// A proxy on a Unix socket in its own scratch directory.
    struct TestProxy {
        socket: PathBuf,
        dir: PathBuf,
        records: mpsc::Receiver<EgressRecord>,
        cancel: CancellationToken,
        server: Option<JoinHandle<ProxySummary>>,
    }

    impl TestProxy {
        fn start(policy: EgressPolicy) -> Self {
            Self::start_with(policy, ProxyLimits::default(), 64)
        }

        fn start_with(policy: EgressPolicy, limits: ProxyLimits, record_capacity: usize) -> Self {
            let dir = std::env::temp_dir().join(format!("egress-proxy-test-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(&dir).expect("a scratch directory");
            let socket = dir.join("proxy.sock");
            let listener = UnixListener::bind(&socket).expect("a Unix socket");
            let (sender, records) = mpsc::channel(record_capacity);
            let cancel = CancellationToken::new();
            let server = tokio::spawn(serve_with(listener, Arc::new(policy), limits, sender, cancel.clone()));
            Self { socket, dir, records, cancel, server: Some(server) }
        }

        async fn client(&self) -> UnixStream {
            UnixStream::connect(&self.socket).await.expect("the proxy accepts")
        }

        /// Sends `request` and reads the whole answer.
        async fn ask(&self, request: &[u8]) -> String {
            let mut client = self.client().await;
            client.write_all(request).await.expect("request sent");
            read_to_end(&mut client).await
        }

        async fn next_record(&mut self) -> EgressRecord {
            tokio::time::timeout(Duration::from_secs(5), self.records.recv())
                .await
                .expect("a record in time")
                .expect("the proxy is running")
        }

        async fn stop(mut self) -> ProxySummary {
            self.cancel.cancel();
            let server = self.server.take().expect("started");
            tokio::time::timeout(Duration::from_secs(5), server)
                .await
                .expect("the proxy stops promptly")
                .expect("the proxy did not panic")
        }
    }

    impl Drop for TestProxy {
        fn drop(&mut self) {
            self.cancel.cancel();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    use crate::sandbox::egress::policy::test_policy as policy;

    fn loopback() -> IpAddr {
        IpAddr::from([127, 0, 0, 1])
    }

    async fn upstream() -> (TcpListener, SocketAddr) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a test server");
        let address = listener.local_addr().expect("its address");
        (listener, address)
    }

    async fn read_to_end(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> String {
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
            .await
            .expect("the answer ends in time")
            .expect("the answer is readable");
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// Reads up to the end of an HTTP head.
    async fn read_head(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> String {
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let byte = stream.read_u8().await.expect("a complete head");
            head.push(byte);
        }
        String::from_utf8_lossy(&head).into_owned()
    }

    #[tokio::test]
    async fn connect_tunnel_relays_bytes_both_ways() {
        let (listener, address) = upstream().await;
        let resolver = StaticResolver::new().with("allowed.test", [loopback()]);
        let mut proxy = TestProxy::start(policy("", "allowed.test", resolver));
        let origin = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("a tunnelled connection");
            let mut ping = [0; 4];
            stream.read_exact(&mut ping).await.expect("ping");
            stream.write_all(b"pong").await.expect("pong");
            ping
        });

        let mut client = proxy.client().await;
        let request =
            format!("CONNECT allowed.test:{} HTTP/1.1\r\nHost: allowed.test\r\n\r\nping", address.port());
        client.write_all(request.as_bytes()).await.expect("request sent");
        assert_eq!(read_head(&mut client).await, "HTTP/1.1 200 Connection established\r\n\r\n");
        assert_eq!(&origin.await.expect("the origin ran"), b"ping");
        assert_eq!(read_to_end(&mut client).await, "pong");
        assert_eq!(
            proxy.next_record().await,
            EgressRecord {
                host: "allowed.test".into(),
                port: address.port(),
                outcome: EgressOutcome::Allowed
            }
        );
    }

    #[tokio::test]
    async fn absolute_form_request_reaches_the_origin_in_origin_form_without_proxy_headers() {
        let (listener, address) = upstream().await;
        let resolver = StaticResolver::new().with("allowed.test", [loopback()]);
        let proxy = TestProxy::start(policy("", "allowed.test", resolver));
        let origin = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("a forwarded connection");
            let head = read_head(&mut stream).await;
            let mut body = [0; 5];
            stream.read_exact(&mut body).await.expect("the body");
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello").await.expect("answer");
            (head, body)
        });

        let port = address.port();
        let answer = proxy
            .ask(
                format!(
                    "POST http://allowed.test:{port}/upload?x=1 HTTP/1.1\r\nHost: allowed.test:{port}\r\n\
                     Proxy-Authorization: Basic c2VjcmV0\r\nProxy-Connection: keep-alive\r\n\
                     Content-Length: 5\r\n\r\nhowdy"
                )
                .as_bytes(),
            )
            .await;
        let (head, body) = origin.await.expect("the origin ran");
        assert_eq!(
            head,
            format!(
                "POST /upload?x=1 HTTP/1.1\r\nHost: allowed.test:{port}\r\nContent-Length: 5\r\n\
                 Connection: close\r\n\r\n"
            )
        );
        assert_eq!(&body, b"howdy");
        assert!(answer.ends_with("\r\n\r\nhello"), "{answer}");
    }

    #[tokio::test]
    async fn host_off_the_list_gets_403_and_a_denied_record() {
        let resolver = StaticResolver::new().with("evil.example", [IpAddr::from([93, 184, 216, 34])]);
        let mut proxy = TestProxy::start(policy("pypi.org", "", resolver));

        let answer = proxy.ask(b"CONNECT evil.example:443 HTTP/1.1\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
        let reason = "egress to evil.example is not allowed by this server's SANDBOX_ALLOWED_HOSTS";
        assert!(answer.ends_with(&format!("\r\n\r\n{reason}\n")), "{answer}");
        assert_eq!(
            proxy.next_record().await,
            EgressRecord {
                host: "evil.example".into(),
                port: 443,
                outcome: EgressOutcome::Denied(reason.into())
            }
        );
    }

    #[tokio::test]
    async fn allowed_name_resolving_to_an_internal_address_is_refused() {
        let (listener, address) = upstream().await;
        for internal in ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1"] {
            let ip: IpAddr = internal.parse().expect("an address");
            let mut proxy = TestProxy::start(policy(
                "allowed.test",
                "",
                StaticResolver::new().with("allowed.test", [ip]),
            ));
            let request = format!("GET http://allowed.test:{}/ HTTP/1.1\r\n\r\n", address.port());
            let answer = proxy.ask(request.as_bytes()).await;
            assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{internal}: {answer}");
            let record = proxy.next_record().await;
            assert!(
                matches!(record.outcome, EgressOutcome::Denied(ref reason) if reason.contains(internal)),
                "{record:?}"
            );
        }
        let nothing = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
        assert!(nothing.is_err(), "no connection may reach the loopback server");
    }

    #[tokio::test]
    async fn literal_loopback_address_is_refused() {
        let (_listener, address) = upstream().await;
        let proxy = TestProxy::start(policy("allowed.test", "", StaticResolver::new()));
        let answer =
            proxy.ask(format!("CONNECT 127.0.0.1:{} HTTP/1.1\r\n\r\n", address.port()).as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
        let answer = proxy.ask(format!("CONNECT [::1]:{} HTTP/1.1\r\n\r\n", address.port()).as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
    }

    #[tokio::test]
    async fn oversized_head_gets_400() {
        let proxy = TestProxy::start(policy("pypi.org", "", StaticResolver::new()));
        let padding = "a".repeat(16 * 1024);
        let request = format!("GET http://pypi.org/ HTTP/1.1\r\nX-Padding: {padding}\r\n\r\n").into_bytes();
        let answer = proxy.ask(&request).await;
        assert!(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{answer}");
        assert!(answer.contains("over 16384 bytes"), "{answer}");
    }

    #[tokio::test]
    async fn origin_form_and_garbage_get_400() {
        let proxy = TestProxy::start(policy("pypi.org", "", StaticResolver::new()));
        for request in
            [&b"GET /simple/ HTTP/1.1\r\nHost: pypi.org\r\n\r\n"[..], b"\x16\x03\x01 hello\r\n\r\n"]
        {
            let answer = proxy.ask(request).await;
            assert!(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{answer}");
        }
    }

    #[tokio::test]
    async fn head_not_complete_in_time_gets_400() {
        let limits = ProxyLimits { head_timeout: Duration::from_millis(200), ..ProxyLimits::default() };
        let proxy = TestProxy::start_with(policy("pypi.org", "", StaticResolver::new()), limits, 8);
        let mut client = proxy.client().await;
        client.write_all(b"CONNECT pypi.org:443 HTTP/1.1\r\n").await.expect("a partial head");
        let answer = read_to_end(&mut client).await;
        assert!(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{answer}");
    }

    #[tokio::test]
    async fn unreachable_allowed_host_gets_502_and_a_failed_record() {
        // Bound and closed at once: nothing listens on this port.
        let (listener, address) = upstream().await;
        drop(listener);
        let resolver = StaticResolver::new().with("allowed.test", [loopback()]);
        let mut proxy = TestProxy::start(policy("", "allowed.test", resolver));
        let answer =
            proxy.ask(format!("CONNECT allowed.test:{} HTTP/1.1\r\n\r\n", address.port()).as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{answer}");
        assert!(matches!(proxy.next_record().await.outcome, EgressOutcome::Failed(_)));

        let answer = proxy.ask(b"CONNECT unknown.test:443 HTTP/1.1\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
    }

    #[tokio::test]
    async fn cancelling_closes_open_tunnels() {
        let (listener, address) = upstream().await;
        let resolver = StaticResolver::new().with("allowed.test", [loopback()]);
        let proxy = TestProxy::start(policy("", "allowed.test", resolver));
        let mut client = proxy.client().await;
        let request = format!("CONNECT allowed.test:{} HTTP/1.1\r\n\r\n", address.port());
        client.write_all(request.as_bytes()).await.expect("request sent");
        read_head(&mut client).await;
        let (mut origin, _) = listener.accept().await.expect("the tunnel reached the origin");

        let summary = proxy.stop().await;
        assert_eq!(summary.connections, 1);
        assert_eq!(read_to_end(&mut client).await, "", "the client side closes");
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(5), origin.read_to_end(&mut rest)).await;
        assert!(matches!(closed, Ok(Ok(0))), "the origin side closes: {closed:?}");
    }

    #[tokio::test]
    async fn full_record_channel_drops_records_without_stalling() {
        let proxy =
            TestProxy::start_with(policy("pypi.org", "", StaticResolver::new()), ProxyLimits::default(), 1);
        for _ in 0..3 {
            let answer = proxy.ask(b"CONNECT evil.example:443 HTTP/1.1\r\n\r\n").await;
            assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
        }
        let summary = proxy.stop().await;
        assert_eq!(summary, ProxySummary { connections: 3, dropped_records: 2 });
    }

    #[tokio::test]
    async fn connections_over_the_limit_wait_for_a_free_slot() {
        let limits = ProxyLimits { max_connections: 1, ..ProxyLimits::default() };
        let proxy = TestProxy::start_with(policy("pypi.org", "", StaticResolver::new()), limits, 8);
        let mut first = proxy.client().await;
        first.write_all(b"CONNECT pypi.org:443 HTTP/1.1\r\n").await.expect("a partial head");

        let mut second = proxy.client().await;
        second.write_all(b"GET /not-a-proxy-request HTTP/1.1\r\n\r\n").await.expect("request sent");
        let mut byte = [0; 1];
        let early = tokio::time::timeout(Duration::from_millis(200), second.read(&mut byte)).await;
        assert!(early.is_err(), "the second connection is not served while the first holds the slot");

        drop(first);
        let answer = read_to_end(&mut second).await;
        assert!(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{answer}");
    }
}
