//! Recovery: every sale the journal still holds as pending is read back from WooshPay and settled.
//!
//! Runs at every start (UI, `charge`, `recover`). A sale whose create got no answer is replayed under its
//! recorded Idempotency-Key, which returns the session WooshPay made (or makes it now), so no session the kiosk
//! does not know about stays payable. Paid → recorded paid (a late payment). Expired → recorded. Still open
//! within the kiosk timeout → handed back to be resumed on screen. Past the timeout → expired at the gateway
//! and re-read, so a payment that landed meanwhile is still recorded paid.

use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::adoption::{self, Creation, Expected};
use super::machine::{FailureReason, IntentRead, Outcome, SessionInfo};
use super::observation::observe;
use super::sale_run::{SaleRun, Start};
use super::shared::Shared;
use crate::journal::{RecordedOutcome, SaleRecord, UnreadableSale, now_ms};
use crate::money::Money;
use crate::order::Order;
use crate::wooshpay::{CheckoutSession, CreateCheckoutSession, IdempotencyKey, SessionStatus};

/// How far either side of the create attempts a session's `created` may lie and still be this sale's: the
/// kiosk's and WooshPay's clocks may disagree by a few minutes (a Pi has no battery clock).
const CREATED_SLACK_MS: i64 = 10 * 60 * 1000;

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
        /// The order number of a sale recorded paid.
        order_number: Option<u32>,
    },
    /// Still open: resume it with the engine's `resume`.
    Resumable(PendingSale),
    /// Still pending in the journal (WooshPay unreachable or not conclusive); the next recovery tries again.
    Unresolved {
        reference: String,
        session_id: Option<String>,
        message: String,
    },
}

/// Settles every pending sale no task is running; see the module documentation.
pub(super) async fn recover(shared: &Shared) -> Vec<Recovered> {
    let (pending, unreadable): (Vec<SaleRecord>, Vec<UnreadableSale>) = {
        let mut store = shared.store();
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
        let (pending, unreadable): (Vec<_>, Vec<_>) = pending.into_iter().partition(Result::is_ok);
        let pending: Vec<SaleRecord> = pending
            .into_iter()
            .flatten()
            .filter(|sale| !store.active.contains(&sale.row_id))
            .collect();
        // Claimed under the lock: a second recovery, or a sale starting now, leaves these alone.
        store.active.extend(pending.iter().map(|sale| sale.row_id));
        let unreadable = unreadable.into_iter().filter_map(Result::err).collect();
        (pending, unreadable)
    };
    // Released however this ends, also when the caller stops waiting (a bounded settle drops this future).
    let mut claims = Claims {
        inner: shared,
        sales: pending.iter().map(|sale| sale.row_id).collect(),
    };
    let mut results = Vec::with_capacity(pending.len() + unreadable.len());
    for bad in unreadable {
        // Never settled from a guess: the row stays pending, named for staff.
        tracing::error!(sale = bad.row_id, problem = %bad.problem, "a pending sale in the journal cannot be read");
        results.push(Recovered::Unresolved {
            reference: bad.client_reference_id,
            session_id: bad.session_id,
            message: format!(
                "the journal's record of this sale cannot be read ({})",
                bad.problem
            ),
        });
    }
    for record in pending {
        let sale = record.row_id;
        let result = recover_one(shared, record).await;
        // A resumable sale stays claimed until whoever resumes it finishes.
        if matches!(result, Recovered::Resumable(_)) {
            claims.sales.retain(|claimed| *claimed != sale);
        } else {
            claims.release(sale);
        }
        tracing::info!(?result, "recovered a sale from the journal");
        results.push(result);
    }
    results
}

