//! Refunding a paid sale, whole or in part, so that no retry, lost answer, crash or power cut refunds twice.
//!
//! The order of steps is the guarantee: the sale's payment intent is read from WooshPay first (a read changes
//! nothing); then the refund is written to the journal with a fresh Idempotency-Key and the exact request body,
//! in one transaction that checks what is left (so the screen and a terminal cannot race past the remainder);
//! only then does the request leave. Whatever happens after that, replaying the journalled request under its key
//! gets WooshPay's one refund back, never a second one. "Refunded" is recorded only when WooshPay's refund says
//! `succeeded`; `pending` is read again; `failed` and `canceled` give the amount back to the remainder.

mod settle;

use crate::journal::{
    Journal, JournalError, NewRefund, RefundRecord, RefundRefusal, RefundState, SaleOutcome,
    SaleRecord, now_ms,
};
use crate::wooshpay::{Client, Error, IdempotencyKey, Refund, RefundReason, RefundStatus};

pub use settle::{KEY_METADATA, settle_refund, settle_unsettled};

/// What staff asked for.
#[derive(Clone, Debug)]
pub struct RefundAsk {
    /// Minor units; `None`: all that is left.
    pub amount: Option<i64>,
    pub reason: RefundReason,
    /// Staff ticked "goods returned": the items go back into stock when the refund succeeds.
    pub goods_returned: bool,
}

/// How a refund ended for the person who asked.
#[derive(Debug)]
pub enum RefundResult {
    /// WooshPay answered about the refund (succeeded, pending, failed or canceled); the record says which.
    Answered(RefundRecord),
    /// Refused before any request left: nothing was sent, nothing refunded.
    Refused(String),
    /// WooshPay answered no, or could not be reached; `record` is the journal's row when one was written (its
    /// state says whether the refund may still have been made: `requested` is settled by recovery).
    NotRefunded {
        message: String,
        record: Option<RefundRecord>,
    },
}

#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct RefundJournalError(#[from] JournalError);

/// The kiosk's own words for a refund, sent as its metadata: which kiosk, which sale.
pub struct RefundContext<'a> {
    pub client: &'a Client,
    pub journal: &'a Journal,
    pub kiosk_id: &'a str,
}

