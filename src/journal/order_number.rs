//! Order numbers: what the counter calls out and the kitchen ticket shows. Counting up from 1 through a shift
//! and starting again at 1 when the shift is closed; never repeated within a shift, however many sales it has
//! (after 999 comes 1000). The counter lives in the journal, so a restart never hands out a number the shift
//! already used. Several kiosks at one counter tell their numbers apart by `[kiosk] order_prefix` ("A-12").

use rusqlite::{Connection, params};

/// The next order number, inside the caller's transaction (the one that records the sale paid).
pub(super) fn allocate(conn: &Connection) -> rusqlite::Result<u32> {
    let last: u32 = conn.query_row(
        "SELECT CAST(value AS INTEGER) FROM journal_meta WHERE key = 'last_order_number'",
        [],
        |row| row.get(0),
    )?;
    let next = last.saturating_add(1);
    conn.execute(
        "UPDATE journal_meta SET value = ?1 WHERE key = 'last_order_number'",
        params![next.to_string()],
    )?;
    Ok(next)
}

/// When a shift is closed: the next paid sale is order 1.
pub(super) fn restart(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE journal_meta SET value = '0' WHERE key = 'last_order_number'",
        [],
    )?;
    Ok(())
}
