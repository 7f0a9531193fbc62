//! Stock: how many of an item are left and whether staff marked it sold out. Counts go down only when a sale is
//! recorded paid (a cancelled or expired sale takes nothing), in the transaction that records it.

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

/// Takes a paid sale's items from stock, inside the transaction that records it paid. A count never goes
/// below 0: the customer has paid, so the sale stands even when the shelf was miscounted.
pub(super) fn take_for_sale(conn: &Connection, sale: i64) -> rusqlite::Result<()> {
    let lines_json: String = conn.query_row(
        "SELECT lines_json FROM sales WHERE id = ?1",
        params![sale],
        |row| row.get(0),
    )?;
    // The lines were written by this journal; a row that cannot be read is named by `sales`, and must not
    // stop the payment being recorded.
    let lines: Vec<OrderLine> = serde_json::from_str(&lines_json).unwrap_or_default();
    for line in lines {
        conn.execute(
            "UPDATE stock SET remaining = MAX(remaining - ?2, 0)
             WHERE item_id = ?1 AND remaining IS NOT NULL",
            params![line.item_id, line.quantity],
        )?;
    }
    Ok(())
}

impl Journal {
    /// Every item with stock held in the journal.
    pub fn stock_levels(&self) -> Result<Vec<StockLevel>, JournalError> {
        let mut statement = self
            .conn
            .prepare("SELECT item_id, remaining, sold_out FROM stock ORDER BY item_id")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map([], |row| {
                Ok(StockLevel {
                    item_id: row.get(0)?,
                    remaining: row.get(1)?,
                    sold_out: row.get(2)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Brings stock in line with a (re)loaded catalog: `(item id, stock = N)` of every item. A count is seeded
    /// from the catalog when the item is new or its `stock` changed in the file (a restock); otherwise the
    /// journal's count stands, so a restart or a reload takes nothing back. Items no longer in the catalog lose
    /// their stock.
    pub fn sync_stock(&self, items: &[(String, Option<u32>)]) -> Result<(), JournalError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
        let known: Vec<String> = {
            let mut statement = tx
                .prepare("SELECT item_id FROM stock")
                .map_err(|e| self.err(e))?;
            let rows = statement
                .query_map([], |row| row.get(0))
                .map_err(|e| self.err(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.err(e))?
        };
        for gone in known.iter().filter(|id| !ids.contains(&id.as_str())) {
            tx.execute("DELETE FROM stock WHERE item_id = ?1", params![gone])
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
                (Some(_), now) => {
                    tx.execute(
                        "UPDATE stock SET remaining = ?2, catalog_stock = ?2 WHERE item_id = ?1",
                        params![item_id, now],
                    )
                    .map_err(|e| self.err(e))?;
                }
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
                "UPDATE stock SET remaining = CASE
                     WHEN remaining IS NULL THEN CASE WHEN ?2 > 0 THEN ?2 ELSE NULL END
                     ELSE MAX(remaining + ?2, 0) END
                 WHERE item_id = ?1",
                params![item_id, by],
            ),
            StockUpdate::Remaining(count) => tx.execute(
                "UPDATE stock SET remaining = ?2,
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
