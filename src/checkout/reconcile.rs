//! Reconciliation: this kiosk's sessions as WooshPay lists them, next to the journal. "They agree" is said only
//! on a listing read to its end: every item readable, pages that really page (no repeats, newest first), and
//! every difference proven from WooshPay's own answers (a session the listing did not show is read by id, and a
//! session that does not say paid has its payment intent read before the journal's "paid" is questioned).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::refund_reconcile::{MismatchKind, RefundCompareError, compare_refunds};
use crate::journal::{RefundRecord, SaleOutcome, SaleRecord};
use crate::wooshpay::{self, CheckoutSession, Client, SessionPaymentStatus, SessionStatus};

/// Pages of this many sessions (WooshPay's maximum).
pub const PAGE_SIZE: u32 = 100;
/// A bound on the listing (200 000 sessions at the page size), so a cursor that never ends is an error, not a
/// kiosk busy forever or a comparison cut short.
const MAX_PAGES: usize = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// WooshPay says paid; the journal has no such sale, or holds it as not paid.
    PaidNotInJournal,
    /// The journal says paid; WooshPay says the session (and its payment intent) is not paid, or has no such
    /// session.
    JournalPaidNotPaid,
    /// Both know the sale, with different amounts or currencies (or WooshPay does not say which).
    AmountDiffers,
    /// The session can still be paid, and the kiosk is not following it.
    StillOpen,
    /// WooshPay's session is neither paid, open nor expired (complete but unpaid: a payment still being
    /// processed; or a status the kiosk does not know), and the journal does not hold it as paid.
    UnclearAtWooshpay,
    /// The journal still holds the sale as pending, but WooshPay has settled it (the session expired) or has no
    /// such session: `recover` settles it (the kiosk does the same at its next start). A pending sale whose
    /// session is paid is `PaidNotInJournal`; one whose session is still open is in progress, not a difference.
    PendingInJournal,
    /// WooshPay holds a refund of this kiosk's sale (succeeded or pending) the journal does not: one made in the
    /// dashboard.
    RefundNotInJournal,
    /// The journal holds a refund as made that WooshPay does not have.
    RefundNotAtWooshpay,
    /// Both know the refund, with another status or amount, or the journal still holds it in flight.
    RefundDiffers,
}

impl DifferenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaidNotInJournal => "paid_not_in_journal",
            Self::JournalPaidNotPaid => "journal_paid_not_paid",
            Self::AmountDiffers => "amount_differs",
            Self::StillOpen => "still_open",
            Self::UnclearAtWooshpay => "unclear_at_wooshpay",
            Self::PendingInJournal => "pending_in_journal",
            Self::RefundNotInJournal => "refund_not_in_journal",
            Self::RefundNotAtWooshpay => "refund_not_at_wooshpay",
            Self::RefundDiffers => "refund_differs",
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
    /// For a refund difference: WooshPay's refund id, and the refund's status and amount on each side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund: Option<RefundSides>,
}

/// A refund as each side holds it (`None`: that side does not have it).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RefundSides {
    pub id: Option<String>,
    pub journal_status: Option<String>,
    pub journal_amount: Option<i64>,
    pub wooshpay_status: Option<String>,
    pub wooshpay_amount: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reconciliation {
    pub kiosk_id: String,
    pub since_ms: i64,
    /// This kiosk's sessions created since `since_ms`, as listed.
    pub sessions_at_wooshpay: usize,
    /// Sales the journal holds from `since_ms`.
    pub sales_in_journal: usize,
    /// Sales the kiosk is still following (pending in the journal, the session open): not differences.
    pub in_progress: usize,
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

    /// What settles the differences found: `recover` for sales the journal has not settled, else `None`.
    pub fn advice(&self) -> Option<&'static str> {
        let unsettled = self.differences.iter().any(|d| {
            let pending_sale = d.journal_outcome.as_deref() == Some(SaleOutcome::Pending.as_str())
                && matches!(
                    d.kind,
                    DifferenceKind::PendingInJournal | DifferenceKind::PaidNotInJournal
                );
            let unsettled_refund = d.refund.as_ref().is_some_and(|r| {
                matches!(
                    r.journal_status.as_deref(),
                    Some("requested") | Some("pending")
                )
            });
            pending_sale || unsettled_refund
        });
        unsettled.then_some(
            "run `wooshpay-kiosk recover` to settle the sales and refunds the journal still holds as pending \
             (the kiosk does the same when it next starts)",
        )
    }
}

