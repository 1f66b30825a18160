//! The road between a server and its PostgreSQL, which a test can cut: a
//! TCP relay on loopback. Cutting it closes every open connection and
//! refuses new ones, which is what a server sees of a database that was
//! stopped; restoring it lets connections through again. The test
//! cluster itself keeps running for the other tests. It can also go down
//! just after a COMMIT reached the database, before its answer came back.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// A COMMIT as a client sends it: a simple query ('Q', its length, its
/// text ended by a NUL).
const COMMIT: &[u8] = b"Q\0\0\0\x0bCOMMIT\0";

pub struct DatabaseLink {
    /// The database's URL, through the relay.
    pub url: String,
    /// Cancelled to cut; replaced by a fresh one on restore.
    open: Arc<Mutex<Option<CancellationToken>>>,
    commit_answers: Arc<CommitAnswers>,
    relay: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct CommitAnswers {
    lose_next: AtomicBool,
    lost: AtomicUsize,
}

impl DatabaseLink {
    pub async fn to(database_url: &str) -> Self {
        let mut url = url::Url::parse(database_url).expect("a database URL");
        let upstream = format!("{}:{}", url.host_str().expect("a host"), url.port().unwrap_or(5432));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the relay");
        let port = listener.local_addr().expect("the relay's address").port();
        url.set_host(Some("127.0.0.1")).expect("a host");
        url.set_port(Some(port)).expect("a port");
        let open = Arc::new(Mutex::new(Some(CancellationToken::new())));
        let commit_answers = Arc::new(CommitAnswers::default());
        let relay = tokio::spawn(relay(listener, upstream, open.clone(), commit_answers.clone()));
        Self { url: url.to_string(), open, commit_answers, relay }
    }

    /// The next COMMIT reaches the database, which commits, but its answer
    /// does not come back: the link goes down (as [`Self::cut`]) just after.
    pub fn go_down_after_the_next_commit(&self) {
        self.commit_answers.lose_next.store(true, Ordering::SeqCst);
    }

    /// How many COMMITs' answers were lost.
    pub fn commit_answers_lost(&self) -> usize {
        self.commit_answers.lost.load(Ordering::SeqCst)
    }

    /// The database is gone: open connections drop, new ones are refused.
    pub fn cut(&self) {
        cut(&self.open);
    }

    pub fn restore(&self) {
        self.open.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(CancellationToken::new);
    }
}

impl Drop for DatabaseLink {
    fn drop(&mut self) {
        self.cut();
        self.relay.abort();
    }
}

fn cut(link: &Mutex<Option<CancellationToken>>) {
    if let Some(open) = link.lock().unwrap_or_else(PoisonError::into_inner).take() {
        open.cancel();
    }
}

async fn relay(
    listener: TcpListener,
    upstream: String,
    link: Arc<Mutex<Option<CancellationToken>>>,
    commit_answers: Arc<CommitAnswers>,
) {
    loop {
        let Ok((mut client, _)) = listener.accept().await else { continue };
        let Some(open) = link.lock().unwrap_or_else(PoisonError::into_inner).clone() else {
            // Closed at once: the client sees the connection refused.
            drop(client);
            continue;
        };
        let (upstream, commit_answers, link) = (upstream.clone(), commit_answers.clone(), link.clone());
        tokio::spawn(async move {
            let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
            let (mut from_client, mut to_client) = client.split();
            let (mut from_server, mut to_server) = server.split();
            let requests = async {
                let mut buffer = vec![0; 64 * 1024];
                loop {
                    let read = from_client.read(&mut buffer).await.unwrap_or(0);
                    if read == 0 || to_server.write_all(&buffer[..read]).await.is_err() {
                        return;
                    }
                    let sent = &buffer[..read];
                    if sent.windows(COMMIT.len()).any(|window| window == COMMIT)
                        && commit_answers.lose_next.swap(false, Ordering::SeqCst)
                    {
                        // Before any answer is relayed.
                        commit_answers.lost.fetch_add(1, Ordering::SeqCst);
                        cut(&link);
                        return;
                    }
                }
            };
            tokio::select! {
                _ = open.cancelled() => {}
                _ = requests => {}
                _ = tokio::io::copy(&mut from_server, &mut to_client) => {}
            }
        });
    }
}
