//! Reconciliation: this kiosk's sessions as WooshPay lists them, next to the journal. Every difference is
//! proven from WooshPay's own answers: a session the listing did not show is read by id, and a session that
//! does not say paid has its payment intent read before the journal's "paid" is called into question.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::journal::{SaleOutcome, SaleRecord};
use crate::wooshpay::{self, CheckoutSession, Client, SessionStatus};

/// Pages of this many sessions (WooshPay's maximum).
pub const PAGE_SIZE: u32 = 100;
/// A bound on the listing, so a cursor that never ends cannot keep the kiosk busy forever.
const MAX_PAGES: usize = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// WooshPay says paid; the journal has no such sale, or holds it as not paid.
    PaidNotInJournal,
    /// The journal says paid; WooshPay says the session (or its payment intent) is not paid, or has no such
    /// session.
    JournalPaidNotPaid,
    /// Both know the sale, with different amounts or currencies.
    AmountDiffers,
    /// The session can still be paid.
    StillOpen,
}

impl DifferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaidNotInJournal => "paid_not_in_journal",
            Self::JournalPaidNotPaid => "journal_paid_not_paid",
            Self::AmountDiffers => "amount_differs",
            Self::StillOpen => "still_open",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub kind: DifferenceKind,
    pub session_id: Option<String>,
    pub client_reference_id: Option<String>,
    /// `None`: the journal has no such sale.
    pub journal_outcome: Option<String>,
    pub journal_amount: Option<i64>,
    pub journal_currency: Option<String>,
    pub order_number: Option<u32>,
    /// `None`: WooshPay has no such session.
    pub wooshpay_status: Option<String>,
    pub wooshpay_payment_status: Option<String>,
    pub wooshpay_paid: Option<bool>,
    pub wooshpay_amount: Option<i64>,
    pub wooshpay_currency: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reconciliation {
    pub kiosk_id: String,
    pub since_ms: i64,
    /// This kiosk's sessions created since `since_ms`, as listed.
    pub sessions_at_wooshpay: usize,
    /// Sales the journal holds from `since_ms`.
    pub sales_in_journal: usize,
    pub differences: Vec<Difference>,
}

impl Reconciliation {
    pub fn agrees(&self) -> bool {
        self.differences.is_empty()
    }

    /// How many differences of `kind`.
    pub fn count(&self, kind: DifferenceKind) -> usize {
        self.differences.iter().filter(|d| d.kind == kind).count()
    }
}

/// Lists this kiosk's sessions since `since_ms` (newest first, page by page, kept to those whose
/// `metadata.kiosk_id` is `kiosk_id`) and compares them with `journal` (the journal's sales since then).
pub async fn reconcile(
    client: &Client,
    journal: &[SaleRecord],
    kiosk_id: &str,
    since_ms: i64,
    page_size: u32,
) -> Result<Reconciliation, wooshpay::Error> {
    let sessions = list_sessions(client, kiosk_id, since_ms, page_size).await?;
    let listed = sessions.len();
    let mut by_id: HashMap<String, CheckoutSession> = sessions
        .into_iter()
        .map(|session| (session.id.clone(), session))
        .collect();
    let by_reference: HashMap<String, String> = by_id
        .values()
        .filter_map(|s| Some((s.client_reference_id.clone()?, s.id.clone())))
        .collect();
    let mut matched: HashSet<String> = HashSet::new();
    let mut differences = Vec::new();
    for sale in journal {
        let session_id = sale
            .session_id
            .clone()
            .or_else(|| by_reference.get(&sale.client_reference_id).cloned());
        let session = match &session_id {
            Some(id) => match by_id.get(id) {
                Some(session) => Some(session.clone()),
                // Not in the listing (created before `since`, or a listing that skipped it): asked by id.
                None => match client.retrieve_checkout_session(id).await {
                    Ok(session) => {
                        by_id.insert(session.id.clone(), session.clone());
                        Some(session)
                    }
                    Err(error) if error.status() == Some(404) => None,
                    Err(error) => return Err(error),
                },
            },
            None => None,
        };
        if let Some(id) = &session_id {
            matched.insert(id.clone());
        }
        let paid = match &session {
            Some(session) => Some(is_paid(client, session).await?),
            None => None,
        };
        let difference = |kind| difference(kind, Some(sale), session.as_ref(), paid, &session_id);
        let journal_paid = sale.outcome == SaleOutcome::Paid;
        match paid {
            Some(true) if !journal_paid => {
                differences.push(difference(DifferenceKind::PaidNotInJournal))
            }
            Some(false) | None if journal_paid => {
                differences.push(difference(DifferenceKind::JournalPaidNotPaid))
            }
            _ => {}
        }
        if let Some(session) = &session {
            let currency_differs = session
                .currency
                .as_deref()
                .is_some_and(|c| !c.eq_ignore_ascii_case(sale.currency.code()));
            if session.amount_total != Some(sale.amount_total) || currency_differs {
                differences.push(difference(DifferenceKind::AmountDiffers));
            }
            if session.status == Some(SessionStatus::Open) {
                differences.push(difference(DifferenceKind::StillOpen));
            }
        }
    }
    let mut unmatched: Vec<&CheckoutSession> = by_id
        .values()
        .filter(|session| !matched.contains(&session.id))
        .collect();
    unmatched.sort_by(|a, b| a.id.cmp(&b.id));
    for session in unmatched {
        let paid = is_paid(client, session).await?;
        let id = Some(session.id.clone());
        if paid {
            differences.push(difference(
                DifferenceKind::PaidNotInJournal,
                None,
                Some(session),
                Some(true),
                &id,
            ));
        } else if session.status == Some(SessionStatus::Open) {
            differences.push(difference(
                DifferenceKind::StillOpen,
                None,
                Some(session),
                Some(false),
                &id,
            ));
        }
    }
    Ok(Reconciliation {
        kiosk_id: kiosk_id.to_owned(),
        since_ms,
        sessions_at_wooshpay: listed,
        sales_in_journal: journal.len(),
        differences,
    })
}