/// What reconciliation reads of the journal. Read after WooshPay's listing, so a sale started while the list
/// was being read is in the journal by the time it is looked for.
pub trait JournalView {
    fn sales_since(&self, since_ms: i64) -> Result<Vec<SaleRecord>, String>;
    /// Any sale, however old: a session listed since `since` may belong to a sale begun just before it.
    fn by_session(&self, session_id: &str) -> Result<Option<SaleRecord>, String>;
    /// Refunds begun or settled since `since_ms`, each with its sale.
    fn refunds_since(&self, _since_ms: i64) -> Result<Vec<(RefundRecord, SaleRecord)>, String> {
        Ok(Vec::new())
    }
    /// Every (payment intent, session) the journal has seen a sale paid through, however old.
    fn payment_intents(&self) -> Result<Vec<(String, String)>, String> {
        Ok(Vec::new())
    }
}

impl JournalView for crate::journal::Journal {
    fn sales_since(&self, since_ms: i64) -> Result<Vec<SaleRecord>, String> {
        crate::journal::Journal::sales_since(self, since_ms).map_err(|e| e.to_string())
    }

    fn by_session(&self, session_id: &str) -> Result<Option<SaleRecord>, String> {
        crate::journal::Journal::by_session(self, session_id).map_err(|e| e.to_string())
    }

    fn payment_intents(&self) -> Result<Vec<(String, String)>, String> {
        crate::journal::Journal::payment_intents(self).map_err(|e| e.to_string())
    }

    fn refunds_since(&self, since_ms: i64) -> Result<Vec<(RefundRecord, SaleRecord)>, String> {
        let refunds =
            crate::journal::Journal::refunds_since(self, since_ms).map_err(|e| e.to_string())?;
        let mut with_sales = Vec::with_capacity(refunds.len());
        for refund in refunds {
            if let Some(sale) = self.sale(refund.sale_row).map_err(|e| e.to_string())? {
                with_sales.push((refund, sale));
            }
        }
        Ok(with_sales)
    }
}

/// Why the comparison could not be made: never "they agree".
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Gateway(#[from] wooshpay::Error),
    #[error("WooshPay's session list cannot be trusted: {0}")]
    Listing(String),
    #[error("the journal cannot be read: {0}")]
    Journal(String),
}

impl From<RefundCompareError> for ReconcileError {
    fn from(error: RefundCompareError) -> Self {
        match error {
            RefundCompareError::Gateway(error) => ReconcileError::Gateway(error),
            RefundCompareError::Listing(message) => ReconcileError::Listing(message),
        }
    }
}

