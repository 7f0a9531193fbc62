//! `[metrics] listen`: OpenMetrics over plain HTTP at `/metrics`, for Prometheus to scrape.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// What Prometheus asks for and the crate writes.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A listening metrics endpoint; it stops when the runtime does.
pub struct Endpoint {
    pub local_addr: SocketAddr,
}

/// Binds now, on the calling thread (so a taken port is reported at start, by name, and a port of 0 comes back
/// as the one the system chose), and serves in the background on `runtime`.
pub fn serve(addr: SocketAddr, runtime: &tokio::runtime::Handle) -> std::io::Result<Endpoint> {
    let named = |e: std::io::Error| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen for metrics on {addr}: {e}"),
        )
    };
    let listener = std::net::TcpListener::bind(addr).map_err(named)?;
    listener.set_nonblocking(true).map_err(named)?;
    let local_addr = listener.local_addr()?;
    let router = Router::new().route("/metrics", get(metrics));
    runtime.spawn(async move {
        match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => accept_forever(listener, router).await,
            Err(error) => tracing::error!(%error, "the metrics endpoint stopped"),
        }
    });
    tracing::info!(%local_addr, "serving metrics at /metrics");
    Ok(Endpoint { local_addr })
}

/// Connections served at once; one more is closed as soon as it is accepted. A scraper needs one; a few spare
/// for a person with curl. This bounds the descriptors the listener can ever hold, so a flood of idle
/// connections cannot take the ones the journal and the WooshPay polls need (the unit's `LimitNOFILE=`).
pub const MAX_CONNECTIONS: usize = 16;
/// The request line and headers must arrive within this, or the connection is closed (idle half-requests).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Any connection is closed after this, whatever it is doing (a slow reader, a keep-alive left idle): a scrape
/// takes milliseconds.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(10);
/// Request heads larger than this are refused: a scrape is a few hundred bytes.
const MAX_HEAD_BYTES: usize = 16 * 1024;

async fn accept_forever(listener: tokio::net::TcpListener, router: Router) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of descriptors (EMFILE, ENFILE) or memory: wait for some to come back instead of spinning.
                tracing::warn!(%error, "metrics: cannot accept a connection; waiting before the next");
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            // Full: the newcomer is closed at once (dropping it), so the held count never grows.
            tracing::debug!("metrics: connection refused, {MAX_CONNECTIONS} already open");
            continue;
        };
        let router = router.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                router.clone().oneshot(request.map(axum::body::Body::new))
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
            drop(slot);
        });
    }
}

/// One rendering at a time, whatever the number of connections asking: each reads the journal.
static RENDERING: Semaphore = Semaphore::const_new(1);

async fn metrics() -> impl IntoResponse {
    let _turn = RENDERING.acquire().await;
    // The live gauges read the journal: off the async workers.
    let text = tokio::task::spawn_blocking(super::openmetrics_text)
        .await
        .unwrap_or_default();
    ([(CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE)], text)
}
