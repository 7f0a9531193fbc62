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
    // 5: the counter's order number of a paid sale (from 1, starting again at each shift), the tip charged
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
    // 7: the shift a sale is counted in, set when the shift is closed: a sale counts in the shift in which its
    // outcome became known, so one still pending at Close shift and paid later counts in the next shift (as a
    // late payment of an earlier sale), never in none. `open_shift_from_id`: no sale below this id is uncounted,
    // so the open shift is read as a range of rows, with no index to write at every sale. Sales in shifts closed
    // before this (grouped by when they were begun) keep those shifts.
    r#"
    ALTER TABLE sales ADD COLUMN shift_id INTEGER;
    UPDATE sales SET shift_id = (
        SELECT s.id FROM shifts s
        WHERE sales.created_ms >= s.opened_ms AND sales.created_ms <= s.closed_ms
        ORDER BY s.id LIMIT 1
    ) WHERE outcome != 'pending';
    INSERT INTO journal_meta (key, value) VALUES ('open_shift_from_id', (
        SELECT COALESCE(
            (SELECT MIN(id) FROM sales WHERE shift_id IS NULL),
            (SELECT COALESCE(MAX(id), 0) + 1 FROM sales)
        )
    ));
"#,
    // 8: the stock ledger's edges. `oversold`: paid sales beyond the count (two paths racing, a sale recovered
    // after its item sold out), recorded instead of clamped away until staff or a newer catalog set a new level.
    // `stock_catalogs`: the stock levels of every catalog seen (a digest of its items' ids and `stock`), so a
    // catalog that comes back (an older copy served again) never resets a count.
    r#"
    ALTER TABLE stock ADD COLUMN oversold INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE stock_catalogs (
        digest TEXT PRIMARY KEY,
        seen_ms INTEGER NOT NULL
    );
"#,
    // 9: a paid sale's kitchen ticket held for staff to send, because it was not printed within
    // `ticket_max_age_s` of the payment (set with `printed_ms`, cleared when staff send it). The partial index
    // holds only the held ones, so the staff screen finds them at once and no ordinary sale writes to it.
    r#"
    ALTER TABLE sales ADD COLUMN ticket_held INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX sales_ticket_held ON sales(id) WHERE ticket_held = 1;
"#,
    // 10: refunds. A row is written, with its Idempotency-Key and the exact request body, before the request
    // leaves, so a retry, a lost answer, a crash or a power cut replays the same request and never refunds twice.
    // `requested`: sent, answer not yet known; `refused`: WooshPay answered no, so nothing was refunded. A refund
    // counts in the shift in which it succeeded (`shift_id`, set at Close shift, as for sales). The partial
    // index finds the unsettled ones (in flight or pending at WooshPay) at start without touching the others.
    r#"
    CREATE TABLE refunds (
        id INTEGER PRIMARY KEY,
        sale_id INTEGER NOT NULL REFERENCES sales(id),
        idempotency_key TEXT NOT NULL UNIQUE,
        request_json TEXT NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        reason TEXT NOT NULL,
        goods_returned INTEGER NOT NULL DEFAULT 0,
        refund_id TEXT UNIQUE,
        status TEXT NOT NULL DEFAULT 'requested'
            CHECK (status IN ('requested', 'pending', 'succeeded', 'failed', 'canceled', 'refused')),
        detail TEXT,
        created_ms INTEGER NOT NULL,
        finished_ms INTEGER,
        shift_id INTEGER
    );
    CREATE INDEX refunds_sale ON refunds(sale_id);
    CREATE INDEX refunds_unsettled ON refunds(id) WHERE status IN ('requested', 'pending');
"#,
    // 11: the payment intent WooshPay paid a sale through, kept once seen, so a refund made in WooshPay's
    // dashboard (it names only the payment intent) is known as this kiosk's however old the sale.
    r#"
    ALTER TABLE sales ADD COLUMN payment_intent TEXT;
"#,
];
