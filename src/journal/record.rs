//! One sale as the journal holds it, typed: its order lines, its currency and its outcome.

use serde::Serialize;

use crate::money::{Currency, Money};
use crate::order::{Order, OrderLine};

/// An outcome the kiosk records once it is certain of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordedOutcome {
    Paid,
    Expired,
    Cancelled,
    Failed,
}

impl RecordedOutcome {
    pub fn as_str(self) -> &'static str {
        SaleOutcome::from(self).as_str()
    }
}

/// Where a sale stands in the journal: pending until one of the recorded outcomes is certain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleOutcome {
    Pending,
    Paid,
    Expired,
    Cancelled,
    Failed,
}

impl SaleOutcome {
    /// The journal's word for it (`paid`, `pending`, …), which `sales` prints and the staff screen translates.
    pub fn as_str(self) -> &'static str {
        match self {
            SaleOutcome::Pending => "pending",
            SaleOutcome::Paid => "paid",
            SaleOutcome::Expired => "expired",
            SaleOutcome::Cancelled => "cancelled",
            SaleOutcome::Failed => "failed",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        [
            SaleOutcome::Pending,
            SaleOutcome::Paid,
            SaleOutcome::Expired,
            SaleOutcome::Cancelled,
            SaleOutcome::Failed,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == word)
    }

    /// The recorded outcome, `None` while pending.
    pub fn settled(self) -> Option<RecordedOutcome> {
        match self {
            SaleOutcome::Pending => None,
            SaleOutcome::Paid => Some(RecordedOutcome::Paid),
            SaleOutcome::Expired => Some(RecordedOutcome::Expired),
            SaleOutcome::Cancelled => Some(RecordedOutcome::Cancelled),
            SaleOutcome::Failed => Some(RecordedOutcome::Failed),
        }
    }
}

impl From<RecordedOutcome> for SaleOutcome {
    fn from(outcome: RecordedOutcome) -> Self {
        match outcome {
            RecordedOutcome::Paid => SaleOutcome::Paid,
            RecordedOutcome::Expired => SaleOutcome::Expired,
            RecordedOutcome::Cancelled => SaleOutcome::Cancelled,
            RecordedOutcome::Failed => SaleOutcome::Failed,
        }
    }
}

impl std::fmt::Display for SaleOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One sale as the journal holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct SaleRecord {
    /// The journal's own row number.
    pub row_id: i64,
    /// The checkout session id, once WooshPay has answered the create.
    pub session_id: Option<String>,
    pub url: Option<String>,
    pub client_reference_id: String,
    pub idempotency_key: String,
    pub lines: Vec<OrderLine>,
    /// The total in minor units of `currency`, as charged.
    pub amount_total: i64,
    pub currency: Currency,
    pub created_ms: i64,
    pub finished_ms: Option<i64>,
    pub outcome: SaleOutcome,
    pub detail: Option<String>,
    /// The create request's JSON body, for replaying it under the same key.
    pub create_params: Option<String>,
    /// The number the counter calls out (from 1, never repeated within a shift); only a paid sale has one.
    pub order_number: Option<u32>,
    /// The tip within `amount_total`, in minor units (also one of `lines`); 0 without a tip.
    pub tip_amount: i64,
}

impl SaleRecord {
    pub fn amount(&self) -> Money {
        Money::new(self.amount_total, self.currency)
    }

    /// The order as it was charged.
    pub fn order(&self) -> Order {
        Order {
            currency: self.currency,
            lines: self.lines.clone(),
        }
    }

    /// `2 × Latte; 1 × Butter croissant`: what was sold, for lists of sales.
    pub fn items_summary(&self, separator: &str) -> String {
        self.lines
            .iter()
            .map(|line| format!("{} × {}", line.quantity, line.name))
            .collect::<Vec<_>>()
            .join(separator)
    }
}

/// A sale row whose stored lines, currency or outcome cannot be read back: kept apart, with what is known of
/// it, so one damaged row never hides the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableSale {
    pub row_id: i64,
    pub client_reference_id: String,
    pub session_id: Option<String>,
    /// Which field, and what was found.
    pub problem: String,
}

/// A row's columns as stored, before they are read into types.
pub(super) struct StoredSale {
    pub row_id: i64,
    pub session_id: Option<String>,
    pub url: Option<String>,
    pub client_reference_id: String,
    pub idempotency_key: String,
    pub lines_json: String,
    pub amount_total: i64,
    pub currency: String,
    pub created_ms: i64,
    pub finished_ms: Option<i64>,
    pub outcome: String,
    pub detail: Option<String>,
    pub create_params: Option<String>,
    pub order_number: Option<u32>,
    pub tip_amount: i64,
}

impl StoredSale {
    pub(super) fn decode(self) -> Result<SaleRecord, UnreadableSale> {
        let unreadable = |problem: String| UnreadableSale {
            row_id: self.row_id,
            client_reference_id: self.client_reference_id.clone(),
            session_id: self.session_id.clone(),
            problem,
        };
        let lines: Vec<OrderLine> = serde_json::from_str(&self.lines_json)
            .map_err(|error| unreadable(format!("lines_json: {error}")))?;
        let currency = Currency::from_code(&self.currency).map_err(|_| {
            unreadable(format!(
                "currency: {:?} is not an ISO 4217 code",
                self.currency
            ))
        })?;
        let outcome = SaleOutcome::parse(&self.outcome)
            .ok_or_else(|| unreadable(format!("outcome: {:?} is not known", self.outcome)))?;
        Ok(SaleRecord {
            row_id: self.row_id,
            session_id: self.session_id,
            url: self.url,
            client_reference_id: self.client_reference_id,
            idempotency_key: self.idempotency_key,
            lines,
            amount_total: self.amount_total,
            currency,
            created_ms: self.created_ms,
            finished_ms: self.finished_ms,
            outcome,
            detail: self.detail,
            create_params: self.create_params,
            order_number: self.order_number,
            tip_amount: self.tip_amount,
        })
    }
}
