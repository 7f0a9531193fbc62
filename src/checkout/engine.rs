//! The async side of a sale: runs the [`PaymentMachine`] against WooshPay on a tokio runtime and reports
//! progress as events, so a UI never waits on the network.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::adoption::{self, Creation, Expected};
use super::machine::{
    Observation, Outcome, PaymentMachine, RequestFailure, SessionInfo, Step, Timing,
};
use super::order::{Order, OrderError};
use super::prices::PriceBook;
use super::request::{ReturnUrls, SaleRef, session_params};
use crate::journal::{Journal, JournalError, RecordedOutcome, now_ms};
use crate::money::Money;
use crate::wooshpay::{
    self, CheckoutSession, Client, IdempotencyKey, PaymentIntentStatus, SessionPaymentStatus,
    SessionStatus,
};

#[derive(Clone, Debug)]
pub struct EngineSettings {
    pub timing: Timing,
    pub success_url: String,
    pub cancel_url: String,
    pub kiosk_id: String,
}

/// Everything a screen or a terminal needs to follow a sale.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CheckoutEvent {
    Creating {
        client_reference_id: String,
        amount_total: i64,
        currency: String,
    },
    SessionCreated {
        id: String,
        url: String,
        amount_total: i64,
        currency: String,
        timeout_ms: u64,
    },
    Status {
        id: String,
        status: Option<SessionStatus>,
        payment_status: Option<SessionPaymentStatus>,
        payment_intent_status: Option<PaymentIntentStatus>,
    },
    /// Requests to WooshPay are failing; the sale is not over, the kiosk keeps checking.
    ConnectionLost {
        message: String,
    },
    ConnectionRestored,
    /// The kiosk is closing the session (timeout, cancel, decline) and confirming nobody paid meanwhile.
    Closing {
        id: String,
    },
    Finished {
        outcome: Outcome,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("a payment is already in progress; finish or cancel it first")]
    InProgress,
    #[error(transparent)]
    Order(#[from] OrderError),
    #[error("no sale number could be allocated: {0}")]
    Journal(#[from] JournalError),
}

/// Whether WooshPay answered lately: new sales are refused on screen while it does not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GatewayStatus {
    /// `None` until the first request has an answer or fails.
    pub reachable: Option<bool>,
    /// When WooshPay last answered (milliseconds since the Unix epoch).
    pub last_contact_ms: Option<i64>,
    pub last_error: Option<String>,
}

/// Starts sales, one at a time. Cheap to clone; every clone shares the one-sale-at-a-time guard.
#[derive(Clone)]
pub struct CheckoutEngine {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) client: Client,
    pub(super) poll_client: Client,
    pub(super) settings: EngineSettings,
    prices: PriceBook,
    pub(super) runtime: tokio::runtime::Handle,
    busy: AtomicBool,
    /// The journal, and the sales some task is running right now, under one lock so a recovery never picks
    /// up a sale that is being sold or recovered elsewhere.
    store: Mutex<Store>,
    gateway: Mutex<GatewayStatus>,
    /// A create that failed for lack of an answer: retrying the same cart reuses its key and sale number, so
    /// if WooshPay did create the session, the retry returns that one instead of making a second.
    unanswered_create: Mutex<Option<UnansweredCreate>>,
}

struct UnansweredCreate {
    order: Order,
    sale_number: String,
    key: IdempotencyKey,
}

pub(super) struct Store {
    pub(super) journal: Journal,
    /// Journal ids of sales a task is running.
    pub(super) active: HashSet<i64>,
}

