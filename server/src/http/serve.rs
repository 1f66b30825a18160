//! Accepting connections until asked to stop, then draining them.

use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::serve::ListenerExt;
use axum::Router;
use tokio::net::TcpListener;

/// Serves `router` on `listener` until `shutdown` resolves, then gives
/// in-flight requests up to `grace` to finish before returning.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> io::Result<()> {
    // Small multi-write responses (static files) otherwise wait ~40 ms for
    // delayed ACKs (Nagle's algorithm).
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
    });

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // The peer address feeds sign-in throttling.
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let mut server = std::pin::pin!(server.into_future());

    let mut stop_rx = stop_rx;
    tokio::select! {
        result = &mut server => return result,
        _ = stop_rx.wait_for(|stopping| *stopping) => {}
    }
    match tokio::time::timeout(grace, server).await {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(
                grace_secs = grace.as_secs(),
                "connections still open after the grace period; closing them"
            );
            Ok(())
        }
    }
}
