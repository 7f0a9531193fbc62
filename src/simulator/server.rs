//! The accept loop, for any router. Each connection can be cut by a handler (the `Drop` fault), which axum's
//! own `serve` cannot do: dropping the connection future closes the socket with no response written.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

/// Put in every request's extensions: the address the connection came from.
#[derive(Clone, Copy, Debug)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// Put in every request's extensions: notifying it closes this request's connection.
#[derive(Clone)]
pub struct ConnectionCutter(pub Arc<Notify>);

pub async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "simulator: accept failed");
                    continue;
                }
            },
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        let router = router.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let cut = Arc::new(Notify::new());
            let cutter = ConnectionCutter(cut.clone());
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(cutter.clone());
                    request.extensions_mut().insert(PeerAddr(peer));
                    router.clone().oneshot(request.map(Body::new))
                });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                () = cut.notified() => {}
                _ = shutdown.wait_for(|stop| *stop) => {}
            }
        });
    }
}
