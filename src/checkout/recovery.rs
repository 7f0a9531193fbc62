//! Recovery: every sale the journal still holds as pending is read back from WooshPay and settled.
//!
//! Runs at every start (UI, `charge`, `recover`). A sale whose create got no answer is replayed under its
//! recorded Idempotency-Key, which returns the session WooshPay made (or makes it now), so no session the kiosk
//! does not know about stays payable. Paid → recorded paid (a late payment). Expired → recorded. Still open
//! within the kiosk timeout → handed back to be resumed on screen. Past the timeout → expired at the gateway
//! and re-read, so a payment that landed meanwhile is still recorded paid.

use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::engine::{CheckoutEngine, SaleRun, Start, observe};
use super::machine::{FailureReason, Outcome, SessionInfo};
use super::order::{Order, OrderLine};
use crate::journal::{RecordedOutcome, SaleRecord, now_ms};
use crate::money::{Currency, Money};
use crate::wooshpay::{CreateCheckoutSession, IdempotencyKey, SessionStatus};

/// A sale from before the restart whose session is still open and within the kiosk timeout.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingSale {
    pub journal_id: i64,
    pub reference: String,
    pub order: Order,
    pub session: SessionInfo,
    /// Until the kiosk timeout, counted from when the sale began.
    pub remaining: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Recovered {
    /// The outcome is now recorded. `late_payment`: it was paid while the kiosk was not watching.
    Settled {
        reference: String,
        session_id: Option<String>,
        amount: Money,
        outcome: RecordedOutcome,
        late_payment: bool,
    },
    /// Still open: resume it with [`CheckoutEngine::resume`].
    Resumable(PendingSale),
    /// Still pending in the journal (WooshPay unreachable or not conclusive); the next recovery tries again.
    Unresolved {
        reference: String,
        session_id: Option<String>,
        message: String,
    },
}

/// What a staff re-check learned: WooshPay's words for the session (as its dashboard shows them) and the
/// journal's outcome after the re-check recorded anything it settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecheckAnswer {
    pub session_id: String,
    /// `open`, `complete`, `expired`; `None` when WooshPay left it out.
    pub status: Option<String>,
    /// `paid`, `unpaid`, …
    pub payment: Option<String>,
    /// `paid`, `expired`, `pending`, …; `None` when the session is not in this kiosk's journal.
    pub recorded: Option<String>,
}

impl CheckoutEngine {
    /// Settles every pending sale no task is running; see the module documentation.
    pub async fn recover(&self) -> Vec<Recovered> {
        let pending: Vec<SaleRecord> = {
            let mut store = self.inner.store();
            let pending = match store.journal.pending() {
                Ok(pending) => pending,
                Err(error) => {
                    tracing::error!(%error, "cannot read pending sales from the journal");
                    return vec![Recovered::Unresolved {
                        reference: String::new(),
                        session_id: None,
                        message: error.to_string(),
                    }];
                }
            };
            let pending: Vec<SaleRecord> = pending
                .into_iter()
                .filter(|sale| !store.active.contains(&sale.sale))
                .collect();
            // Claimed under the lock: a second recovery, or a sale starting now, leaves these alone.
            store.active.extend(pending.iter().map(|sale| sale.sale));
            pending
        };
        let mut results = Vec::with_capacity(pending.len());
        for record in pending {
            let sale = record.sale;
            let result = self.recover_one(record).await;
            // A resumable sale stays claimed until whoever resumes it finishes.
            if !matches!(result, Recovered::Resumable(_)) {
                self.inner.release(sale);
            }
            tracing::info!(?result, "recovered a sale from the journal");
            results.push(result);
        }
        results
    }

