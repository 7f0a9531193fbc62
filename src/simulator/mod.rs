//! A WooshPay simulator: the API endpoints the kiosk uses, a hosted pay page for phones, and control endpoints
//! with scriptable faults for tests.
//!
//! It builds its JSON itself, from the API contract and the checkout guide's examples, and never uses the
//! client's types, so it checks the client independently.

mod api;
mod faults;
mod ids;
mod pay_page;
mod server;
mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub use faults::{Fault, FaultRule};
use store::Store;

pub struct SimulatorConfig {
    /// The only secret key accepted (HTTP Basic username, empty password).
    pub secret_key: String,
    /// Base URL phones use to reach the hosted pay page, e.g. `http://192.168.1.20:8787`.
    /// `None`: `http://<bound address>`.
    pub public_base_url: Option<String>,
}

/// A running simulator. Cheap to clone; clones share the server and its state.
#[derive(Clone)]
pub struct Simulator {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) addr: SocketAddr,
    pub(crate) secret_key: String,
    pub(crate) publishable_key: String,
    pub(crate) public_base_url: Mutex<String>,
    pub(crate) store: Mutex<Store>,
    pub(crate) started: std::time::Instant,
    pub(crate) shutdown: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn public_base_url(&self) -> String {
        self.public_base_url
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// One API request as the simulator saw it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    /// The status served; 0 when no response was sent (a dropped connection, or the client gave up first).
    pub status: u16,
    pub body: Option<serde_json::Value>,
    /// The injected fault, if one was served.
    pub fault: Option<String>,
    /// Milliseconds since the simulator started, when the request arrived.
    pub at_ms: u64,
}

/// After the Nth read of a session, do something to it (as if the customer had acted on their phone).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct AutoAction {
    pub after_retrieves: u32,
    pub action: SessionAction,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SessionAction {
    Pay,
    Decline,
    Expire,
}

/// How new refunds come out: at once (the default), pending until a test settles them, or failed by the bank.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RefundSettlement {
    #[default]
    Succeed,
    Pending,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("no such checkout session: {0}")]
    NotFound(String),
    #[error("checkout session {id} is {status}, not open")]
    NotOpen { id: String, status: String },
}

impl Simulator {
    /// Binds `listen` (port 0 picks a free port) and serves on the current tokio runtime.
    pub async fn start(listen: SocketAddr, config: SimulatorConfig) -> std::io::Result<Simulator> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let public = config
            .public_base_url
            .unwrap_or_else(|| format!("http://{addr}"));
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let shared = Arc::new(Shared {
            addr,
            publishable_key: ids::publishable_key(&config.secret_key),
            secret_key: config.secret_key,
            public_base_url: Mutex::new(public.trim_end_matches('/').to_owned()),
            store: Mutex::new(Store::default()),
            started: std::time::Instant::now(),
            shutdown,
        });
        tokio::spawn(server::serve(
            listener,
            api::router(shared.clone()),
            shutdown_rx,
        ));
        Ok(Simulator { shared })
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Loopback even when bound to every interface.
    pub fn api_base_url(&self) -> String {
        let ip = self.shared.addr.ip();
        let host = if ip.is_unspecified() {
            if ip.is_ipv4() {
                "127.0.0.1".to_owned()
            } else {
                "[::1]".to_owned()
            }
        } else if ip.is_ipv6() {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        format!("http://{host}:{}", self.shared.addr.port())
    }

    /// Where phones are sent: the host and port in every session's `url`.
    pub fn public_base_url(&self) -> String {
        self.shared.public_base_url()
    }

    /// Changes the pay-page address for sessions created from now on.
    pub fn set_public_base_url(&self, url: String) {
        *self
            .shared
            .public_base_url
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = url.trim_end_matches('/').to_owned();
    }

    pub fn publishable_key(&self) -> String {
        self.shared.publishable_key.clone()
    }

    pub fn pay(&self, session_id: &str) -> Result<(), SimError> {
        self.shared.store().apply(session_id, SessionAction::Pay)
    }

    pub fn decline(&self, session_id: &str) -> Result<(), SimError> {
        self.shared
            .store()
            .apply(session_id, SessionAction::Decline)
    }

    pub fn expire(&self, session_id: &str) -> Result<(), SimError> {
        self.shared.store().apply(session_id, SessionAction::Expire)
    }

    /// Every session as the API would return it, in creation order.
    pub fn sessions(&self) -> Vec<serde_json::Value> {
        self.shared.store().all_sessions()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.store().requests.clone()
    }

    pub fn inject(&self, rule: FaultRule) {
        self.shared.store().faults.push(rule);
    }

    pub fn clear_faults(&self) {
        self.shared.store().faults.clear();
    }

    /// Applies to sessions created afterwards.
    pub fn set_auto_action(&self, auto: Option<AutoAction>) {
        self.shared.store().auto_action = auto;
    }

    /// Every refund made, oldest first, as the API returns them.
    pub fn refunds(&self) -> Vec<serde_json::Value> {
        self.shared.store().all_refunds()
    }

    /// The status new refunds are created with.
    pub fn set_refund_settlement(&self, settlement: RefundSettlement) {
        self.shared.store().refund_settlement = settlement;
    }

    /// Settles a pending refund: `succeeded`, `failed` or `canceled`, as the bank decides.
    pub fn settle_refund(&self, id: &str, status: &str) -> Result<serde_json::Value, String> {
        self.shared
            .store()
            .settle_refund(id, status)
            .map_err(|e| e.message)
    }

    pub fn shutdown(&self) {
        self.shared.shutdown.send_replace(true);
    }
}