impl Inner {
    pub(super) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// For writes the sale can go on without (events, statuses): a failure is logged, not fatal.
    pub(super) fn note(
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

/// A running sale: its events, a way to cancel it, and its outcome.
pub struct ChargeHandle {
    pub events: mpsc::UnboundedReceiver<CheckoutEvent>,
    canceller: Canceller,
    task: tokio::task::JoinHandle<Outcome>,
}

/// Asks a running sale to stop: the session is expired and re-read, and reported paid if it was paid.
#[derive(Clone)]
pub struct Canceller(Arc<watch::Sender<bool>>);

impl Canceller {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

impl ChargeHandle {
    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    pub fn cancel(&self) {
        self.canceller.cancel();
    }

    /// Splits the handle so events can be read on one task while another awaits the outcome.
    pub fn into_parts(
        self,
    ) -> (
        mpsc::UnboundedReceiver<CheckoutEvent>,
        Canceller,
        tokio::task::JoinHandle<Outcome>,
    ) {
        (self.events, self.canceller, self.task)
    }
}

impl CheckoutEngine {
    /// `runtime` runs the sales, so this may be called from a thread that is not inside tokio (a UI thread).
    pub fn new(
        client: Client,
        settings: EngineSettings,
        prices: PriceBook,
        journal: Journal,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
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
            }),
        }
    }

    /// Reads the journal (for the sales list and reports); the lock is held while `read` runs.
    pub fn with_journal<T>(&self, read: impl FnOnce(&Journal) -> T) -> T {
        read(&self.inner.store().journal)
    }

    /// Sales the journal holds as pending that no task is running: what the next recovery would look at.
    pub fn unsettled_sales(&self) -> usize {
        let store = self.inner.store();
        match store.journal.pending() {
            Ok(pending) => pending
                .iter()
                .filter(|sale| !store.active.contains(&sale.sale))
                .count(),
            Err(error) => {
                tracing::error!(%error, "cannot read pending sales from the journal");
                0
            }
        }
    }

    pub fn gateway_status(&self) -> GatewayStatus {
        self.inner
            .gateway
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// One cheap read-only request, to learn whether WooshPay can be reached while no sale is running.
    pub async fn probe(&self) -> bool {
        let result = self.inner.poll_client.list_checkout_sessions(1).await;
        self.inner.observe_contact(&result);
        !matches!(result, Err(ref e) if e.is_connectivity())
    }

    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.inner.settings
    }

    pub fn is_busy(&self) -> bool {
        self.inner.busy.load(Ordering::SeqCst)
    }

    /// Returns at once; the sale runs on the engine's runtime. Refused while another sale is running.
    pub fn start_charge(&self, order: Order) -> Result<ChargeHandle, StartError> {
        order.validate()?;
        if self
            .inner
            .busy
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            return Err(StartError::InProgress);
        }
        let busy = BusyGuard(self.inner.clone());
        let (sale_number, key, abandoned) = {
            let mut unanswered = self
                .inner
                .unanswered_create
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            match unanswered.take() {
                Some(previous) if previous.order == order => {
                    (previous.sale_number, previous.key, false)
                }
                previous => (
                    self.inner.store().journal.next_sale_number()?,
                    IdempotencyKey::generate(),
                    previous.is_some(),
                ),
            }
        };
        if abandoned {
            // Staff moved on from a create that got no answer: that session may exist, so find and close it.
            let engine = self.clone();
            self.inner.runtime.spawn(async move {
                for recovered in engine.recover().await {
                    tracing::info!(?recovered, "settled an earlier unanswered sale");
                }
            });
        }
        let sale = SaleRef {
            kiosk_id: self.inner.settings.kiosk_id.clone(),
            sale_number,
        };
        Ok(self.spawn_run(
            order,
            sale.client_reference_id(),
            Start::New { sale, key },
            None,
            Some(busy),
        ))
    }

    /// Follows a sale recovery found still open (see [`CheckoutEngine::recover`]) until it is paid or times
    /// out, with the same events as a new sale (`SessionCreated` carries the time left).
    pub fn resume(&self, sale: super::recovery::PendingSale) -> ChargeHandle {
        self.spawn_run(
            sale.order,
            sale.reference,
            Start::Resume {
                session: sale.session,
                remaining: sale.remaining,
            },
            Some(sale.journal_id),
            None,
        )
    }

    fn spawn_run(
        &self,
        order: Order,
        reference: String,
        start: Start,
        journal_sale: Option<i64>,
        busy: Option<BusyGuard>,
    ) -> ChargeHandle {
        let (events_tx, events) = mpsc::unbounded_channel();
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let inner = self.inner.clone();
        let task = self.inner.runtime.spawn(async move {
            let outcome = SaleRun::new(
                &inner,
                order,
                reference,
                start,
                journal_sale,
                events_tx.clone(),
                cancel_rx,
            )
            .run()
            .await;
            // Free the engine before saying the sale is over, so whoever hears `Finished` can start the next one.
            drop(busy);
            let _ = events_tx.send(CheckoutEvent::Finished {
                outcome: outcome.clone(),
            });
            outcome
        });
        ChargeHandle {
            events,
            canceller: Canceller(Arc::new(cancel_tx)),
            task,
        }
    }
}

