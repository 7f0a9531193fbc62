//! Refunds of paid sales: begun (with the request's key and body) before the request leaves, one at a time per
//! sale and never past what is left, then settled from WooshPay's answer.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::record::SaleRecord;
use super::{Journal, JournalError};

/// Where a refund stands in the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// Sent (or about to be): whether WooshPay made it is not known yet. Counts against the remainder.
    Requested,
    /// WooshPay made the refund and the money is on its way back. Counts against the remainder.
    Pending,
    Succeeded,
    /// The bank did not return the money: the amount is refundable again.
    Failed,
    Canceled,
    /// WooshPay answered no (a 4xx): nothing was refunded.
    Refused,
}

impl RefundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::Requested => "requested",
            RefundState::Pending => "pending",
            RefundState::Succeeded => "succeeded",
            RefundState::Failed => "failed",
            RefundState::Canceled => "canceled",
            RefundState::Refused => "refused",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        [
            RefundState::Requested,
            RefundState::Pending,
            RefundState::Succeeded,
            RefundState::Failed,
            RefundState::Canceled,
            RefundState::Refused,
        ]
        .into_iter()
        .find(|state| state.as_str() == word)
    }

    /// Still to be settled from WooshPay: in flight, or pending at the bank.
    pub fn is_unsettled(self) -> bool {
        matches!(self, RefundState::Requested | RefundState::Pending)
    }

    /// Money that is back with the customer or may be on its way: what the remainder leaves out.
    pub fn holds_money(self) -> bool {
        matches!(
            self,
            RefundState::Requested | RefundState::Pending | RefundState::Succeeded
        )
    }
}

/// One refund as the journal holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct RefundRecord {
    pub row_id: i64,
    pub sale_row: i64,
    pub idempotency_key: String,
    /// The request body as sent, for replaying it under the same key.
    pub request_json: String,
    /// Minor units of the sale's currency.
    pub amount: i64,
    /// The sale's currency code.
    pub currency: String,
    pub reason: String,
    pub goods_returned: bool,
    /// WooshPay's id (`re_…`), once it answered.
    pub refund_id: Option<String>,
    pub state: RefundState,
    pub detail: Option<String>,
    pub created_ms: i64,
    pub finished_ms: Option<i64>,
}

/// Why the journal would not begin a refund: nothing has been sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RefundRefusal {
    #[error("sale {0} is not in the journal")]
    UnknownSale(i64),
    #[error("the sale is {0}, not paid: there is nothing to refund")]
    NotPaid(String),
    #[error("a refund of this sale is already on its way (refund {0}); wait for its answer")]
    InFlight(i64),
    #[error("nothing is left to refund: the whole amount has been refunded")]
    NothingLeft,
    #[error("{asked} minor units is more than the {left} left to refund")]
    OverRemainder { asked: i64, left: i64 },
}

/// What a new refund is, before it is sent.
pub struct NewRefund<'a> {
    pub sale_row: i64,
    /// `None`: all that is left.
    pub amount: Option<i64>,
    pub reason: &'a str,
    pub goods_returned: bool,
    pub idempotency_key: &'a str,
    /// Builds the request body once the amount is known (it carries the amount).
    pub request: &'a dyn Fn(i64) -> String,
}

const COLUMNS: &str =
    "id, sale_id, idempotency_key, request_json, amount, reason, goods_returned, refund_id,
                       status, detail, created_ms, finished_ms,
                       (SELECT currency FROM sales WHERE sales.id = refunds.sale_id)";

