//! The sale journal: SQLite in the state directory, so a sale survives a crash or a power cut.
//!
//! A sale row is written before its create request leaves (with the Idempotency-Key, so recovery can replay
//! the request to learn the session), every status change is appended, and the outcome is recorded once,
//! with a synchronous commit, before the result is shown. A sale whose outcome is not known for certain stays
//! `pending`, and recovery re-reads it from WooshPay at the next start.

use std::path::Path;

use rusqlite::{Connection, params};

use crate::order::Order;
use schema::MIGRATIONS;

mod order_number;
mod record;
mod schema;
mod shift;
mod stock;

use record::StoredSale;
pub use record::{RecordedOutcome, SaleOutcome, SaleRecord, UnreadableSale};
pub use shift::ShiftTotals;
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
    #[error("sale {} ({}) cannot be read: {}", .0.row_id, .0.client_reference_id, .0.problem)]
    Unreadable(UnreadableSale),
}

pub struct Journal {
    conn: Connection,
    path: String,
}

impl Journal {
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let name = path.display().to_string();
        let err = |source: rusqlite::Error| JournalError {
            path: name.clone(),
            source: source.into(),
        };
        let conn = Connection::open(path).map_err(err)?;
        // WAL keeps readers and the writer apart; FULL makes every commit durable before it returns.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        let journal = Self { conn, path: name };
        journal.migrate()?;
        journal.choose_reference_prefix()?;
        Ok(journal)
    }

    /// For readers (`sales`): never writes, so it works on a read-only state directory and as another user
    /// with read access, and needs no lock while the kiosk runs.
    pub fn open_read_only(path: &Path) -> Result<Self, JournalError> {
        use rusqlite::OpenFlags;
        let name = path.display().to_string();
        let err = |source: rusqlite::Error| JournalError {
            path: name.clone(),
            source: source.into(),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(path, flags).map_err(err)?;
        let journal = Self {
            conn,
            path: name.clone(),
        };
        match journal.schema_version() {
            Ok(_) => Ok(journal),
            // A WAL database in a directory this user cannot write to, with no -shm file to share: with no -wal
            // file either, every commit is in the main file, so reading it as immutable misses nothing.
            Err(_) if !Path::new(&format!("{name}-wal")).exists() => {
                let uri = url::Url::from_file_path(path)
                    .map(|mut url| {
                        url.set_query(Some("immutable=1"));
                        url.to_string()
                    })
                    .map_err(|()| err(rusqlite::Error::InvalidPath(path.to_owned())))?;
                let conn = Connection::open_with_flags(uri, flags).map_err(err)?;
                let journal = Self { conn, path: name };
                journal.schema_version()?;
                Ok(journal)
            }
            Err(error) => Err(error),
        }
    }

    /// Picks this journal's reference prefix once, when it is created (or first upgraded).
    fn choose_reference_prefix(&self) -> Result<(), JournalError> {
        use rand::Rng;
        let mut rng = rand::rng();
        let prefix: String = (0..PREFIX_LEN)
            .map(|_| PREFIX_ALPHABET[rng.random_range(0..PREFIX_ALPHABET.len())] as char)
            .collect();
        self.conn
            .execute(
                "INSERT OR IGNORE INTO journal_meta (key, value) VALUES ('reference_prefix', ?1)",
                params![prefix],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The next sale number with this journal's prefix, `k7q2-42`: allocated and committed in one transaction
    /// before it is returned, so no number is handed out twice, across restarts too.
    pub fn next_sale_number(&self) -> Result<String, JournalError> {
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

    /// The sale's print jobs are on the printer's queue (on disk): never queued again.
    pub fn mark_printed(&self, sale: i64, now_ms: i64) -> Result<(), JournalError> {
        self.conn
            .execute(
                "UPDATE sales SET printed_ms = ?2 WHERE id = ?1 AND printed_ms IS NULL",
                params![sale, now_ms],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
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

    fn err(&self, source: rusqlite::Error) -> JournalError {
        JournalError {
            path: self.path.clone(),
            source: source.into(),
        }
    }

    fn migrate(&self) -> Result<(), JournalError> {
        let applied: usize = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.err(e))?;
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
            tx.execute_batch(migration).map_err(|e| self.err(e))?;
            tx.pragma_update(None, "user_version", index + 1)
                .map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<usize, JournalError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.err(e))
    }

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
        Ok(id)
    }

    /// Appends a status only when it differs from the last one, so polling once a second adds nothing.
    pub fn record_status(&self, sale: i64, status: &str, now_ms: i64) -> Result<(), JournalError> {
        let changed = self
            .conn
            .execute(
                "UPDATE sales SET last_status = ?2 WHERE id = ?1 AND last_status IS NOT ?2",
                params![sale, status],
            )
            .map_err(|e| self.err(e))?;
        if changed == 1 {
            self.event(sale, &format!("status {status}"), now_ms)?;
        }
        Ok(())
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

    /// Before the QR is shown.
    pub fn session_created(
        &self,
        sale: i64,
        session_id: &str,
        url: &str,
        now_ms: i64,
    ) -> Result<(), JournalError> {
        self.conn
            .execute(
                "UPDATE sales SET session_id = ?2, url = ?3 WHERE id = ?1",
                params![sale, session_id, url],
            )
            .map_err(|e| self.err(e))?;
        self.event(sale, &format!("session {session_id} created"), now_ms)
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
                if let Err(error) = stock::take_for_sale(&tx, sale) {
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

    /// Sales still awaiting an outcome: what recovery must re-read from WooshPay. A row that cannot be read
    /// back comes as `Err`, beside the others, so recovery can name it and still settle the rest.
    pub fn pending(&self) -> Result<Vec<Result<SaleRecord, UnreadableSale>>, JournalError> {
        self.rows("WHERE outcome = 'pending' ORDER BY id", params![])
    }

    pub fn sales_since(&self, since_ms: i64) -> Result<Vec<SaleRecord>, JournalError> {
        self.query("WHERE created_ms >= ?1 ORDER BY id", params![since_ms])
    }

    pub fn by_session(&self, session_id: &str) -> Result<Option<SaleRecord>, JournalError> {
        Ok(self
            .query("WHERE session_id = ?1", params![session_id])?
            .into_iter()
            .next())
    }

    /// Every row `clause` selects, read into types; the first row that cannot be read is the error.
    fn query(
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

#[cfg(test)]
mod tests;