impl ChargeHandle {
    pub async fn outcome(self) -> Outcome {
        match self.task.await {
            Ok(outcome) => outcome,
            // The task only ends early if it panicked: say so rather than invent an outcome.
            Err(e) => Outcome::Failed {
                session: None,
                reason: super::FailureReason::Unconfirmed(format!(
                    "the sale stopped unexpectedly: {e}"
                )),
            },
        }
    }
}

struct BusyGuard(Arc<Inner>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::SeqCst);
    }
}

/// However the run ends (finished, or its task aborted or panicking), the sale is no longer claimed, so
/// recovery and Re-check may look at it again.
impl Drop for SaleRun<'_> {
    fn drop(&mut self) {
        if let Some(sale) = self.journal_sale {
            self.inner.release(sale);
        }
    }
}

pub(super) enum Start {
    New {
        sale: SaleRef,
        key: IdempotencyKey,
    },
    /// A session created before a restart, still open.
    Resume {
        session: SessionInfo,
        remaining: Duration,
    },
}

pub(super) struct SaleRun<'a> {
    inner: &'a Inner,
    order: Order,
    /// The `client_reference_id`, for logs.
    reference: String,
    start: Option<Start>,
    /// The journal row, once written; `None` only before the create is journalled.
    journal_sale: Option<i64>,
    /// The last create got no answer: the session may exist, so the sale is never recorded as settled.
    create_unanswered: bool,
    events: mpsc::UnboundedSender<CheckoutEvent>,
    cancel: watch::Receiver<bool>,
    cancel_seen: bool,
}

impl<'a> SaleRun<'a> {
    pub(super) fn new(
        inner: &'a Inner,
        order: Order,
        reference: String,
        start: Start,
        journal_sale: Option<i64>,
        events: mpsc::UnboundedSender<CheckoutEvent>,
        cancel: watch::Receiver<bool>,
    ) -> Self {
        Self {
            inner,
            order,
            reference,
            start: Some(start),
            journal_sale,
            create_unanswered: false,
            events,
            cancel,
            cancel_seen: false,
        }
    }

    pub(super) async fn run(mut self) -> Outcome {
        let outcome = self.drive().await;
        self.record_outcome(&outcome);
        outcome
    }