impl Journal {
    /// Writes the refund down, durably, before its request leaves, or says why not. The check of what is left and
    /// the insert are one immediate transaction, so the screen and a terminal refunding the same sale at once can
    /// never both pass the check: one of them waits for the other's write (the busy timeout) and then sees it.
    pub fn begin_refund(
        &self,
        new: &NewRefund<'_>,
        now_ms: i64,
    ) -> Result<Result<RefundRecord, RefundRefusal>, JournalError> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .map_err(|e| self.err(e))?;
        let sale: Option<(i64, String)> = tx
            .query_row(
                "SELECT amount_total, outcome FROM sales WHERE id = ?1",
                params![new.sale_row],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((total, outcome)) = sale else {
            return Ok(Err(RefundRefusal::UnknownSale(new.sale_row)));
        };
        if outcome != "paid" {
            return Ok(Err(RefundRefusal::NotPaid(outcome)));
        }
        let in_flight: Option<i64> = tx
            .query_row(
                "SELECT id FROM refunds WHERE sale_id = ?1 AND status = 'requested'",
                params![new.sale_row],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(row) = in_flight {
            return Ok(Err(RefundRefusal::InFlight(row)));
        }
        let held: i64 = tx
            .query_row(
                "SELECT COALESCE(SUM(amount), 0) FROM refunds
                 WHERE sale_id = ?1 AND status IN ('requested', 'pending', 'succeeded')",
                params![new.sale_row],
                |row| row.get(0),
            )
            .map_err(|e| self.err(e))?;
        let left = total - held;
        if left <= 0 {
            return Ok(Err(RefundRefusal::NothingLeft));
        }
        let amount = new.amount.unwrap_or(left);
        if amount > left {
            return Ok(Err(RefundRefusal::OverRemainder {
                asked: amount,
                left,
            }));
        }
        let request_json = (new.request)(amount);
        tx.execute(
            "INSERT INTO refunds (sale_id, idempotency_key, request_json, amount, reason, goods_returned, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                new.sale_row,
                new.idempotency_key,
                request_json,
                amount,
                new.reason,
                new.goods_returned,
                now_ms
            ],
        )
        .map_err(|e| self.err(e))?;
        let row_id = self.conn.last_insert_rowid();
        tx.execute(
            "INSERT INTO sale_events (sale_id, at_ms, event) VALUES (?1, ?2, ?3)",
            params![
                new.sale_row,
                now_ms,
                format!("refund {row_id} of {amount} requested")
            ],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(Ok(self
            .refund(row_id)?
            .expect("the refund was just written")))
    }

    /// WooshPay's answer about a refund: its id and where it stands (`detail`: a failure's reason or refusal).
    pub fn record_refund(
        &self,
        row_id: i64,
        refund_id: Option<&str>,
        state: RefundState,
        detail: Option<&str>,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        let finished = (!state.is_unsettled()).then_some(now_ms);
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let before: Option<(String, bool, i64)> = tx
            .query_row(
                "SELECT status, goods_returned, sale_id FROM refunds WHERE id = ?1",
                params![row_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let changed = tx
            .execute(
                "UPDATE refunds SET refund_id = COALESCE(?2, refund_id), status = ?3, detail = ?4,
                        finished_ms = COALESCE(finished_ms, ?5)
                 WHERE id = ?1 AND (status != ?3 OR refund_id IS NOT ?2)",
                params![row_id, refund_id, state.as_str(), detail, finished],
            )
            .map_err(|e| self.err(e))?;
        // The goods go back once: when the refund first becomes succeeded.
        if let Some((old, true, sale)) = &before
            && old != "succeeded"
            && state == RefundState::Succeeded
        {
            super::stock::return_for_refund(&tx, *sale, now_ms).map_err(|e| self.err(e))?;
        }
        if changed > 0 {
            tx.execute(
                "INSERT INTO sale_events (sale_id, at_ms, event)
                 SELECT sale_id, ?2, ?3 FROM refunds WHERE id = ?1",
                params![
                    row_id,
                    now_ms,
                    format!("refund {row_id} {}", state.as_str())
                ],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn refund(&self, row_id: i64) -> Result<Option<RefundRecord>, JournalError> {
        Ok(self
            .refunds_where("WHERE id = ?1", params![row_id])?
            .into_iter()
            .next())
    }

    /// A sale's refunds, oldest first.
    pub fn refunds_of(&self, sale_row: i64) -> Result<Vec<RefundRecord>, JournalError> {
        self.refunds_where("WHERE sale_id = ?1 ORDER BY id", params![sale_row])
    }

    /// Refunds in flight or pending at WooshPay: what recovery settles.
    pub fn unsettled_refunds(&self) -> Result<Vec<RefundRecord>, JournalError> {
        self.refunds_where(
            "WHERE status IN ('requested', 'pending') ORDER BY id",
            params![],
        )
    }

    /// Refunds begun or settled since `since_ms` (today's figures).
    pub fn refunds_since(&self, since_ms: i64) -> Result<Vec<RefundRecord>, JournalError> {
        self.refunds_where(
            "WHERE created_ms >= ?1 OR finished_ms >= ?1 ORDER BY id",
            params![since_ms],
        )
    }

    /// A sale by what `sales` prints as its `id` (the session id) or by its `client_reference_id`.
    pub fn find_sale(&self, reference: &str) -> Result<Option<SaleRecord>, JournalError> {
        Ok(self
            .query(
                "WHERE session_id = ?1 OR client_reference_id = ?1 ORDER BY id LIMIT 1",
                params![reference],
            )?
            .into_iter()
            .next())
    }

    /// Refunds that succeeded and are not counted in a closed shift yet, oldest first.
    pub(super) fn uncounted_refunds(&self) -> Result<Vec<RefundRecord>, JournalError> {
        self.refunds_where(
            "WHERE status = 'succeeded' AND shift_id IS NULL ORDER BY id",
            params![],
        )
    }

    /// A sale by its journal row.
    pub fn sale(&self, sale_row: i64) -> Result<Option<SaleRecord>, JournalError> {
        Ok(self
            .query("WHERE id = ?1", params![sale_row])?
            .into_iter()
            .next())
    }

    /// A sale's `client_reference_id` by its journal row.
    pub fn sale_reference(&self, sale_row: i64) -> Result<Option<String>, JournalError> {
        self.conn
            .query_row(
                "SELECT client_reference_id FROM sales WHERE id = ?1",
                params![sale_row],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    fn refunds_where(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<RefundRecord>, JournalError> {
        // An older journal opened read-only has no refunds table yet: it has no refunds either.
        let exists: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refunds')",
                [],
                |row| row.get(0),
            )
            .map_err(|e| self.err(e))?;
        if !exists {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {COLUMNS} FROM refunds {clause}");
        let mut statement = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(args, |row| {
                let status: String = row.get(8)?;
                Ok(RefundRecord {
                    row_id: row.get(0)?,
                    sale_row: row.get(1)?,
                    idempotency_key: row.get(2)?,
                    request_json: row.get(3)?,
                    amount: row.get(4)?,
                    reason: row.get(5)?,
                    goods_returned: row.get(6)?,
                    refund_id: row.get(7)?,
                    // The CHECK constraint keeps other words out; an unknown one reads as in flight, so it is
                    // re-read from WooshPay rather than trusted.
                    state: RefundState::parse(&status).unwrap_or(RefundState::Requested),
                    detail: row.get(9)?,
                    created_ms: row.get(10)?,
                    finished_ms: row.get(11)?,
                    currency: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

/// What is refunded (succeeded) and what is left to refund of a sale, given its refunds.
pub fn refunded_and_left(sale: &SaleRecord, refunds: &[RefundRecord]) -> (i64, i64) {
    let refunded = refunds
        .iter()
        .filter(|r| r.state == RefundState::Succeeded)
        .map(|r| r.amount)
        .sum();
    let held: i64 = refunds
        .iter()
        .filter(|r| r.state.holds_money())
        .map(|r| r.amount)
        .sum();
    (refunded, (sale.amount_total - held).max(0))
}
