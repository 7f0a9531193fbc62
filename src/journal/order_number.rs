//! Order numbers: what the counter calls out and the kitchen ticket shows. Short (1–999), counting up through
//! a shift and starting again at 1 when the shift is closed. The counter lives in the journal, so a restart
//! never hands out a number the shift already used.

use rusqlite::{Connection, params};

/// The highest order number; the one after it is 1 again. A queue never holds 999 open orders, and three
/// digits stay readable from across a room.
pub const MAX_ORDER_NUMBER: u32 = 999;

/// The next order number, inside the caller's transaction (the one that records the sale paid).
pub(super) fn allocate(conn: &Connection) -> rusqlite::Result<u32> {
    let last: u32 = conn.query_row(
        "SELECT CAST(value AS INTEGER) FROM journal_meta WHERE key = 'last_order_number'",
        [],
        |row| row.get(0),
    )?;
    let next = if last >= MAX_ORDER_NUMBER {
        1
    } else {
        last + 1
    };
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
