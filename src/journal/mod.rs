//! The sale journal: SQLite in the state directory, so a sale survives a crash or a power cut.
//!
//! A sale row is written before its create request leaves (with the Idempotency-Key, so recovery can replay
//! the request to learn the session), every status change is appended, and the outcome is recorded once,
//! with a synchronous commit, before the result is shown. A sale whose outcome is not known for certain stays
//! `pending`, and recovery re-reads it from WooshPay at the next start.

use rusqlite::{Connection, params};

mod open;
mod order_number;
mod read;
mod record;
mod refund;
mod sale;
mod schema;
mod shift;
mod stock;

pub use record::{RecordedOutcome, SaleOutcome, SaleRecord, UnreadableSale};
pub use refund::{NewRefund, RefundRecord, RefundRefusal, RefundState, refunded_and_left};
pub use shift::{ShiftTax, ShiftTotals};
pub use stock::{StockLevel, StockUpdate};

/// Characters of the per-journal reference prefix: lower case and digits, four of them (1.7 million prefixes).
const PREFIX_ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const PREFIX_LEN: usize = 4;

/// The journal's file name in the state directory.
pub const JOURNAL_FILE: &str = "sales.sqlite";

/// Milliseconds since the Unix epoch, as the journal stores times.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[derive(Debug, thiserror::Error)]
#[error("sale journal {path}: {source}")]
pub struct JournalError {
    path: String,
    source: JournalFault,
}

#[derive(Debug, thiserror::Error)]
enum JournalFault {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    File(#[from] std::io::Error),
    #[error("sale {} ({}) cannot be read: {}", .0.row_id, .0.client_reference_id, .0.problem)]
    Unreadable(UnreadableSale),
}

pub struct Journal {
    conn: Connection,
    path: String,
}

impl Journal {
    /// The next sale number with this journal's prefix, `k7q2-42`: allocated and committed in one transaction
    /// before it is returned, so no number is handed out twice, across restarts too.
    /// Not flushed on its own: the sale that uses the number is begun, durably, before the number leaves the
    /// kiosk, and that commit flushes this one too.
    pub fn next_sale_number(&self) -> Result<String, JournalError> {
        self.without_flush(|| self.allocate_sale_number())
    }

    fn allocate_sale_number(&self) -> Result<String, JournalError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let number: i64 = tx
            .query_row(
                "UPDATE journal_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'last_sale_number'
                 RETURNING CAST(value AS INTEGER)",
                [],
                |row| row.get(0),
            )
            .map_err(|e| self.err(e))?;
        let prefix: String = tx
            .query_row(
                "SELECT value FROM journal_meta WHERE key = 'reference_prefix'",
                [],
                |row| row.get(0),
            )
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(format!("{prefix}-{number}"))
    }

    /// A kiosk setting staff chose on screen (the language), kept beside the sales so it outlives a restart.
    pub fn setting(&self, key: &str) -> Result<Option<String>, JournalError> {
        self.conn
            .query_row(
                "SELECT value FROM journal_meta WHERE key = ?1",
                params![format!("setting.{key}")],
                |row| row.get(0),
            )
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(|e| self.err(e))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), JournalError> {
        self.conn
            .execute(
                "INSERT INTO journal_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![format!("setting.{key}"), value],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Since when this kiosk prints paid sales unasked: set (to `now_ms`) by the first process that runs with
    /// `[printer] auto`, whether the touch screen or `charge`, so sales paid before a printer was set up are never
    /// printed in a rush, while sales `charge` makes with the printer configured are printed when the screen runs.
    pub fn printing_since(&self, now_ms: i64) -> Result<i64, JournalError> {
        const KEY: &str = "printing_since_ms";
        if let Some(since) = self.setting(KEY)?.and_then(|since| since.parse().ok()) {
            return Ok(since);
        }
        self.set_setting(KEY, &now_ms.to_string())?;
        Ok(now_ms)
    }

    /// Runs `step` with commits that are not flushed on their own: for what nothing outside the kiosk depends on
    /// yet (a sale number before its sale is begun, a status seen while polling). The WAL is appended in order,
    /// so the next durable commit's fsync makes these durable too; a power cut before it can lose only them,
    /// never a later step, and a lost sale number was never sent anywhere. Each fsync saved is a few pages the SD
    /// card does not write.
    fn without_flush<T>(
        &self,
        step: impl FnOnce() -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| self.err(e))?;
        let result = step();
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.err(e))?;
        result
    }

    fn err(&self, source: rusqlite::Error) -> JournalError {
        JournalError {
            path: self.path.clone(),
            source: source.into(),
        }
    }
}

#[cfg(test)]
mod tests;
