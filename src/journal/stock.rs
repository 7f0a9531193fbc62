//! Stock: how many of an item are left and whether staff marked it sold out; the one place its rules live,
//! whichever of the touch screen, `charge`, `recover` or the staff screen runs first (every one brings the
//! catalog's levels in with [`Journal::sync_stock`] before it sells).
//!
//! - A count goes down only when a sale is recorded paid (a cancelled or expired sale takes nothing), in the
//!   transaction that records it, so it is taken exactly once however the sale was settled.
//! - A paid sale beyond the count is never clamped away: the count stops at 0 and the rest is recorded as
//!   `oversold` (and in the sale's events), shown to staff until they, or a newer catalog, set a new level.
//! - The catalog's `stock = N` sets a level when an item is first seen, and resets it only when a catalog not
//!   seen before gives it a different level (a restock). A catalog that comes back (an older copy served
//!   again) changes nothing, and an item missing from one catalog keeps its count for when it returns.
//! - Counts are per kiosk: each kiosk's journal holds its own (there is no server to share them).

use rusqlite::{Connection, OptionalExtension, params};

use super::{Journal, JournalError};
use crate::order::OrderLine;

/// One item's stock as the journal holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StockLevel {
    pub item_id: String,
    /// How many are left; `None` when the item is not counted.
    pub remaining: Option<u32>,
    /// Marked sold out by staff, whatever the count says.
    pub sold_out: bool,
    /// Paid for beyond the count since the level was last set (the count stopped at 0).
    pub oversold: u32,
}

impl StockLevel {
    /// Whether the item can go into a cart.
    pub fn available(&self) -> bool {
        !self.sold_out && self.remaining != Some(0)
    }
}

/// What staff change on the stock screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockUpdate {
    /// Marks the item sold out, or available again. An item counted down to 0 that staff mark available is
    /// no longer counted: they have more, but have not said how many.
    SoldOut(bool),
    /// Sets how many are left (`None`: stop counting). A count above 0 also lifts a sold-out mark.
    Remaining(Option<u32>),
    /// One more or one fewer on the shelf, counted from what the journal holds now (never from a screen's
    /// copy, which a sale recorded meanwhile has made stale); never below 0. One more on an uncounted item
    /// starts counting at 1. A sold-out mark stays: staff lift it themselves.
    Adjust(i32),
}

/// Takes a paid sale's items from stock, inside the transaction that records it paid. The customer has paid, so
/// the sale stands even when the shelf was miscounted: what the count cannot cover is recorded as oversold, on
/// the item and in the sale's events, never dropped.
pub(super) fn take_for_sale(conn: &Connection, sale: i64, now_ms: i64) -> rusqlite::Result<()> {
    for line in sale_lines(conn, sale)? {
        let left: Option<Option<u32>> = conn
            .query_row(
                "SELECT remaining FROM stock WHERE item_id = ?1",
                params![line.item_id],
                |row| row.get(0),
            )
            .optional()?;
        let Some(Some(left)) = left else {
            continue; // not counted
        };
        let beyond = line.quantity.saturating_sub(left);
        conn.execute(
            "UPDATE stock SET remaining = ?2, oversold = oversold + ?3 WHERE item_id = ?1",
            params![line.item_id, left.saturating_sub(line.quantity), beyond],
        )?;
        if beyond > 0 {
            conn.execute(
                "INSERT INTO sale_events (sale_id, at_ms, event) VALUES (?1, ?2, ?3)",
                params![
                    sale,
                    now_ms,
                    format!("oversold {} by {beyond} ({left} were left)", line.item_id)
                ],
            )?;
        }
    }
    Ok(())
}

/// Puts a refunded sale's items back on the shelf (staff ticked "goods returned"), inside the transaction that
/// records the refund succeeded, so it happens once. Only counted items change; all of the sale's lines go back
/// (a partial refund with the goods returned is the goods of that sale).
pub(super) fn return_for_refund(conn: &Connection, sale: i64, now_ms: i64) -> rusqlite::Result<()> {
    for line in sale_lines(conn, sale)? {
        let changed = conn.execute(
            "UPDATE stock SET remaining = remaining + ?2 WHERE item_id = ?1 AND remaining IS NOT NULL",
            params![line.item_id, line.quantity],
        )?;
        if changed > 0 {
            conn.execute(
                "INSERT INTO sale_events (sale_id, at_ms, event) VALUES (?1, ?2, ?3)",
                params![
                    sale,
                    now_ms,
                    format!(
                        "{} × {} back in stock (refund)",
                        line.quantity, line.item_id
                    )
                ],
            )?;
        }
    }
    Ok(())
}

/// A sale's lines as the journal wrote them. They were written by this journal; a row that cannot be read is
/// named by `sales`, and must not stop a payment or a refund being recorded: it moves no stock.
fn sale_lines(conn: &Connection, sale: i64) -> rusqlite::Result<Vec<OrderLine>> {
    let lines_json: String = conn.query_row(
        "SELECT lines_json FROM sales WHERE id = ?1",
        params![sale],
        |row| row.get(0),
    )?;
    Ok(serde_json::from_str(&lines_json).unwrap_or_default())
}

