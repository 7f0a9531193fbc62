//! `[metrics] listen`: OpenMetrics over plain HTTP at `/metrics`, for Prometheus to scrape.

use std::net::SocketAddr;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;

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
        let served = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => axum::serve(listener, router).await,
            Err(error) => Err(error),
        };
        if let Err(error) = served {
            tracing::error!(%error, "the metrics endpoint stopped");
        }
    });
    tracing::info!(%local_addr, "serving metrics at /metrics");
    Ok(Endpoint { local_addr })
}

async fn metrics() -> impl IntoResponse {
    // The live gauges read the journal: off the async workers.
    let text = tokio::task::spawn_blocking(super::openmetrics_text)
        .await
        .unwrap_or_default();
    ([(CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE)], text)
}
