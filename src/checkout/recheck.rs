//! Staff's Re-check of one session: what WooshPay holds now next to what the journal holds, recording an
//! outcome the journal was still waiting for (unless a running sale will record its own).

use super::machine::IntentRead;
use super::observation::observe;
use super::shared::Shared;
use crate::journal::{RecordedOutcome, SaleOutcome, now_ms};
use crate::wooshpay::SessionStatus;

/// What a staff re-check learned: WooshPay's words for the session (as its dashboard shows them) and the
/// journal's outcome after the re-check recorded anything it settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecheckAnswer {
    pub session_id: String,
    /// `open`, `complete`, `expired`; `None` when WooshPay left it out.
    pub status: Option<String>,
    /// `paid`, `unpaid`, …
    pub payment: Option<String>,
    /// What the journal holds; `None` when the session is not in this kiosk's journal.
    pub recorded: Option<SaleOutcome>,
}

/// Staff's Re-check: reads the session from WooshPay now, records an outcome the journal was still waiting
/// for, and says what WooshPay holds next to what the journal holds.
pub(super) async fn recheck(shared: &Shared, session_id: &str) -> Result<RecheckAnswer, String> {
    let read = observe(&shared.client, session_id, IntentRead::UnlessPaid).await;
    shared.observe_contact(&read);
    let (session, observation) =
        read.map_err(|error| format!("could not read {session_id}: {error}"))?;
    let record = {
        let store = shared.store();
        let record = store
            .journal
            .by_session(session_id)
            .map_err(|e| e.to_string())?;
        match (
            &record,
            store
                .active
                .contains(&record.as_ref().map_or(-1, |r| r.row_id)),
        ) {
            // A sale still being followed records its own outcome.
            (Some(_), true) => record,
            (Some(sale), false) if sale.outcome == SaleOutcome::Pending => {
                let settled = if observation.is_paid() {
                    Some(RecordedOutcome::Paid)
                } else if observation.status == Some(SessionStatus::Expired) {
                    Some(RecordedOutcome::Expired)
                } else {
                    None
                };
                if let Some(outcome) = settled {
                    // Kept for reconcile; never a reason to leave the outcome unrecorded.
                    if let Some(intent) = session.payment_intent_id()
                        && let Err(error) = store.journal.note_payment_intent(sale.row_id, intent)
                    {
                        tracing::warn!(%error, "could not keep the sale's payment intent");
                    }
                    store
                        .journal
                        .finish(
                            sale.row_id,
                            outcome,
                            "recorded by a staff re-check",
                            now_ms(),
                        )
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