/// Lists this kiosk's sessions since `since_ms` (newest first, page by page, kept to those whose
/// `metadata.kiosk_id` is `kiosk_id`), then reads the journal and compares.
pub async fn reconcile<J: JournalView + ?Sized>(
    client: &Client,
    journal: &J,
    kiosk_id: &str,
    since_ms: i64,
    page_size: u32,
) -> Result<Reconciliation, ReconcileError> {
    let sessions = list_sessions(client, kiosk_id, since_ms, page_size).await?;
    let listed = sessions.len();
    let sales = journal
        .sales_since(since_ms)
        .map_err(ReconcileError::Journal)?;
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
    let mut in_progress = 0;
    for sale in &sales {
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
                    Err(error) => return Err(error.into()),
                },
            },
            None => None,
        };
        if let Some(id) = &session_id {
            matched.insert(id.clone());
        }
        match compare(client, Some(sale), session.as_ref(), &session_id).await? {
            Compared::Agree => {}
            Compared::InProgress => in_progress += 1,
            Compared::Differ(found) => differences.extend(found),
        }
    }
    // This kiosk's payment intents, for telling its refunds from other kiosks' in WooshPay's refund list: the
    // sessions read here, and every one the journal has kept (a refund made in the dashboard of a sale from
    // before `since` names only its payment intent).
    let mut intents: HashMap<String, String> = journal
        .payment_intents()
        .map_err(ReconcileError::Journal)?
        .into_iter()
        .collect();
    intents.extend(
        by_id
            .values()
            .filter_map(|s| Some((s.payment_intent_id()?.to_owned(), s.id.clone()))),
    );
    let mut unmatched: Vec<CheckoutSession> = by_id
        .into_values()
        .filter(|session| !matched.contains(&session.id))
        .collect();
    unmatched.sort_by(|a, b| a.id.cmp(&b.id));
    for session in unmatched {
        // A sale begun before `since` whose session was created after it: the journal has it all the same.
        let sale = journal
            .by_session(&session.id)
            .map_err(ReconcileError::Journal)?;
        let id = Some(session.id.clone());
        match compare(client, sale.as_ref(), Some(&session), &id).await? {
            Compared::Agree => {}
            Compared::InProgress => in_progress += 1,
            Compared::Differ(found) => differences.extend(found),
        }
    }
    let journal_refunds = journal
        .refunds_since(since_ms)
        .map_err(ReconcileError::Journal)?;
    let mismatches = compare_refunds(
        client,
        &intents,
        &journal_refunds,
        kiosk_id,
        since_ms,
        page_size,
    )
    .await?;
    differences.extend(mismatches.into_iter().map(|m| {
        let kind = match m.kind {
            MismatchKind::NotInJournal => DifferenceKind::RefundNotInJournal,
            MismatchKind::NotAtWooshpay => DifferenceKind::RefundNotAtWooshpay,
            MismatchKind::Differs => DifferenceKind::RefundDiffers,
        };
        let mut found = difference(kind, m.sale.as_ref(), None, None, &m.session_id);
        found.wooshpay_currency = m.wooshpay_currency.clone();
        found.refund = Some(RefundSides {
            id: m.refund_id.clone(),
            journal_status: m.journal.as_ref().map(|r| r.state.as_str().to_owned()),
            journal_amount: m.journal.as_ref().map(|r| r.amount),
            wooshpay_status: m.wooshpay_status.clone(),
            wooshpay_amount: m.wooshpay_amount,
        });
        found
    }));
    Ok(Reconciliation {
        kiosk_id: kiosk_id.to_owned(),
        since_ms,
        sessions_at_wooshpay: listed,
        sales_in_journal: sales.len(),
        in_progress,
        differences,
    })
}

enum Compared {
    Agree,
    InProgress,
    Differ(Vec<Difference>),
}

/// One sale (or one session the journal does not know), its differences listed once: a sale the journal holds
/// as paid whose session is open is one difference (not paid at WooshPay), not two.
async fn compare(
    client: &Client,
    sale: Option<&SaleRecord>,
    session: Option<&CheckoutSession>,
    session_id: &Option<String>,
) -> Result<Compared, ReconcileError> {
    let paid = match session {
        Some(session) => Some(is_paid(client, session).await?),
        None => None,
    };
    let outcome = sale.map(|s| s.outcome);
    let journal_paid = outcome == Some(SaleOutcome::Paid);
    let difference = |kind| difference(kind, sale, session, paid, session_id);
    let mut found = Vec::new();
    match (paid, session) {
        (Some(true), _) if !journal_paid => {
            found.push(difference(DifferenceKind::PaidNotInJournal))
        }
        (Some(false) | None, _) if journal_paid => {
            found.push(difference(DifferenceKind::JournalPaidNotPaid))
        }
        // Pending in the journal, and WooshPay has no such session (a create that never arrived, or a session
        // id WooshPay does not know): nothing can be paid, yet the journal has not said so.
        (None, None) if outcome == Some(SaleOutcome::Pending) => {
            found.push(difference(DifferenceKind::PendingInJournal))
        }
        (Some(false), Some(session)) => match session.status {
            // Still payable while the kiosk follows it (pending in the journal): the kiosk will settle it.
            Some(SessionStatus::Open) if outcome == Some(SaleOutcome::Pending) => {
                return Ok(Compared::InProgress);
            }
            Some(SessionStatus::Open) => found.push(difference(DifferenceKind::StillOpen)),
            Some(SessionStatus::Expired) if outcome == Some(SaleOutcome::Pending) => {
                found.push(difference(DifferenceKind::PendingInJournal))
            }
            Some(SessionStatus::Expired) => {}
            // Complete without being paid (a payment still processing), or a status the kiosk does not know:
            // money may yet arrive, so it is named rather than counted as settled.
            _ if session.payment_status != Some(SessionPaymentStatus::NoPaymentRequired) => {
                found.push(difference(DifferenceKind::UnclearAtWooshpay))
            }
            _ => {}
        },
        _ => {}
    }
    if let (Some(sale), Some(session)) = (sale, session) {
        let currency_agrees = session
            .currency
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(sale.currency.code()));
        if session.amount_total != Some(sale.amount_total) || !currency_agrees {
            found.push(difference(DifferenceKind::AmountDiffers));
        }
    }
    Ok(if found.is_empty() {
        Compared::Agree
    } else {
        Compared::Differ(found)
    })
}

