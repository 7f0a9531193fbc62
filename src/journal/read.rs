//! Reading sales back: for recovery (the pending ones), the commands and screens (recent, since a time, by
//! session), and printing (paid but not yet printed).

use rusqlite::params;

use super::record::{SaleOutcome, SaleRecord, StoredSale, UnreadableSale};
use super::{Journal, JournalError, JournalFault};

impl Journal {
    /// The outcome the journal holds for a sale; `None` for a row it does not have (or an outcome it cannot
    /// read, which the sales list names).
    pub fn outcome_of(&self, sale: i64) -> Result<Option<SaleOutcome>, JournalError> {
        self.conn
            .query_row(
                "SELECT outcome FROM sales WHERE id = ?1",
                params![sale],
                |row| row.get::<_, String>(0),
            )
            .map(|word| SaleOutcome::parse(&word))
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(|e| self.err(e))
    }

    /// The order number of a paid sale; `None` before it is paid (or for a row the journal does not have).
    pub fn order_number_of(&self, sale: i64) -> Result<Option<u32>, JournalError> {
        self.conn
            .query_row(
                "SELECT order_number FROM sales WHERE id = ?1",
                params![sale],
                |row| row.get(0),
            )
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(|e| self.err(e))
    }

    /// When the last create request of a sale was sent (its newest "create requested" event).
    pub fn last_create_attempt_ms(&self, sale: i64) -> Result<Option<i64>, JournalError> {
        self.conn
            .query_row(
                "SELECT MAX(at_ms) FROM sale_events WHERE sale_id = ?1 AND event = 'create requested'",
                params![sale],
                |row| row.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Paid sales finished since `since_ms` whose receipt or ticket has not been queued for the printer yet,
    /// oldest first: a sale recorded paid by recovery, a Re-check or a sale followed in the background, or one
    /// whose print was lost to a crash right after the payment was recorded.
    pub fn unprinted_paid_since(&self, since_ms: i64) -> Result<Vec<SaleRecord>, JournalError> {
        self.query(
            "WHERE outcome = 'paid' AND order_number IS NOT NULL AND printed_ms IS NULL
               AND finished_ms >= ?1 ORDER BY id",
            params![since_ms],
        )
    }

    /// Paid sales whose kitchen ticket is held for staff to send, oldest first.
    pub fn held_tickets(&self) -> Result<Vec<SaleRecord>, JournalError> {
        self.query(
            "WHERE ticket_held = 1 AND outcome = 'paid' ORDER BY id",
            params![],
        )
    }

    /// The most recent sales, newest first.
    pub fn recent(&self, limit: u32) -> Result<Vec<SaleRecord>, JournalError> {
        self.query("ORDER BY id DESC LIMIT ?1", params![limit])
    }

    pub fn events(&self, sale: i64) -> Result<Vec<(i64, String)>, JournalError> {
        let mut statement = self
            .conn
            .prepare("SELECT at_ms, event FROM sale_events WHERE sale_id = ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(params![sale], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Sales still awaiting an outcome: what recovery must re-read from WooshPay. A row that cannot be read
    /// back comes as `Err`, beside the others, so recovery can name it and still settle the rest.
    pub fn pending(&self) -> Result<Vec<Result<SaleRecord, UnreadableSale>>, JournalError> {
        self.rows("WHERE outcome = 'pending' ORDER BY id", params![])
    }

    /// Sales begun or settled since `since_ms`: what `sales --since`, `status`'s today and `reconcile --since`
    /// read. A sale belongs to the time in which its outcome became known, as in the shifts, so one begun before
    /// midnight and paid after it is in today's figures; one begun since and still pending is listed too.
    pub fn sales_since(&self, since_ms: i64) -> Result<Vec<SaleRecord>, JournalError> {
        self.query(
            "WHERE created_ms >= ?1 OR finished_ms >= ?1 ORDER BY id",
            params![since_ms],
        )
    }

    /// Every payment intent a sale was seen paid through, with the sale's session: (intent, session).
    pub fn payment_intents(&self) -> Result<Vec<(String, String)>, JournalError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT payment_intent, session_id FROM sales
                 WHERE payment_intent IS NOT NULL AND session_id IS NOT NULL",
            )
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    pub fn by_session(&self, session_id: &str) -> Result<Option<SaleRecord>, JournalError> {
        Ok(self
            .query("WHERE session_id = ?1", params![session_id])?
            .into_iter()
            .next())
    }

    /// Every row `clause` selects, read into types; the first row that cannot be read is the error.
    pub(super) fn query(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<SaleRecord>, JournalError> {
        self.rows(clause, args)?
            .into_iter()
            .map(|row| {
                row.map_err(|bad| JournalError {
                    path: self.path.clone(),
                    source: JournalFault::Unreadable(bad),
                })
            })
            .collect()
    }

    fn rows(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Result<SaleRecord, UnreadableSale>>, JournalError> {
        let sql = format!(
            "SELECT session_id, client_reference_id, idempotency_key, amount_total, currency, lines_json,
                    created_ms, finished_ms, outcome, id, url, detail, create_params, order_number, tip_amount
             FROM sales {clause}"
        );
        let mut statement = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(args, |row| {
                Ok(StoredSale {
                    session_id: row.get(0)?,
                    client_reference_id: row.get(1)?,
                    idempotency_key: row.get(2)?,
                    amount_total: row.get(3)?,
                    currency: row.get(4)?,
                    lines_json: row.get(5)?,
                    created_ms: row.get(6)?,
                    finished_ms: row.get(7)?,
                    outcome: row.get(8)?,
                    row_id: row.get(9)?,
                    url: row.get(10)?,
                    detail: row.get(11)?,
                    create_params: row.get(12)?,
                    order_number: row.get(13)?,
                    tip_amount: row.get(14)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.map(|row| row.map(StoredSale::decode))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))
    }
}