    async fn drive(&mut self) -> Outcome {
        let started = Instant::now();
        let now = || started.elapsed();
        let mut machine = PaymentMachine::new(self.inner.settings.timing.clone());
        let total = self.order.total();
        let mut step = match self.start.take().expect("a sale runs once") {
            Start::New { sale, key } => {
                tracing::info!(sale = %self.reference, amount = %total, "starting sale");
                self.start.replace(Start::New { sale, key });
                machine.start().expect("a new machine is idle")
            }
            Start::Resume { session, remaining } => {
                tracing::info!(sale = %self.reference, session = %session.id, amount = %total,
                    remaining_s = remaining.as_secs(), "resuming a sale from before the restart");
                if !remaining.is_zero() {
                    self.emit(CheckoutEvent::SessionCreated {
                        id: session.id.clone(),
                        url: session.url.clone(),
                        amount_total: total.minor_units,
                        currency: total.currency.code().to_owned(),
                        timeout_ms: remaining.as_millis() as u64,
                    });
                }
                machine
                    .resume(session, remaining, now())
                    .expect("a new machine is idle")
            }
        };
        let mut connection_lost = false;
        loop {
            step = match step {
                Step::CreateSession => self.create(&mut machine, total, now).await,
                Step::Wait { until } => {
                    let deadline = started
                        .checked_add(until)
                        .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
                    tokio::select! {
                        () = tokio::time::sleep_until(deadline) => machine.on_wake(now()),
                        () = wait_for_cancel(&mut self.cancel, self.cancel_seen) => {
                            self.cancel_seen = true;
                            machine.on_cancel(now()).unwrap_or(Step::Wait { until })
                        }
                    }
                }
                Step::Poll { session_id } => {
                    tokio::select! {
                        result = observe(&self.inner.poll_client, &session_id) => {
                            self.report_status(&session_id, &result);
                            machine.on_poll(result.map(|(_, o)| o).map_err(failure), now())
                        }
                        () = wait_for_cancel(&mut self.cancel, self.cancel_seen) => {
                            self.cancel_seen = true;
                            machine.on_cancel(now()).unwrap_or(Step::Poll { session_id })
                        }
                    }
                }
                Step::Expire { session_id } => {
                    self.emit(CheckoutEvent::Closing {
                        id: session_id.clone(),
                    });
                    let result = self.inner.client.expire_checkout_session(&session_id).await;
                    self.inner.observe_contact(&result);
                    if let Err(error) = &result {
                        tracing::info!(session = %session_id, %error, "expire was not accepted; re-reading the session");
                    }
                    machine.on_expired(result.map(|s| observation_of(&s)).map_err(failure), now())
                }
                Step::Recheck { session_id } => {
                    let result = observe(&self.inner.client, &session_id).await;
                    self.report_status(&session_id, &result);
                    machine.on_recheck(result.map(|(_, o)| o).map_err(failure), now())
                }
                Step::Finished(outcome) => {
                    log_outcome(&outcome, total);
                    return outcome;
                }
            };
            if machine.connection_lost() != connection_lost {
                connection_lost = machine.connection_lost();
                self.emit(if connection_lost {
                    CheckoutEvent::ConnectionLost {
                        message: "cannot reach WooshPay; still checking".into(),
                    }
                } else {
                    CheckoutEvent::ConnectionRestored
                });
            }
        }
    }