async fn recover_one(inner: &Shared, record: SaleRecord) -> Recovered {
    let unresolved = |session_id: Option<String>, message: String| Recovered::Unresolved {
        reference: record.client_reference_id.clone(),
        session_id,
        message,
    };
    let order = record.order();
    let amount = order.total();
    let session = match (&record.session_id, &record.url) {
        (Some(id), url) => SessionInfo {
            id: id.clone(),
            url: url.clone().unwrap_or_default(),
        },
        // Never settled from a guess: with no session found the sale stays pending, for staff to check.
        (None, _) => match learn_session(inner, &record, amount).await {
            Ok(session) => session,
            Err(message) => return unresolved(None, message),
        },
    };
    let read = observe(&inner.client, &session.id, IntentRead::UnlessPaid).await;
    inner.observe_contact(&read);
    let (read_session, observation) = match read {
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
        inner.write_or_log(record.row_id, |journal, sale| {
            // Kept for reconcile; never a reason to leave the outcome unrecorded.
            if let Some(intent) = read_session.payment_intent_id()
                && let Err(error) = journal.note_payment_intent(sale, intent)
            {
                tracing::warn!(%error, "could not keep the sale's payment intent");
            }
            journal.finish(sale, outcome, detail, now_ms()).map(|_| ())
        });
        Recovered::Settled {
            reference: record.client_reference_id.clone(),
            session_id: Some(session.id.clone()),
            amount,
            outcome: journal_outcome(inner, record.row_id).unwrap_or(outcome),
            late_payment,
            order_number: inner
                .store()
                .journal
                .order_number_of(record.row_id)
                .ok()
                .flatten(),
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
        journal_id: record.row_id,
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
    let (outcome, order_number) = SaleRun::new(
        inner,
        pending.order,
        pending.reference,
        Start::Resume {
            session: pending.session,
            remaining: Duration::ZERO,
        },
        Some(record.row_id),
        events,
        cancel,
    )
    .run()
    .await;
    let held = journal_outcome(inner, record.row_id);
    let settled = |outcome: RecordedOutcome, late_payment: bool| Recovered::Settled {
        reference: record.client_reference_id.clone(),
        session_id: Some(session.id.clone()),
        amount,
        outcome: held.unwrap_or(outcome),
        late_payment,
        order_number,
    };
    match outcome {
        Outcome::Paid { .. } => settled(RecordedOutcome::Paid, true),
        Outcome::Expired { .. } | Outcome::Cancelled { .. } => {
            settled(RecordedOutcome::Expired, false)
        }
        Outcome::Failed {
            reason: FailureReason::Unconfirmed(message),
            ..
        } => unresolved(Some(session.id.clone()), message),
        Outcome::Failed { .. } => settled(RecordedOutcome::Failed, false),
    }
}

/// A create that got no usable answer: replay it under its recorded key to learn the session; if WooshPay
/// refuses the replay, search its session list strictly. `Err`: no session could be proven this sale's.
async fn learn_session(
    inner: &Shared,
    record: &SaleRecord,
    amount: Money,
) -> Result<SessionInfo, String> {
    let params: Option<CreateCheckoutSession> = record
        .create_params
        .as_deref()
        .and_then(|body| serde_json::from_str(body).ok());
    // The kiosk id the create carried (the configured one may have changed since).
    let kiosk_id = params
        .as_ref()
        .and_then(|p| p.metadata.as_ref())
        .and_then(|m| m.get("kiosk_id"))
        .and_then(|v| v.as_str())
        .unwrap_or(&inner.settings.kiosk_id)
        .to_owned();
    let expected = Expected {
        client_reference_id: &record.client_reference_id,
        kiosk_id: &kiosk_id,
        total: amount,
    };
    let adopt = |session: &CheckoutSession| {
        let info = SessionInfo {
            id: session.id.clone(),
            url: session.url.clone().unwrap_or_default(),
        };
        inner.write_or_log(record.row_id, |journal, sale| {
            journal.session_created(sale, &info.id, &info.url, now_ms())
        });
        info
    };
    let key = IdempotencyKey::from_recorded(&record.idempotency_key).ok();
    if let (Some(params), Some(key)) = (params.as_ref(), key) {
        let replayed = inner.client.create_checkout_session(params, &key).await;
        inner.observe_contact(&replayed);
        match replayed {
            Ok(session) => {
                return match adoption::check(&session, &expected, Creation::Replay) {
                    Ok(()) => Ok(adopt(&session)),
                    Err(problem) => Err(format!("the replayed create was refused: {problem}")),
                };
            }
            Err(error) if error.is_connectivity() => {
                return Err(format!("could not replay the create: {error}"));
            }
            Err(error) => {
                tracing::warn!(%error, sale = %record.client_reference_id,
                        "WooshPay refused the replayed create; searching its sessions for this sale");
            }
        }
    }
    // No usable recorded request (a journal from an older version), or the replay was refused: search, and
    // take only a session that matches reference, kiosk, amount, currency and the time of the attempts.
    let listed = inner.client.list_checkout_sessions(100).await;
    inner.observe_contact(&listed);
    let listed = listed.map_err(|error| format!("could not list sessions: {error}"))?;
    let last_attempt = {
        let store = inner.store();
        store
            .journal
            .last_create_attempt_ms(record.row_id)
            .ok()
            .flatten()
    };
    let window = (record.created_ms - CREATED_SLACK_MS)
        ..=(last_attempt
            .unwrap_or(record.created_ms)
            .max(record.created_ms)
            + CREATED_SLACK_MS);
    let found = listed.data.iter().find(|session| {
        adoption::check(session, &expected, Creation::Replay).is_ok()
            && session
                .created
                .is_some_and(|created| window.contains(&created.millis()))
    });
    match found {
        Some(session) => Ok(adopt(session)),
        None => Err(format!(
            "WooshPay lists no session for this sale with its reference, kiosk id {kiosk_id}, amount {amount} \
                 and a creation time near the attempt; it stays pending: check WooshPay's dashboard"
        )),
    }
}

/// Claimed sales not yet released: released when dropped, so an abandoned recovery never strands a claim.
struct Claims<'a> {
    inner: &'a Shared,
    sales: Vec<i64>,
}

impl Claims<'_> {
    fn release(&mut self, sale: i64) {
        self.sales.retain(|claimed| *claimed != sale);
        self.inner.release(sale);
    }
}

impl Drop for Claims<'_> {
    fn drop(&mut self) {
        for sale in self.sales.drain(..) {
            self.inner.release(sale);
        }
    }
}

/// The outcome the journal now holds for a sale (which an earlier writer may have recorded first).
fn journal_outcome(inner: &Shared, sale: i64) -> Option<RecordedOutcome> {
    inner
        .store()
        .journal
        .outcome_of(sale)
        .ok()
        .flatten()?
        .settled()
}