/// Every page, read to the end: each item must be readable, no session may come twice, and pages must go from
/// newer to older, since the listing stops at the first page that reaches back past `since`.
async fn list_sessions(
    client: &Client,
    kiosk_id: &str,
    since_ms: i64,
    page_size: u32,
) -> Result<Vec<CheckoutSession>, ReconcileError> {
    let mut ours = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut oldest_so_far: Option<i64> = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .list_checkout_session_values_after(page_size, cursor.as_deref())
            .await?;
        if page.data.is_empty() {
            return Ok(ours);
        }
        let mut sessions = Vec::with_capacity(page.data.len());
        for (index, item) in page.data.into_iter().enumerate() {
            let id = item.get("id").and_then(|v| v.as_str()).map(str::to_owned);
            let session: CheckoutSession = serde_json::from_value(item).map_err(|e| {
                ReconcileError::Listing(format!(
                    "session {} on the page after {} cannot be read: {e}",
                    id.unwrap_or_else(|| format!("#{}", index + 1)),
                    cursor.as_deref().unwrap_or("the start")
                ))
            })?;
            if !seen.insert(session.id.clone()) {
                return Err(ReconcileError::Listing(format!(
                    "session {} came twice: the list does not page",
                    session.id
                )));
            }
            sessions.push(session);
        }
        let created: Vec<i64> = sessions
            .iter()
            .filter_map(|s| s.created.map(|at| at.millis()))
            .collect();
        if let (Some(oldest), Some(newest)) = (oldest_so_far, created.iter().max())
            && *newest > oldest
        {
            return Err(ReconcileError::Listing(
                "a later page holds a newer session than the page before: the list is not newest first"
                    .to_owned(),
            ));
        }
        let page_oldest = created.iter().min().copied();
        if let Some(page_oldest) = page_oldest {
            oldest_so_far = Some(oldest_so_far.map_or(page_oldest, |o| o.min(page_oldest)));
        }
        cursor = sessions.last().map(|s| s.id.clone());
        // `has_more` absent or not a boolean: ask for the next page anyway; an empty page ends the list.
        let done = page.has_more == Some(false);
        ours.extend(sessions.into_iter().filter(|session| {
            let mine = session
                .metadata
                .as_ref()
                .and_then(|m| m.get("kiosk_id"))
                .and_then(|v| v.as_str())
                == Some(kiosk_id);
            // A session without a creation time is kept: it cannot be placed before `since`.
            mine && session.created.is_none_or(|at| at.millis() >= since_ms)
        }));
        let reached_since = page_oldest.is_some_and(|oldest| oldest < since_ms);
        if done || reached_since {
            return Ok(ours);
        }
    }
    Err(ReconcileError::Listing(format!(
        "more than {MAX_PAGES} pages: stopped without reaching the end"
    )))
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
        refund: None,
    }
}

/// WooshPay's own word for an enum value (`open`, `paid`), as it was sent.
fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}