    async fn create(
        &mut self,
        machine: &mut PaymentMachine,
        total: Money,
        now: impl Fn() -> Duration,
    ) -> Step {
        let Some(Start::New { sale, key }) = self.start.take() else {
            unreachable!("only a new sale creates a session")
        };
        self.emit(CheckoutEvent::Creating {
            client_reference_id: self.reference.clone(),
            amount_total: total.minor_units,
            currency: total.currency.code().to_owned(),
        });
        let urls = ReturnUrls {
            success_url: &self.inner.settings.success_url,
            cancel_url: &self.inner.settings.cancel_url,
        };
        let params = session_params(&self.order, &sale, &urls, &self.inner.prices);
        // The key and body are journalled before the request leaves: after a crash, recovery replays them.
        let begun = {
            let mut store = self.inner.store();
            let body = serde_json::to_string(&params).expect("session parameters serialise");
            match store.journal.begin_sale(
                &self.reference,
                key.as_str(),
                &self.order,
                &body,
                now_ms(),
            ) {
                // A retried create whose earlier attempt recovery is settling right now: let that finish.
                Ok(id) if !store.active.insert(id) => Err(format!(
                    "sale {} is being checked with WooshPay; try again in a moment",
                    self.reference
                )),
                Ok(id) => Ok(id),
                Err(error) => Err(format!("the sale could not be recorded: {error}")),
            }
        };
        match begun {
            Ok(id) => self.journal_sale = Some(id),
            Err(message) => {
                tracing::error!(%message, "not creating a session");
                return machine.on_created(
                    Err(RequestFailure {
                        refused: true,
                        message,
                    }),
                    now(),
                );
            }
        }
        let create = self.inner.client.create_checkout_session(&params, &key);
        tokio::pin!(create);
        // A create cannot be taken back once sent: a cancel is noted and acted on when the answer arrives.
        let result = loop {
            tokio::select! {
                result = &mut create => {
                    self.inner.observe_contact(&result);
                    break result
                }
                () = wait_for_cancel(&mut self.cancel, self.cancel_seen) => {
                    self.cancel_seen = true;
                    let _ = machine.on_cancel(now());
                }
            }
        };
        match result {
            Ok(session) => {
                let expected = Expected {
                    client_reference_id: &self.reference,
                    kiosk_id: &sale.kiosk_id,
                    total,
                };
                if let Err(problem) = adoption::check(&session, &expected, Creation::First) {
                    // Not this sale's: never journalled, never shown, never expired by us. Whether our own create
                    // made a session is unknown, so the sale stays pending and recovery replays it.
                    tracing::error!(session = %session.id, %problem, "refusing WooshPay's answer to the create");
                    self.note_unanswered(&sale, &key);
                    return machine.on_created(
                        Err(RequestFailure {
                            refused: true,
                            message: problem,
                        }),
                        now(),
                    );
                }
                let info = SessionInfo {
                    id: session.id.clone(),
                    url: session.url.clone().unwrap_or_default(),
                };
                self.create_unanswered = false;
                // Journalled before anything else, usable or not, so it can always be reconciled.
                let recorded = self
                    .record_session(&info)
                    .and_then(|()| crate::qr::check_scannable(&info.url));
                match recorded {
                    Ok(()) => {
                        tracing::info!(session = %info.id, amount = %total, "session created");
                        self.emit(CheckoutEvent::SessionCreated {
                            id: info.id.clone(),
                            url: info.url.clone(),
                            amount_total: total.minor_units,
                            currency: total.currency.code().to_owned(),
                            timeout_ms: machine.timing().timeout.as_millis() as u64,
                        });
                        machine.on_created(Ok(info), now())
                    }
                    Err(problem) => {
                        tracing::error!(session = %info.id, %problem, "WooshPay's session cannot be offered; closing it");
                        machine.on_created_unusable(info, problem, now())
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, "could not create a checkout session");
                if error.may_have_been_processed() {
                    self.note_unanswered(&sale, &key);
                }
                machine.on_created(Err(failure(error)), now())
            }
        }
    }

    /// The create may have made a session this kiosk has no usable answer for: the sale is never settled as
    /// failed, and retrying the same cart replays the same request (same key and sale number).
    fn note_unanswered(&mut self, sale: &SaleRef, key: &IdempotencyKey) {
        self.create_unanswered = true;
        let mut slot = self
            .inner
            .unanswered_create
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *slot = Some(UnansweredCreate {
            order: self.order.clone(),
            sale_number: sale.sale_number.clone(),
            key: key.clone(),
        });
    }

    /// Before the QR is shown: a session the journal does not hold is closed instead of offered.
    fn record_session(&self, session: &SessionInfo) -> Result<(), String> {
        let Some(sale) = self.journal_sale else {
            return Err("the sale is not in the journal".into());
        };
        self.inner
            .store()
            .journal
            .session_created(sale, &session.id, &session.url, now_ms())
            .map_err(|error| format!("the session could not be recorded: {error}"))
    }

    /// Settled outcomes are recorded durably; one that may still change (a session that could not be
    /// confirmed closed, a create that got no answer) stays pending for recovery to re-read.
    fn record_outcome(&self, outcome: &Outcome) {
        let Some(sale) = self.journal_sale else {
            return;
        };
        let recorded = match outcome {
            Outcome::Paid { .. } => Some(RecordedOutcome::Paid),
            Outcome::Expired { .. } => Some(RecordedOutcome::Expired),
            Outcome::Cancelled { session: None } | Outcome::Failed { session: None, .. }
                if self.create_unanswered =>
            {
                None
            }
            Outcome::Cancelled { .. } => Some(RecordedOutcome::Cancelled),
            Outcome::Failed {
                reason: super::FailureReason::Unconfirmed(_),
                ..
            } => None,
            Outcome::Failed { .. } => Some(RecordedOutcome::Failed),
        };
        let detail = match outcome {
            Outcome::Failed { reason, .. } => format!("{reason:?}"),
            Outcome::Expired { by_kiosk: true, .. } => "expired by the kiosk".into(),
            _ => String::new(),
        };
        let store = self.inner.store();
        let written = match recorded {
            Some(recorded) => store
                .journal
                .finish(sale, recorded, &detail, now_ms())
                .map(|_| ()),
            None => store.journal.event(
                sale,
                &format!("outcome not confirmed ({detail}); left pending for recovery"),
                now_ms(),
            ),
        };
        if let Err(error) = written {
            // The sale stays pending, so the next recovery reads it from WooshPay again.
            tracing::error!(%error, sale = %self.reference, "could not record the outcome");
        }
    }

    fn report_status(
        &self,
        session_id: &str,
        result: &Result<(CheckoutSession, Observation), wooshpay::Error>,
    ) {
        self.inner.observe_contact(result);
        match result {
            Ok((_, observation)) => {
                if let Some(sale) = self.journal_sale {
                    let status = format!(
                        "{}/{}",
                        enum_text(&observation.status),
                        enum_text(&observation.payment_status)
                    );
                    self.inner.note(sale, |journal, sale| {
                        journal.record_status(sale, &status, now_ms())
                    });
                }
                self.emit(CheckoutEvent::Status {
                    id: session_id.to_owned(),
                    status: observation.status,
                    payment_status: observation.payment_status,
                    payment_intent_status: observation.intent_status,
                })
            }
            Err(error) => {
                tracing::warn!(session = session_id, %error, "could not read the session")
            }
        }
    }

    fn emit(&self, event: CheckoutEvent) {
        // Nobody listening (a UI that moved on) is fine: the sale still runs to its end.
        let _ = self.events.send(event);
    }
}

fn enum_text<T: Serialize>(value: &Option<T>) -> String {
    value
        .as_ref()
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "-".to_owned())
}

