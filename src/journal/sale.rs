//! Writing a sale down, step by step: begun before its create request leaves, its session before the QR is
//! shown, each new status, and its outcome once, with its order number and stock in the same transaction.

use rusqlite::params;

use super::record::RecordedOutcome;
use super::{Journal, JournalError, order_number, stock};
use crate::order::Order;

impl Journal {
    /// Before the create request is sent: the key and body that request carries, so it can be replayed after a
    /// crash. Retrying a create that got no answer (same reference, same key) continues the same sale row.
    pub fn begin_sale(
        &self,
        client_reference_id: &str,
        idempotency_key: &str,
        order: &Order,
        create_params: &str,
        now_ms: i64,
    ) -> Result<i64, JournalError> {
        let lines = serde_json::to_string(&order.lines).expect("order lines serialise");
        let total = order.total();
        // One commit for the row and its event: each commit is an fsync and a few pages on the SD card.
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let existing: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT id, idempotency_key FROM sales WHERE client_reference_id = ?1",
                params![client_reference_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(|e| self.err(e))?;
        let id = match existing {
            Some((id, key)) if key == idempotency_key => id,
            Some(_) => {
                return Err(self.err(rusqlite::Error::InvalidParameterName(format!(
                    "sale {client_reference_id} is already recorded with another request"
                ))));
            }
            None => {
                self.conn
                    .execute(
                        "INSERT INTO sales (client_reference_id, idempotency_key, amount_total, currency, lines_json,
                                            created_ms, create_params, tip_amount)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![
                            client_reference_id,
                            idempotency_key,
                            total.minor_units,
                            total.currency.code(),
                            lines,
                            now_ms,
                            create_params,
                            order.tip_amount()
                        ],
                    )
                    .map_err(|e| self.err(e))?;
                self.conn.last_insert_rowid()
            }
        };
        self.event(id, "create requested", now_ms)?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Appends a status only when it differs from the last one, so polling once a second adds nothing; the
    /// session's payment intent, when it names one, is kept with the first change that sees it (at the latest
    /// the change to paid). Not flushed on its own: a status is what WooshPay said, which recovery reads again
    /// anyway; the sale's next durable step (its outcome) flushes it.
    pub fn record_status(
        &self,
        sale: i64,
        status: &str,
        payment_intent: Option<&str>,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        self.without_flush(|| self.append_status(sale, status, payment_intent, now_ms))
    }

    /// Keeps the payment intent a sale was paid through, once (recovery, a Re-check and a refund read it).
    pub fn note_payment_intent(&self, sale: i64, payment_intent: &str) -> Result<(), JournalError> {
        self.conn
            .execute(
                "UPDATE sales SET payment_intent = ?2 WHERE id = ?1 AND payment_intent IS NULL",
                params![sale, payment_intent],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn append_status(
        &self,
        sale: i64,
        status: &str,
        payment_intent: Option<&str>,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let changed = self
            .conn
            .execute(
                "UPDATE sales SET last_status = ?2, payment_intent = COALESCE(payment_intent, ?3)
                 WHERE id = ?1 AND last_status IS NOT ?2",
                params![sale, status, payment_intent],
            )
            .map_err(|e| self.err(e))?;
        if changed == 1 {
            self.event(sale, &format!("status {status}"), now_ms)?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Before the QR is shown.
    pub fn session_created(
        &self,
        sale: i64,
        session_id: &str,
        url: &str,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        self.conn
            .execute(
                "UPDATE sales SET session_id = ?2, url = ?3 WHERE id = ?1",
                params![sale, session_id, url],
            )
            .map_err(|e| self.err(e))?;
        self.event(sale, &format!("session {session_id} created"), now_ms)?;
        tx.commit().map_err(|e| self.err(e))
    }

    pub fn event(&self, sale: i64, event: &str, now_ms: i64) -> Result<(), JournalError> {
        self.conn
            .execute(
                "INSERT INTO sale_events (sale_id, at_ms, event) VALUES (?1, ?2, ?3)",
                params![sale, now_ms, event],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Records the outcome once: `false` when the sale already had one (a second "paid" is never recorded).
    /// A paid sale gets its order number and takes its items from stock in the same transaction, so a
    /// number or a count can never be spent on a sale that was not recorded paid, nor twice on one that was.
    pub fn finish(
        &self,
        sale: i64,
        outcome: RecordedOutcome,
        detail: &str,
        now_ms: i64,
    ) -> Result<bool, JournalError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let changed = tx
            .execute(
                "UPDATE sales SET outcome = ?2, detail = ?3, finished_ms = ?4 WHERE id = ?1 AND outcome = 'pending'",
                params![sale, outcome.as_str(), detail, now_ms],
            )
            .map_err(|e| self.err(e))?;
        if changed == 1 {
            if outcome == RecordedOutcome::Paid {
                let number = order_number::allocate(&tx).map_err(|e| self.err(e))?;
                tx.execute(
                    "UPDATE sales SET order_number = ?2 WHERE id = ?1",
                    params![sale, number],
                )
                .map_err(|e| self.err(e))?;
                // A count that cannot be taken is logged, never a reason to leave a paid sale unrecorded.
                if let Err(error) = stock::take_for_sale(&tx, sale, now_ms) {
                    tracing::error!(%error, sale, "the paid sale's items could not be taken from stock");
                }
            }
            self.event(sale, &format!("outcome {}", outcome.as_str()), now_ms)?;
        }
        let paid: Option<(i64, String)> = if changed == 1 && outcome == RecordedOutcome::Paid {
            tx.query_row(
                "SELECT amount_total, currency FROM sales WHERE id = ?1",
                params![sale],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .ok()
        } else {
            None
        };
        tx.commit().map_err(|e| self.err(e))?;
        // Counted here, where the outcome becomes durable, so a sale settled on screen, by recovery or by a
        // Re-check is counted once and only once it is recorded.
        if changed == 1 {
            crate::metrics::sale_finished(
                outcome.as_str(),
                paid.as_ref().map(|(amount, currency)| {
                    (u64::try_from(*amount).unwrap_or(0), currency.as_str())
                }),
            );
        }
        Ok(changed == 1)
    }

    /// The sale's print jobs are on the printer's queue (on disk): never queued again. `ticket_held`: its
    /// kitchen ticket was too old to print unasked and waits for staff ([`Journal::held_tickets`]).
    pub fn mark_printed(
        &self,
        sale: i64,
        now_ms: i64,
        ticket_held: bool,
    ) -> Result<(), JournalError> {
        self.conn
            .execute(
                "UPDATE sales SET printed_ms = ?2, ticket_held = ?3 WHERE id = ?1 AND printed_ms IS NULL",
                params![sale, now_ms, ticket_held],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Staff sent a held kitchen ticket to the printer's queue.
    pub fn ticket_sent(&self, sale: i64) -> Result<(), JournalError> {
        self.conn
            .execute(
                "UPDATE sales SET ticket_held = 0 WHERE id = ?1",
                params![sale],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}
