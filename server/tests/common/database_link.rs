//! The road between a server and its PostgreSQL, which a test can cut: a
//! TCP relay on loopback. Cutting it closes every open connection and
//! refuses new ones, which is what a server sees of a database that was
//! stopped; restoring it lets connections through again. The test
//! cluster itself keeps running for the other tests.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

pub struct DatabaseLink {
    /// The database's URL, through the relay.
    pub url: String,
    /// Cancelled to cut; replaced by a fresh one on restore.
    open: Arc<Mutex<Option<CancellationToken>>>,
    relay: tokio::task::JoinHandle<()>,
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
        let relay = tokio::spawn(relay(listener, upstream, open.clone()));
        Self { url: url.to_string(), open, relay }
    }

    /// The database is gone: open connections drop, new ones are refused.
    pub fn cut(&self) {
        if let Some(open) = self.open.lock().unwrap_or_else(PoisonError::into_inner).take() {
            open.cancel();
        }
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

async fn relay(listener: TcpListener, upstream: String, open: Arc<Mutex<Option<CancellationToken>>>) {
    loop {
        let Ok((mut client, _)) = listener.accept().await else { continue };
        let Some(open) = open.lock().unwrap_or_else(PoisonError::into_inner).clone() else {
            // Closed at once: the client sees the connection refused.
            drop(client);
            continue;
        };
        let upstream = upstream.clone();
        tokio::spawn(async move {
            let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
            tokio::select! {
                _ = open.cancelled() => {}
                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
            }
        });
    }
}
