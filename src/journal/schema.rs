//! The journal's tables, as migrations applied in order.

/// Schema migrations, applied in order; `PRAGMA user_version` records how many have run.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE sales (
        id INTEGER PRIMARY KEY,
        client_reference_id TEXT NOT NULL UNIQUE,
        idempotency_key TEXT NOT NULL,
        session_id TEXT UNIQUE,
        url TEXT,
        amount_total INTEGER NOT NULL,
        currency TEXT NOT NULL,
        lines_json TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        finished_ms INTEGER,
        outcome TEXT NOT NULL DEFAULT 'pending'
            CHECK (outcome IN ('paid', 'expired', 'cancelled', 'failed', 'pending')),
        detail TEXT
    );
    CREATE TABLE sale_events (
        id INTEGER PRIMARY KEY,
        sale_id INTEGER NOT NULL REFERENCES sales(id),
        at_ms INTEGER NOT NULL,
        event TEXT NOT NULL
    );
    CREATE INDEX sales_outcome ON sales(outcome);
"#,
    // 2: the create request itself, so recovery can replay it byte for byte under its Idempotency-Key, and the
    // last status seen, so only changes are appended to `sale_events`.
    r#"
    ALTER TABLE sales ADD COLUMN create_params TEXT;
    ALTER TABLE sales ADD COLUMN last_status TEXT;
"#,
    // 3: shift reports. A shift is every sale begun since the previous report was closed.
    r#"
    CREATE TABLE shifts (
        id INTEGER PRIMARY KEY,
        opened_ms INTEGER NOT NULL,
        closed_ms INTEGER NOT NULL,
        report_json TEXT NOT NULL
    );
"#,
    // 4: sale numbers, allocated in the journal (one writer, one transaction) instead of a side file, and a
    // random prefix chosen when the journal is created (see `open`), so a wiped state directory never hands
    // out a reference an earlier journal already used.
    r#"
    CREATE TABLE journal_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    INSERT INTO journal_meta (key, value) VALUES ('last_sale_number', '0');
"#,
    // 5: the counter's order number of a paid sale (1–999, starting again at each shift), the tip charged
    // with a sale (also one of its lines, kept here so reports need not parse lines), and stock: counts that
    // paid sales take down and staff set, and the staff's own "sold out" mark. `catalog_stock` is the
    // catalog's `stock = N` the count was last seeded from, so editing the file restocks but a restart does not.
    r#"
    ALTER TABLE sales ADD COLUMN order_number INTEGER;
    ALTER TABLE sales ADD COLUMN tip_amount INTEGER NOT NULL DEFAULT 0;
    INSERT INTO journal_meta (key, value) VALUES ('last_order_number', '0');
    CREATE TABLE stock (
        item_id TEXT PRIMARY KEY,
        remaining INTEGER CHECK (remaining IS NULL OR remaining >= 0),
        catalog_stock INTEGER,
        sold_out INTEGER NOT NULL DEFAULT 0
    );
"#,
    // 6: when a paid sale's receipt and ticket went onto the printer's queue, so a sale recorded paid anywhere
    // (recovery, Re-check, a crash between recording and printing) is printed once, and only once.
    r#"
    ALTER TABLE sales ADD COLUMN printed_ms INTEGER;
"#,
];