    async fn recover_one(&self, record: SaleRecord) -> Recovered {
        let inner = &self.inner;
        let unresolved = |session_id: Option<String>, message: String| Recovered::Unresolved {
            reference: record.client_reference_id.clone(),
            session_id,
            message,
        };
        let Some(order) = order_of(&record) else {
            return unresolved(
                record.id.clone(),
                "the journal's record of this sale cannot be read".into(),
            );
        };
        let amount = order.total();
        let session = match (&record.id, &record.url) {
            (Some(id), url) => SessionInfo {
                id: id.clone(),
                url: url.clone().unwrap_or_default(),
            },
            (None, _) => match self.learn_session(&record).await {
                Ok(Some(session)) => session,
                Ok(None) => {
                    let detail = "WooshPay holds no session for this sale: nothing was payable";
                    inner.note(record.sale, |journal, sale| {
                        journal
                            .finish(sale, RecordedOutcome::Failed, detail, now_ms())
                            .map(|_| ())
                    });
                    return Recovered::Settled {
                        reference: record.client_reference_id.clone(),
                        session_id: None,
                        amount,
                        outcome: RecordedOutcome::Failed,
                        late_payment: false,
                    };
                }
                Err(message) => return unresolved(None, message),
            },
        };
        let read = observe(&inner.client, &session.id).await;
        inner.observe_contact(&read);
        let (_, observation) = match read {
            Ok(read) => read,
            Err(error) => {
                return unresolved(
                    Some(session.id.clone()),
                    format!("could not read session {}: {error}", session.id),
                );
            }
        };
        let settled = |outcome: RecordedOutcome, late_payment: bool| {
            let detail = if late_payment {
                "paid while the kiosk was not watching; recorded by recovery"
            } else {
                "recorded by recovery"
            };
            inner.note(record.sale, |journal, sale| {
                journal.finish(sale, outcome, detail, now_ms()).map(|_| ())
            });
            Recovered::Settled {
                reference: record.client_reference_id.clone(),
                session_id: Some(session.id.clone()),
                amount,
                outcome,
                late_payment,
            }
        };
        if observation.is_paid() {
            return settled(RecordedOutcome::Paid, true);
        }
        if observation.status == Some(SessionStatus::Expired) {
            return settled(RecordedOutcome::Expired, false);
        }
        let elapsed_ms = u64::try_from(now_ms().saturating_sub(record.created_ms)).unwrap_or(0);
        // A clock set back (a Pi without a battery before NTP) never stretches the wait past one timeout.
        let remaining = inner
            .settings
            .timing
            .timeout
            .saturating_sub(Duration::from_millis(elapsed_ms));
        let pending = PendingSale {
            journal_id: record.sale,
            reference: record.client_reference_id.clone(),
            order,
            session: session.clone(),
            remaining,
        };
        if !remaining.is_zero() {
            return Recovered::Resumable(pending);
        }
        // Past the timeout: expire it and read it back, through the same steps as a live sale.
        let (events, _) = mpsc::unbounded_channel();
        let (_cancel_tx, cancel) = watch::channel(false);
        let outcome = SaleRun::new(
            inner,
            pending.order,
            pending.reference,
            Start::Resume {
                session: pending.session,
                remaining: Duration::ZERO,
            },
            Some(record.sale),
            events,
            cancel,
        )
        .run()
        .await;
        match outcome {
            Outcome::Paid { .. } => Recovered::Settled {
                reference: record.client_reference_id.clone(),
                session_id: Some(session.id.clone()),
                amount,
                outcome: RecordedOutcome::Paid,
                late_payment: true,
            },
            Outcome::Expired { .. } | Outcome::Cancelled { .. } => Recovered::Settled {
                reference: record.client_reference_id.clone(),
                session_id: Some(session.id.clone()),
                amount,
                outcome: RecordedOutcome::Expired,
                late_payment: false,
            },
            Outcome::Failed {
                reason: FailureReason::Unconfirmed(message),
                ..
            } => unresolved(Some(session.id.clone()), message),
            Outcome::Failed { .. } => Recovered::Settled {
                reference: record.client_reference_id.clone(),
                session_id: Some(session.id.clone()),
                amount,
                outcome: RecordedOutcome::Failed,
                late_payment: false,
            },
        }
    }

