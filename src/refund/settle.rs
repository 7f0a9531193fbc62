//! Settling a refund from WooshPay's answer, and at start the ones left in flight or pending.

use crate::journal::{Journal, RefundRecord, RefundState, now_ms};
use crate::wooshpay::{Client, Error, IdempotencyKey, Refund};

use super::{RefundJournalError, proves_nothing_refunded, state_of};

/// The metadata key that carries the journal's Idempotency-Key with the refund, so a refund left in flight is
/// found at WooshPay by its own mark, even after WooshPay has forgotten the key (Stripe keeps keys 24 hours).
pub const KEY_METADATA: &str = "kiosk_refund_key";

/// Writes WooshPay's answer down and returns the refund as the journal now holds it.
pub(super) async fn record_answer(
    journal: &Journal,
    record: &RefundRecord,
    answer: Result<&Refund, &Error>,
) -> Result<RefundRecord, RefundJournalError> {
    match answer {
        Ok(refund) if !answers(record, refund) => {
            tracing::error!(refund = record.row_id, answer = %refund.id, "WooshPay's refund answer is not this refund's; kept in flight");
        }
        Ok(refund) => {
            let (state, detail) = match state_of(refund) {
                Some(state) => (state, refund.failure_reason.clone()),
                // An id but a status the kiosk does not know: read it again later, never count it as money back.
                None => (
                    RefundState::Pending,
                    Some("status not known to the kiosk".into()),
                ),
            };
            journal.record_refund(
                record.row_id,
                Some(&refund.id),
                state,
                detail.as_deref(),
                now_ms(),
            )?;
        }
        Err(error) if proves_nothing_refunded(error) => {
            let detail = error.to_string();
            journal.record_refund(
                record.row_id,
                None,
                RefundState::Refused,
                Some(&detail),
                now_ms(),
            )?;
        }
        Err(error) => {
            tracing::warn!(refund = record.row_id, %error, "no answer about the refund; it stays in flight");
        }
    }
    let now = journal
        .refund(record.row_id)?
        .unwrap_or_else(|| record.clone());
    if now.state != record.state && now.state != RefundState::Requested {
        let refunded = u64::try_from(now.amount).unwrap_or(0);
        crate::metrics::refund_settled(
            now.state.as_str(),
            (now.state == RefundState::Succeeded).then_some((refunded, now.currency.as_str())),
        );
    }
    Ok(now)
}

/// Whether `refund` is the one `record` asked for: the same payment intent and amount (and, where WooshPay gave
/// the metadata back, the same key). A gateway that answers with another refund proves nothing about this one.
fn answers(record: &RefundRecord, refund: &Refund) -> bool {
    let request: serde_json::Value = serde_json::from_str(&record.request_json).unwrap_or_default();
    let same_intent = refund.payment_intent.as_deref() == request["payment_intent"].as_str();
    let same_amount = refund.amount == Some(record.amount);
    let same_key = refund
        .metadata
        .as_ref()
        .and_then(|m| m.get(KEY_METADATA))
        .and_then(|v| v.as_str())
        .is_none_or(|key| key == record.idempotency_key);
    let same_id = record.refund_id.as_deref().is_none_or(|id| id == refund.id);
    same_intent && same_amount && same_key && same_id
}

/// Settles one refund from WooshPay: a pending one is read again; one in flight is first looked for among the
/// payment's refunds by its key, then its request replayed under the same key (WooshPay makes it once, or
/// answers with the one it made).
pub async fn settle_refund(
    client: &Client,
    journal: &Journal,
    record: &RefundRecord,
) -> Result<RefundRecord, RefundJournalError> {
    match (record.state, record.refund_id.as_deref()) {
        (RefundState::Pending, Some(id)) | (RefundState::Requested, Some(id)) => {
            let answer = client.retrieve_refund(id).await;
            match answer {
                Ok(refund) => record_answer(journal, record, Ok(&refund)).await,
                Err(error) => {
                    tracing::warn!(refund = record.row_id, %error, "could not read the refund again");
                    Ok(record.clone())
                }
            }
        }
        (RefundState::Requested, None) => {
            let request: serde_json::Value = match serde_json::from_str(&record.request_json) {
                Ok(request) => request,
                Err(error) => {
                    tracing::error!(refund = record.row_id, %error, "the journalled refund request cannot be read");
                    return Ok(record.clone());
                }
            };
            if let Some(intent) = request["payment_intent"].as_str() {
                match find_by_key(client, intent, &record.idempotency_key).await {
                    Ok(Some(found)) => return record_answer(journal, record, Ok(&found)).await,
                    Ok(None) => {}
                    Err(error) => {
                        tracing::warn!(refund = record.row_id, %error, "could not list the payment's refunds");
                        return Ok(record.clone());
                    }
                }
            }
            let key = match IdempotencyKey::from_recorded(&record.idempotency_key) {
                Ok(key) => key,
                Err(error) => {
                    tracing::error!(refund = record.row_id, %error, "the journalled refund key is not usable");
                    return Ok(record.clone());
                }
            };
            let answer = client.create_refund(&request, &key).await;
            record_answer(journal, record, answer.as_ref()).await
        }
        _ => Ok(record.clone()),
    }
}

/// The refund of `payment_intent` that carries `key` in its metadata, if WooshPay has one.
async fn find_by_key(
    client: &Client,
    payment_intent: &str,
    key: &str,
) -> Result<Option<Refund>, Error> {
    let mut after: Option<String> = None;
    loop {
        let page = client
            .list_refunds_after(100, after.as_deref(), Some(payment_intent))
            .await?;
        if let Some(found) = page.data.iter().find(|r| {
            r.metadata
                .as_ref()
                .and_then(|m| m.get(KEY_METADATA))
                .and_then(|v| v.as_str())
                == Some(key)
        }) {
            return Ok(Some(found.clone()));
        }
        match (page.has_more, page.data.last()) {
            (Some(true), Some(last)) => after = Some(last.id.clone()),
            _ => return Ok(None),
        }
    }
}

/// Every refund the journal holds in flight or pending, settled as far as WooshPay can say now.
pub async fn settle_unsettled(
    client: &Client,
    journal: &Journal,
) -> Result<Vec<RefundRecord>, RefundJournalError> {
    let mut settled = Vec::new();
    for record in journal.unsettled_refunds()? {
        settled.push(settle_refund(client, journal, &record).await?);
    }
    Ok(settled)
}
