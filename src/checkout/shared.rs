//! The engine's shared state: the clients, settings and price book, the journal with the sales some task is
//! running, the one-sale-at-a-time guard, what WooshPay last answered, and a create that got no answer.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::events::GatewayStatus;
use super::machine::Timing;
use super::prices::PriceBook;
use crate::journal::{Journal, JournalError, now_ms};
use crate::metrics::GatewayErrorKind;
use crate::order::Order;
use crate::wooshpay::{self, Client, IdempotencyKey};

#[derive(Clone, Debug)]
pub struct EngineSettings {
    pub timing: Timing,
    pub success_url: String,
    pub cancel_url: String,
    pub kiosk_id: String,
    /// `[checkout]`'s tax: applied to every order as it is charged.
    pub tax: crate::tax::TaxSettings,
}

/// What every task of the engine shares: the clients, the settings, the journal and the one-sale guard.
pub(super) struct Shared {
    pub(super) client: Client,
    pub(super) poll_client: Client,
    pub(super) settings: EngineSettings,
    pub(super) prices: PriceBook,
    pub(super) runtime: tokio::runtime::Handle,
    pub(super) busy: AtomicBool,
    /// The journal, and the sales some task is running right now, under one lock so a recovery never picks
    /// up a sale that is being sold or recovered elsewhere.
    store: Mutex<Store>,
    gateway: Mutex<GatewayStatus>,
    /// A create that failed for lack of an answer: retrying the same cart reuses its key and sale number, so
    /// if WooshPay did create the session, the retry returns that one instead of making a second.
    pub(super) unanswered_create: Mutex<Option<UnansweredCreate>>,
    /// Sales recovery has counted as still pending: recovery runs every minute while one is unsettled, and the
    /// metric counts sales, not passes.
    pub(super) counted_still_pending: Mutex<HashSet<String>>,
}

pub(super) struct UnansweredCreate {
    pub(super) order: Order,
    pub(super) sale_number: String,
    pub(super) key: IdempotencyKey,
}

pub(super) struct Store {
    pub(super) journal: Journal,
    /// Journal ids of sales a task is running.
    pub(super) active: HashSet<i64>,
}

impl Shared {
    pub(super) fn new(
        client: Client,
        settings: EngineSettings,
        prices: PriceBook,
        journal: Journal,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Self {
            poll_client: client.for_polling(poll_timeout(&settings.timing)),
            client,
            settings,
            prices,
            runtime,
            busy: AtomicBool::new(false),
            store: Mutex::new(Store {
                journal,
                active: HashSet::new(),
            }),
            gateway: Mutex::new(GatewayStatus::default()),
            unanswered_create: Mutex::new(None),
            counted_still_pending: Mutex::new(HashSet::new()),
        }
    }

    pub(super) fn gateway_status(&self) -> GatewayStatus {
        self.gateway
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(super) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// For writes the sale can go on without (events, statuses): a failure is logged, not fatal.
    pub(super) fn write_or_log(
        &self,
        sale: i64,
        write: impl FnOnce(&Journal, i64) -> Result<(), JournalError>,
    ) {
        if let Err(error) = write(&self.store().journal, sale) {
            tracing::error!(%error, "could not write to the sale journal");
        }
    }

    pub(super) fn release(&self, sale: i64) {
        self.store().active.remove(&sale);
    }

    /// Every answer (even a refusal) proves WooshPay is reachable; only transport failures and 5xx/429 do not.
    pub(super) fn observe_contact<T>(&self, result: &Result<T, wooshpay::Error>) {
        let mut gateway = self.gateway.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(error) = result {
            crate::metrics::gateway_error(error_kind(error));
        }
        match result {
            Err(error) if error.is_connectivity() => {
                gateway.reachable = Some(false);
                gateway.last_error = Some(error.to_string());
            }
            _ => {
                gateway.reachable = Some(true);
                gateway.last_contact_ms = Some(now_ms());
                gateway.last_error = None;
            }
        }
    }
}

/// The `kind` label of `wooshpay_kiosk_gateway_errors_total`: what an operator would act on differently.
fn error_kind(error: &wooshpay::Error) -> GatewayErrorKind {
    use wooshpay::Error;
    match error {
        Error::AfterLostAnswer { last } => error_kind(last),
        Error::Transport(message) if message.starts_with("timed out") => GatewayErrorKind::Timeout,
        Error::Transport(_) => GatewayErrorKind::Connect,
        // A revoked or restricted key may be answered 403 rather than 401.
        Error::Authentication { .. } | Error::Api { status: 403, .. } => {
            GatewayErrorKind::Authentication
        }
        Error::Api { status: 429, .. } | Error::UnexpectedResponse { status: 429, .. } => {
            GatewayErrorKind::RateLimited
        }
        Error::Api { status, .. } | Error::UnexpectedResponse { status, .. } if *status >= 500 => {
            GatewayErrorKind::Server
        }
        Error::Api { .. } => GatewayErrorKind::Rejected,
        Error::UnexpectedResponse { .. } | Error::Decode { .. } => GatewayErrorKind::Unreadable,
        Error::Redirect { .. } | Error::InvalidInput(_) => GatewayErrorKind::Other,
    }
}

/// Frees the one-sale guard when the sale that took it ends, however it ends.
pub(super) struct BusyGuard(pub(super) Arc<Shared>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::SeqCst);
    }
}

/// Long enough for a slow mobile uplink, short enough that a dead one shows as "connection lost" quickly.
fn poll_timeout(timing: &Timing) -> Duration {
    (timing.poll_interval * 3).clamp(Duration::from_secs(4), Duration::from_secs(10))
}