    /// Staff's Re-check: reads the session from WooshPay now, records an outcome the journal was still waiting
    /// for, and says what WooshPay holds next to what the journal holds.
    pub async fn recheck(&self, session_id: &str) -> Result<RecheckAnswer, String> {
        let read = observe(&self.inner.client, session_id).await;
        self.inner.observe_contact(&read);
        let (session, observation) =
            read.map_err(|error| format!("could not read {session_id}: {error}"))?;
        let record = {
            let store = self.inner.store();
            let record = store
                .journal
                .by_session(session_id)
                .map_err(|e| e.to_string())?;
            match (
                &record,
                store
                    .active
                    .contains(&record.as_ref().map_or(-1, |r| r.sale)),
            ) {
                // A sale still being followed records its own outcome.
                (Some(_), true) => record,
                (Some(sale), false) if sale.outcome == "pending" => {
                    let settled = if observation.is_paid() {
                        Some(RecordedOutcome::Paid)
                    } else if observation.status == Some(SessionStatus::Expired) {
                        Some(RecordedOutcome::Expired)
                    } else {
                        None
                    };
                    if let Some(outcome) = settled {
                        store
                            .journal
                            .finish(sale.sale, outcome, "recorded by a staff re-check", now_ms())
                            .map_err(|e| e.to_string())?;
                    }
                    store
                        .journal
                        .by_session(session_id)
                        .map_err(|e| e.to_string())?
                }
                _ => record,
            }
        };
        let text = |v: Option<serde_json::Value>| v.and_then(|v| v.as_str().map(str::to_owned));
        let status = text(session.status.and_then(|s| serde_json::to_value(s).ok()));
        let payment = if observation.is_paid() {
            Some("paid".to_owned())
        } else {
            text(
                session
                    .payment_status
                    .and_then(|s| serde_json::to_value(s).ok()),
            )
        };
        Ok(RecheckAnswer {
            session_id: session_id.to_owned(),
            status,
            payment,
            recorded: record.map(|r| r.outcome),
        })
    }

    /// A create that got no answer: replay it under its recorded key to learn the session. `Ok(None)`: WooshPay
    /// refused the replay and lists no session for the sale, so none was ever payable.
    async fn learn_session(&self, record: &SaleRecord) -> Result<Option<SessionInfo>, String> {
        let inner = &self.inner;
        let params: Option<CreateCheckoutSession> = record
            .create_params
            .as_deref()
            .and_then(|body| serde_json::from_str(body).ok());
        let key = IdempotencyKey::from_recorded(&record.idempotency_key).ok();
        if let (Some(params), Some(key)) = (params, key) {
            let replayed = inner.client.create_checkout_session(&params, &key).await;
            inner.observe_contact(&replayed);
            match replayed {
                Ok(session) => {
                    let info = SessionInfo {
                        id: session.id.clone(),
                        url: session.url.clone().unwrap_or_default(),
                    };
                    inner.note(record.sale, |journal, sale| {
                        journal.session_created(sale, &info.id, &info.url, now_ms())
                    });
                    return Ok(Some(info));
                }
                Err(error) if error.is_connectivity() => {
                    return Err(format!("could not replay the create: {error}"));
                }
                Err(error) => {
                    tracing::warn!(%error, sale = %record.client_reference_id,
                        "WooshPay refused the replayed create; looking the sale up by reference");
                }
            }
        }
        // No usable recorded request (a journal from an older version), or the replay was refused.
        let listed = inner.client.list_checkout_sessions(100).await;
        inner.observe_contact(&listed);
        let listed = listed.map_err(|error| format!("could not list sessions: {error}"))?;
        let found = listed.data.into_iter().find(|session| {
            session.client_reference_id.as_deref() == Some(record.client_reference_id.as_str())
        });
        Ok(found.map(|session| {
            let info = SessionInfo {
                id: session.id.clone(),
                url: session.url.clone().unwrap_or_default(),
            };
            inner.note(record.sale, |journal, sale| {
                journal.session_created(sale, &info.id, &info.url, now_ms())
            });
            info
        }))
    }
}

fn order_of(record: &SaleRecord) -> Option<Order> {
    let currency = Currency::from_code(&record.currency).ok()?;
    let lines: Vec<OrderLine> = serde_json::from_value(record.lines.clone()).ok()?;
    Some(Order { currency, lines })
}
