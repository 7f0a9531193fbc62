//! One sale from start to finish: feeds the [`PaymentMachine`] WooshPay's answers and the clock, journals
//! each step, and reports progress as events. A new sale and a sale resumed after a restart run the same way;
//! recovery runs one to close a session left open past its time.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::events::{Canceller, ChargeHandle, CheckoutEvent};
use super::machine::{
    FailureReason, IntentRead, Observation, Outcome, PaymentMachine, SessionInfo, Step,
};
use super::observation::{failure, observation_of, observe};
use super::request::SaleRef;
use super::shared::{BusyGuard, Shared};
use crate::journal::{RecordedOutcome, now_ms};
use crate::money::Money;
use crate::order::Order;
use crate::wooshpay::{self, CheckoutSession, IdempotencyKey};

/// Starts a run on the engine's runtime and hands back its events, its canceller and its outcome.
pub(super) fn spawn(
    shared: &Arc<Shared>,
    order: Order,
    reference: String,
    start: Start,
    journal_sale: Option<i64>,
    busy: Option<BusyGuard>,
) -> ChargeHandle {
    let (events_tx, events) = mpsc::unbounded_channel();
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let inner = shared.clone();
    let task = shared.runtime.spawn(async move {
        let (outcome, order_number) = SaleRun::new(
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
            order_number,
        });
        outcome
    });
    ChargeHandle {
        events,
        canceller: Canceller(Arc::new(cancel_tx)),
        task,
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
    pub(super) inner: &'a Shared,
    pub(super) order: Order,
    /// The `client_reference_id`, for logs.
    pub(super) reference: String,
    pub(super) start: Option<Start>,
    /// The journal row, once written; `None` only before the create is journalled.
    pub(super) journal_sale: Option<i64>,
    /// The last create got no answer: the session may exist, so the sale is never recorded as settled.
    pub(super) create_unanswered: bool,
    pub(super) events: mpsc::UnboundedSender<CheckoutEvent>,
    pub(super) cancel: watch::Receiver<bool>,
    pub(super) cancel_seen: bool,
    /// When the run began (Charge was tapped), for the tap-to-QR time.
    pub(super) began: Instant,
    /// When this run put a new session's QR code up, for the QR-to-paid time.
    pub(super) qr_shown: Option<Instant>,
}

impl<'a> SaleRun<'a> {
    pub(super) fn new(
        inner: &'a Shared,
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
            began: Instant::now(),
            qr_shown: None,
        }
    }

    /// The outcome, and the order number the journal gave it when it was paid.
    pub(super) async fn run(mut self) -> (Outcome, Option<u32>) {
        let outcome = self.drive().await;
        self.record_outcome(&outcome);
        let order_number = match (&outcome, self.journal_sale) {
            (Outcome::Paid { .. }, Some(sale)) => self
                .inner
                .store()
                .journal
                .order_number_of(sale)
                .ok()
                .flatten(),
            _ => None,
        };
        (outcome, order_number)
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
                Step::Poll { session_id, intent } => {
                    let sent = Instant::now();
                    tokio::select! {
                        result = observe(&self.inner.poll_client, &session_id, intent) => {
                            crate::metrics::poll_took(sent.elapsed());
                            self.report_status(&session_id, &result);
                            machine.on_poll(result.map(|(_, o)| o).map_err(failure), now())
                        }
                        () = wait_for_cancel(&mut self.cancel, self.cancel_seen) => {
                            self.cancel_seen = true;
                            machine.on_cancel(now()).unwrap_or(Step::Poll { session_id, intent })
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
                    // The final check: "not paid" is only settled on the session and its intent.
                    let result =
                        observe(&self.inner.client, &session_id, IntentRead::UnlessPaid).await;
                    self.report_status(&session_id, &result);
                    machine.on_recheck(result.map(|(_, o)| o).map_err(failure), now())
                }
                Step::Finished(outcome) => {
                    log_outcome(&outcome, total);
                    if let (Outcome::Paid { .. }, Some(shown)) = (&outcome, self.qr_shown) {
                        crate::metrics::qr_to_paid_took(shown.elapsed());
                    }
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

    /// Before the QR is shown: a session the journal does not hold is closed instead of offered.
    pub(super) fn record_session(&self, session: &SessionInfo) -> Result<(), String> {
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
                reason: FailureReason::Unconfirmed(_),
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
            Ok((session, observation)) => {
                if let Some(sale) = self.journal_sale {
                    let payment_intent = session.payment_intent_id();
                    let status = format!(
                        "{}/{}",
                        enum_text(&observation.status),
                        enum_text(&observation.payment_status)
                    );
                    self.inner.write_or_log(sale, |journal, sale| {
                        journal.record_status(sale, &status, payment_intent, now_ms())
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

    pub(super) fn emit(&self, event: CheckoutEvent) {
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

/// Resolves when a cancel is requested; never, if one was already handled or nobody can cancel any more.
pub(super) async fn wait_for_cancel(cancel: &mut watch::Receiver<bool>, already_seen: bool) {
    if already_seen || cancel.wait_for(|requested| *requested).await.is_err() {
        std::future::pending::<()>().await;
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