async fn list_sessions(
    client: &Client,
    kiosk_id: &str,
    since_ms: i64,
    page_size: u32,
) -> Result<Vec<CheckoutSession>, wooshpay::Error> {
    let mut ours = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .list_checkout_sessions_after(page_size, cursor.as_deref())
            .await?;
        let Some(last) = page.data.last() else { break };
        cursor = Some(last.id.clone());
        // Newest first: once a page reaches back past `since`, the pages after it are older still.
        let reached_since = page
            .data
            .iter()
            .any(|s| s.created.is_some_and(|at| at.millis() < since_ms));
        let more = page.has_more == Some(true);
        ours.extend(page.data.into_iter().filter(|session| {
            let mine = session
                .metadata
                .as_ref()
                .and_then(|m| m.get("kiosk_id"))
                .and_then(|v| v.as_str())
                == Some(kiosk_id);
            // A session without a creation time is kept: it cannot be placed before `since`.
            mine && session.created.is_none_or(|at| at.millis() >= since_ms)
        }));
        if reached_since || !more {
            break;
        }
    }
    Ok(ours)
}

/// Paid per the contract: the session says paid, or its payment intent has succeeded (read when the session
/// names one but does not carry it).
async fn is_paid(client: &Client, session: &CheckoutSession) -> Result<bool, wooshpay::Error> {
    if session.is_paid() {
        return Ok(true);
    }
    let Some(intent) = session.payment_intent.as_ref() else {
        return Ok(false);
    };
    if intent.as_object().is_some() {
        return Ok(false); // carried and not succeeded: is_paid looked at it
    }
    match client.retrieve_payment_intent(intent.id()).await {
        Ok(intent) => Ok(intent.has_succeeded()),
        Err(error) if error.status() == Some(404) => Ok(false),
        Err(error) => Err(error),
    }
}

fn difference(
    kind: DifferenceKind,
    sale: Option<&SaleRecord>,
    session: Option<&CheckoutSession>,
    paid: Option<bool>,
    session_id: &Option<String>,
) -> Difference {
    Difference {
        kind,
        session_id: session_id.clone(),
        client_reference_id: sale
            .map(|s| s.client_reference_id.clone())
            .or_else(|| session.and_then(|s| s.client_reference_id.clone())),
        journal_outcome: sale.map(|s| s.outcome.as_str().to_owned()),
        journal_amount: sale.map(|s| s.amount_total),
        journal_currency: sale.map(|s| s.currency.code().to_owned()),
        order_number: sale.and_then(|s| s.order_number),
        wooshpay_status: session.and_then(|s| s.status.as_ref().map(word)),
        wooshpay_payment_status: session.and_then(|s| s.payment_status.as_ref().map(word)),
        wooshpay_paid: paid,
        wooshpay_amount: session.and_then(|s| s.amount_total),
        wooshpay_currency: session.and_then(|s| s.currency.clone()),
    }
}

/// WooshPay's own word for an enum value (`open`, `paid`), as it was sent.
fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}
