//! A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that
//! records every POST it gets and answers 503 to the first few, as a
//! receiver that is struggling would.

#![allow(dead_code)] // not every test uses every reader

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inbox {
    received: Mutex<Vec<Received>>,
    refusals_left: AtomicUsize,
}

pub struct WebhookReceiver {
    /// Where hooks should POST (`http://127.0.0.1:<port>/hook`).
    pub url: String,
    inbox: Arc<Inbox>,
    task: JoinHandle<()>,
}

impl WebhookReceiver {
    /// Listens on `listener`, answering 503 to the first `refusals` requests.
    pub async fn start(listener: TcpListener, refusals: usize) -> Self {
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let inbox = Arc::new(Inbox { refusals_left: AtomicUsize::new(refusals), ..Inbox::default() });
        let app = Router::new().route("/hook", post(receive)).with_state(inbox.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the receiver serves");
        });
        Self { url, inbox, task }
    }

    pub async fn on_free_port(refusals: usize) -> Self {
        Self::start(TcpListener::bind("127.0.0.1:0").await.expect("bind"), refusals).await
    }

    /// Every request so far, 503-answered ones included.
    pub fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Waits until `count` requests arrived, for at most `limit`.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(started.elapsed() < limit, "{} of {count} requests arrived in {limit:?}", received.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    inbox.received.lock().unwrap_or_else(PoisonError::into_inner).push(Received { headers, body });
    let refused = inbox
        .refusals_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1))
        .is_ok();
    if refused {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::NO_CONTENT
    }
}
