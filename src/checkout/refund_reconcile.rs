//! Refunds at WooshPay next to the journal's, for `reconcile` and Close shift: a refund made in WooshPay's
//! dashboard shows as a difference, and so does a journal refund WooshPay does not have or holds otherwise.
//! Refunds are matched by WooshPay's id, else by the kiosk's key carried in their metadata (a refund the journal
//! still holds in flight has no id yet).

use std::collections::{HashMap, HashSet};

use crate::journal::{RefundRecord, RefundState, SaleRecord};
use crate::refund::KEY_METADATA;
use crate::wooshpay::{self, Client, Refund, RefundStatus};

/// A bound on the refund listing, as for sessions.
const MAX_PAGES: usize = 2_000;

/// Why refunds could not be compared: never "they agree".
#[derive(Debug, thiserror::Error)]
pub enum RefundCompareError {
    #[error(transparent)]
    Gateway(#[from] wooshpay::Error),
    #[error("WooshPay's refund list cannot be trusted: {0}")]
    Listing(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MismatchKind {
    /// WooshPay holds a refund (succeeded or pending) of this kiosk's sale that the journal does not: one made in
    /// the dashboard, or by another tool.
    NotInJournal,
    /// The journal holds a refund as made (succeeded or pending) that WooshPay does not have.
    NotAtWooshpay,
    /// Both know it, with another status or amount (or the journal still holds it in flight).
    Differs,
}

/// One refund on which the two sides disagree.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    pub kind: MismatchKind,
    pub refund_id: Option<String>,
    pub sale: Option<SaleRecord>,
    pub session_id: Option<String>,
    pub journal: Option<RefundRecord>,
    pub wooshpay_status: Option<String>,
    pub wooshpay_amount: Option<i64>,
    pub wooshpay_currency: Option<String>,
}

/// The payment intents of this kiosk's sessions (intent id → session id), and the journal's refunds since
/// `since_ms` with their sales. Reads WooshPay's refunds created since `since_ms` (newest first, paged) and any
/// journal refund's by id that the listing did not show.
pub async fn compare_refunds(
    client: &Client,
    intents: &HashMap<String, String>,
    journal: &[(RefundRecord, SaleRecord)],
    kiosk_id: &str,
    since_ms: i64,
    page_size: u32,
) -> Result<Vec<Mismatch>, RefundCompareError> {
    let listed = list_refunds(client, since_ms, page_size).await?;
    let by_key: HashMap<&str, &(RefundRecord, SaleRecord)> = journal
        .iter()
        .map(|entry| (entry.0.idempotency_key.as_str(), entry))
        .collect();
    let by_id: HashMap<&str, &(RefundRecord, SaleRecord)> = journal
        .iter()
        .filter_map(|entry| Some((entry.0.refund_id.as_deref()?, entry)))
        .collect();
    let mut matched_rows: HashSet<i64> = HashSet::new();
    let mut mismatches = Vec::new();
    for refund in &listed {
        let ours_by_intent = refund
            .payment_intent
            .as_deref()
            .is_some_and(|pi| intents.contains_key(pi));
        let metadata = |key: &str| {
            refund
                .metadata
                .as_ref()
                .and_then(|m| m.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let ours_by_metadata = metadata("kiosk_id").as_deref() == Some(kiosk_id);
        let entry = by_id
            .get(refund.id.as_str())
            .copied()
            .or_else(|| metadata(KEY_METADATA).and_then(|key| by_key.get(key.as_str()).copied()));
        match entry {
            Some((record, sale)) => {
                matched_rows.insert(record.row_id);
                if !agrees(record, refund) {
                    mismatches.push(mismatch(
                        MismatchKind::Differs,
                        Some(refund),
                        Some((record, sale)),
                        intents,
                    ));
                }
            }
            None if ours_by_intent || ours_by_metadata => {
                let made = matches!(
                    refund.status,
                    Some(
                        RefundStatus::Succeeded
                            | RefundStatus::Pending
                            | RefundStatus::RequiresAction
                    ) | None
                        | Some(RefundStatus::Unknown)
                );
                if made {
                    mismatches.push(mismatch(
                        MismatchKind::NotInJournal,
                        Some(refund),
                        None,
                        intents,
                    ));
                }
            }
            None => {}
        }
    }
    for entry in journal {
        let (record, sale) = entry;
        if matched_rows.contains(&record.row_id) {
            continue;
        }
        match (&record.refund_id, record.state) {
            // Made, as the journal holds it, but not in the listing (created before `since`, or missed): read by id.
            (Some(id), state) if state.holds_money() => match client.retrieve_refund(id).await {
                Ok(refund) => {
                    if !agrees(record, &refund) {
                        mismatches.push(mismatch(
                            MismatchKind::Differs,
                            Some(&refund),
                            Some((record, sale)),
                            intents,
                        ));
                    }
                }
                Err(error) if error.status() == Some(404) => {
                    mismatches.push(mismatch(
                        MismatchKind::NotAtWooshpay,
                        None,
                        Some((record, sale)),
                        intents,
                    ));
                }
                Err(error) => return Err(error.into()),
            },
            // In flight and not found at WooshPay by its key: not settled yet (`recover` settles it).
            (None, RefundState::Requested) => {
                mismatches.push(mismatch(
                    MismatchKind::Differs,
                    None,
                    Some((record, sale)),
                    intents,
                ));
            }
            _ => {}
        }
    }
    Ok(mismatches)
}

/// The journal's refund and WooshPay's say the same: the same amount, and the same state (a refund the journal
/// holds in flight never agrees: it is not settled).
fn agrees(record: &RefundRecord, refund: &Refund) -> bool {
    let state = crate::refund::state_of(refund);
    refund.amount == Some(record.amount) && state == Some(record.state)
}

fn mismatch(
    kind: MismatchKind,
    refund: Option<&Refund>,
    journal: Option<(&RefundRecord, &SaleRecord)>,
    intents: &HashMap<String, String>,
) -> Mismatch {
    let session_id = journal
        .and_then(|(_, sale)| sale.session_id.clone())
        .or_else(|| {
            refund
                .and_then(|r| r.payment_intent.as_deref())
                .and_then(|pi| intents.get(pi).cloned())
        });
    Mismatch {
        kind,
        refund_id: refund
            .map(|r| r.id.clone())
            .or_else(|| journal.and_then(|(r, _)| r.refund_id.clone())),
        sale: journal.map(|(_, sale)| sale.clone()),
        session_id,
        journal: journal.map(|(record, _)| record.clone()),
        wooshpay_status: refund.and_then(|r| {
            r.status.map(|s| {
                serde_json::to_value(s)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "unknown".into())
            })
        }),
        wooshpay_amount: refund.and_then(|r| r.amount),
        wooshpay_currency: refund.and_then(|r| r.currency.clone()),
    }
}

/// Refunds created since `since_ms`, newest first, every page read.
async fn list_refunds(
    client: &Client,
    since_ms: i64,
    page_size: u32,
) -> Result<Vec<Refund>, RefundCompareError> {
    let mut all = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .list_refunds_after(page_size, cursor.as_deref(), None)
            .await?;
        if page.data.is_empty() {
            return Ok(all);
        }
        cursor = page.data.last().map(|r| r.id.clone());
        let reached_since = page
            .data
            .iter()
            .any(|r| r.created.is_some_and(|at| at.millis() < since_ms));
        let done = page.has_more == Some(false);
        for refund in page.data {
            if !seen.insert(refund.id.clone()) {
                return Err(RefundCompareError::Listing(format!(
                    "refund {} came twice: the list does not page",
                    refund.id
                )));
            }
            if refund.created.is_none_or(|at| at.millis() >= since_ms) {
                all.push(refund);
            }
        }
        if done || reached_since {
            return Ok(all);
        }
    }
    Err(RefundCompareError::Listing(format!(
        "more than {MAX_PAGES} pages: stopped without reaching the end"
    )))
}