/// Long enough for a slow mobile uplink, short enough that a dead one shows as "connection lost" quickly.
fn poll_timeout(timing: &Timing) -> Duration {
    (timing.poll_interval * 3).clamp(Duration::from_secs(4), Duration::from_secs(10))
}

/// Resolves when a cancel is requested; never, if one was already handled or nobody can cancel any more.
async fn wait_for_cancel(cancel: &mut watch::Receiver<bool>, already_seen: bool) {
    if already_seen || cancel.wait_for(|requested| *requested).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Reads the session, and its payment intent when the session alone does not say paid.
pub(super) async fn observe(
    client: &Client,
    session_id: &str,
) -> Result<(CheckoutSession, Observation), wooshpay::Error> {
    let session = client.retrieve_checkout_session(session_id).await?;
    let mut observation = observation_of(&session);
    if !observation.is_paid()
        && observation.intent_status.is_none()
        && let Some(intent_id) = session.payment_intent_id()
    {
        // "Not paid" needs both reads: if the intent cannot be read, neither can the outcome, so the whole read
        // fails and the sale is retried, never settled as expired on the session's word alone.
        let intent = client
            .retrieve_payment_intent(intent_id)
            .await
            .inspect_err(|error| {
                tracing::info!(payment_intent = intent_id, %error, "could not read the payment intent")
            })?;
        observation.intent_status = intent.status;
        observation.intent_error = intent.last_payment_error.and_then(|e| e.message);
    }
    Ok((session, observation))
}

fn observation_of(session: &CheckoutSession) -> Observation {
    let intent = session.payment_intent.as_ref().and_then(|p| p.as_object());
    Observation {
        status: session.status,
        payment_status: session.payment_status,
        intent_status: intent.and_then(|i| i.status),
        intent_error: intent
            .and_then(|i| i.last_payment_error.as_ref())
            .and_then(|e| e.message.clone()),
    }
}

fn failure(error: wooshpay::Error) -> RequestFailure {
    RequestFailure {
        refused: !error.is_retryable(),
        message: error.to_string(),
    }
}

fn log_outcome(outcome: &Outcome, total: Money) {
    let session = outcome.session().map(|s| s.id.as_str()).unwrap_or("none");
    match outcome {
        Outcome::Paid { .. } => {
            tracing::info!(session, amount = %total, outcome = "paid", "sale finished")
        }
        Outcome::Expired { by_kiosk, .. } => {
            tracing::info!(session, amount = %total, outcome = "expired", by_kiosk, "sale finished")
        }
        Outcome::Cancelled { .. } => {
            tracing::info!(session, amount = %total, outcome = "cancelled", "sale finished")
        }
        Outcome::Failed { reason, .. } => {
            tracing::warn!(session, amount = %total, outcome = "failed", ?reason, "sale finished")
        }
    }
}