/// The identity of a catalog's stock levels: the same ids with the same `stock` give the same digest.
fn levels_digest(items: &[(String, Option<u32>)]) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&(String, Option<u32>)> = items.iter().collect();
    sorted.sort();
    let mut hash = Sha256::new();
    for (id, stock) in sorted {
        hash.update(id.as_bytes());
        hash.update([0]);
        hash.update(
            stock
                .map_or_else(|| "-".to_owned(), |n| n.to_string())
                .as_bytes(),
        );
        hash.update([0]);
    }
    format!("{:x}", hash.finalize())
}

impl Journal {
    /// Every item with stock held in the journal.
    pub fn stock_levels(&self) -> Result<Vec<StockLevel>, JournalError> {
        let mut statement = self
            .conn
            .prepare("SELECT item_id, remaining, sold_out, oversold FROM stock ORDER BY item_id")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok(StockLevel {
                    item_id: row.get(0)?,
                    remaining: row.get(1)?,
                    sold_out: row.get(2)?,
                    oversold: row.get(3)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Brings stock in line with a loaded catalog: `(item id, stock = N)` of every item. An item seen for the
    /// first time is seeded from the catalog. A catalog seen for the first time (by its levels' digest) that gives
    /// an item another level than the one last seeded resets that item's count (a restock) and its oversold
    /// figure; a catalog seen before changes nothing, so an older copy served again never puts stock back. Items
    /// the catalog lacks keep their counts. Nothing is written when nothing changes.
    pub fn sync_stock(&self, items: &[(String, Option<u32>)]) -> Result<(), JournalError> {
        let digest = levels_digest(items);
        let seen: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM stock_catalogs WHERE digest = ?1)",
                params![digest],
                |row| row.get(0),
            )
            .map_err(|e| self.err(e))?;
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        if !seen {
            tx.execute(
                "INSERT INTO stock_catalogs (digest, seen_ms) VALUES (?1, ?2)",
                params![digest, super::now_ms()],
            )
            .map_err(|e| self.err(e))?;
        }
        for (item_id, catalog_stock) in items {
            let seeded: Option<Option<u32>> = tx
                .query_row(
                    "SELECT catalog_stock FROM stock WHERE item_id = ?1",
                    params![item_id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(|e| self.err(e))?;
            match (seeded, catalog_stock) {
                (Some(before), now) if before == *now => {}
                // A newer catalog's new level: a restock (or, with no level, the item is no longer counted).
                (Some(_), now) if !seen => {
                    tx.execute(
                        "UPDATE stock SET remaining = ?2, catalog_stock = ?2, oversold = 0 WHERE item_id = ?1",
                        params![item_id, now],
                    )
                    .map_err(|e| self.err(e))?;
                }
                (Some(_), _) => {}
                (None, Some(count)) => {
                    tx.execute(
                        "INSERT INTO stock (item_id, remaining, catalog_stock) VALUES (?1, ?2, ?2)",
                        params![item_id, count],
                    )
                    .map_err(|e| self.err(e))?;
                }
                (None, None) => {}
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// A staff change to one item's stock; the item's level afterwards.
    pub fn update_stock(
        &self,
        item_id: &str,
        update: StockUpdate,
    ) -> Result<StockLevel, JournalError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT OR IGNORE INTO stock (item_id) VALUES (?1)",
            params![item_id],
        )
        .map_err(|e| self.err(e))?;
        match update {
            StockUpdate::SoldOut(true) => tx.execute(
                "UPDATE stock SET sold_out = 1 WHERE item_id = ?1",
                params![item_id],
            ),
            StockUpdate::SoldOut(false) => tx.execute(
                "UPDATE stock SET sold_out = 0,
                     remaining = CASE WHEN remaining = 0 THEN NULL ELSE remaining END
                 WHERE item_id = ?1",
                params![item_id],
            ),
            StockUpdate::Adjust(by) => tx.execute(
                "UPDATE stock SET oversold = CASE WHEN ?2 > 0 THEN 0 ELSE oversold END, remaining = CASE
                     WHEN remaining IS NULL THEN CASE WHEN ?2 > 0 THEN ?2 ELSE NULL END
                     ELSE MAX(remaining + ?2, 0) END
                 WHERE item_id = ?1",
                params![item_id, by],
            ),
            StockUpdate::Remaining(count) => tx.execute(
                "UPDATE stock SET remaining = ?2, oversold = 0,
                     sold_out = CASE WHEN ?2 > 0 THEN 0 ELSE sold_out END
                 WHERE item_id = ?1",
                params![item_id, count],
            ),
        }
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(self
            .stock_levels()?
            .into_iter()
            .find(|level| level.item_id == item_id)
            .unwrap_or_default())
    }
}