impl RefundContext<'_> {
    /// Refunds `sale` as `ask` says. Settles any earlier refund of the sale left in flight first, so one refund at
    /// a time goes out and the remainder is worked out from answers, not guesses.
    pub async fn refund(
        &self,
        sale: &SaleRecord,
        ask: &RefundAsk,
    ) -> Result<RefundResult, RefundJournalError> {
        if sale.outcome != SaleOutcome::Paid {
            return Ok(RefundResult::Refused(format!(
                "sale {} is {}, not paid: there is nothing to refund",
                sale.client_reference_id, sale.outcome
            )));
        }
        for earlier in self.journal.refunds_of(sale.row_id)? {
            if earlier.state == RefundState::Requested {
                let settled = settle_refund(self.client, self.journal, &earlier).await?;
                if settled.state == RefundState::Requested {
                    return Ok(RefundResult::NotRefunded {
                        message: format!(
                            "an earlier refund of this sale (journal refund {}) could not be confirmed with \
                             WooshPay; nothing new was sent. Try again once WooshPay can be reached",
                            earlier.row_id
                        ),
                        record: Some(settled),
                    });
                }
            }
        }
        let (_, left) =
            crate::journal::refunded_and_left(sale, &self.journal.refunds_of(sale.row_id)?);
        if let Some(refusal) = check_amount(ask.amount, left) {
            return Ok(RefundResult::Refused(refusal.to_string()));
        }
        let payment_intent = match self.payment_intent_of(sale).await {
            Ok(intent) => intent,
            Err(Failure::Refused(message)) => return Ok(RefundResult::Refused(message)),
            Err(Failure::Unreachable(message)) => {
                return Ok(RefundResult::NotRefunded {
                    message,
                    record: None,
                });
            }
        };
        // Kept for reconcile (a sale journalled before the journal kept payment intents); never a reason not to
        // refund.
        if let Err(error) = self
            .journal
            .note_payment_intent(sale.row_id, &payment_intent)
        {
            tracing::warn!(%error, "could not keep the sale's payment intent");
        }
        let key = IdempotencyKey::generate();
        let reference = sale.client_reference_id.clone();
        let mut metadata = serde_json::Map::new();
        metadata.insert("kiosk_id".into(), self.kiosk_id.into());
        metadata.insert("reference".into(), reference.into());
        metadata.insert(KEY_METADATA.into(), key.as_str().into());
        let body = |amount: i64| {
            serde_json::json!({
                "payment_intent": payment_intent,
                "amount": amount,
                "reason": ask.reason.as_str(),
                "metadata": metadata,
            })
            .to_string()
        };
        let new = NewRefund {
            sale_row: sale.row_id,
            amount: ask.amount,
            reason: ask.reason.as_str(),
            goods_returned: ask.goods_returned,
            idempotency_key: key.as_str(),
            request: &body,
        };
        let record = match self.journal.begin_refund(&new, now_ms())? {
            Ok(record) => record,
            Err(refusal) => return Ok(RefundResult::Refused(refusal.to_string())),
        };
        tracing::info!(sale = %sale.client_reference_id, refund = record.row_id, amount = record.amount, reason = %record.reason, "refund requested");
        let request: serde_json::Value = serde_json::from_str(&record.request_json)
            .expect("the journal holds what was just built");
        let answer = self.client.create_refund(&request, &key).await;
        let record = settle::record_answer(self.journal, &record, answer.as_ref()).await?;
        Ok(match (&answer, record.state) {
            (Err(error), RefundState::Refused) => RefundResult::NotRefunded {
                message: format!("WooshPay refused the refund: {error}"),
                record: Some(record),
            },
            (Err(error), _) => RefundResult::NotRefunded {
                message: format!(
                    "no answer from WooshPay ({error}); whether the refund was made is not known yet. It is kept \
                     in the journal and settled (never made twice) by `wooshpay-kiosk recover` or the next start"
                ),
                record: Some(record),
            },
            (Ok(_), RefundState::Requested) => RefundResult::NotRefunded {
                message: "WooshPay's answer does not match this refund (another payment or amount); it is kept \
                          in the journal and read again at the next recovery"
                    .into(),
                record: Some(record),
            },
            (Ok(_), _) => RefundResult::Answered(record),
        })
    }

    /// The payment intent of a paid sale, read from WooshPay (the journal keeps only the session), and checked
    /// to be this sale's.
    async fn payment_intent_of(&self, sale: &SaleRecord) -> Result<String, Failure> {
        let Some(session_id) = sale.session_id.as_deref() else {
            return Err(Failure::Refused(format!(
                "sale {} has no checkout session",
                sale.client_reference_id
            )));
        };
        let session = self
            .client
            .retrieve_checkout_session(session_id)
            .await
            .map_err(|error| {
                if error.is_connectivity() {
                    Failure::Unreachable(format!(
                        "could not read the sale's session from WooshPay: {error}; nothing was refunded"
                    ))
                } else {
                    Failure::Refused(format!(
                        "WooshPay would not give the sale's session {session_id}: {error}; nothing was refunded"
                    ))
                }
            })?;
        if session.client_reference_id.as_deref() != Some(sale.client_reference_id.as_str()) {
            return Err(Failure::Refused(format!(
                "WooshPay's session {session_id} is not sale {} (its reference is {:?}); nothing was refunded",
                sale.client_reference_id, session.client_reference_id
            )));
        }
        session
            .payment_intent_id()
            .map(str::to_owned)
            .ok_or_else(|| {
                Failure::Refused(format!(
                    "WooshPay's session {session_id} names no payment intent; nothing was refunded"
                ))
            })
    }
}

enum Failure {
    Refused(String),
    Unreachable(String),
}

/// Why `amount` cannot be refunded from `left`, checked before anything is sent (the journal checks again, in
/// the transaction that writes the refund).
pub fn check_amount(amount: Option<i64>, left: i64) -> Option<RefundRefusal> {
    if left <= 0 {
        return Some(RefundRefusal::NothingLeft);
    }
    match amount {
        Some(asked) if asked > left => Some(RefundRefusal::OverRemainder { asked, left }),
        _ => None,
    }
}

/// The journal's state for WooshPay's refund status. `None`: an answer that proves nothing (an unknown status).
pub fn state_of(refund: &Refund) -> Option<RefundState> {
    match refund.status? {
        RefundStatus::Succeeded => Some(RefundState::Succeeded),
        RefundStatus::Pending | RefundStatus::RequiresAction => Some(RefundState::Pending),
        RefundStatus::Failed => Some(RefundState::Failed),
        RefundStatus::Canceled => Some(RefundState::Canceled),
        RefundStatus::Unknown => None,
    }
}

/// Whether a refund error proves WooshPay did nothing: a plain refusal of a request whose every attempt was
/// answered.
pub fn proves_nothing_refunded(error: &Error) -> bool {
    !error.may_have_been_processed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_amount_is_checked_against_what_is_left() {
        assert_eq!(check_amount(None, 500), None);
        assert_eq!(check_amount(Some(500), 500), None);
        assert_eq!(
            check_amount(Some(501), 500),
            Some(RefundRefusal::OverRemainder {
                asked: 501,
                left: 500
            })
        );
        assert_eq!(check_amount(None, 0), Some(RefundRefusal::NothingLeft));
    }
}
