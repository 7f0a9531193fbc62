use std::path::Path;

use rusqlite::params;

use super::schema::MIGRATIONS;
use super::*;
use crate::catalog::Catalog;
use crate::money::Currency;
use crate::order::Order;

fn order() -> Order {
    let catalog = Catalog::parse(
        "[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=340\n",
        Path::new("c.toml"),
        Path::new("."),
        Currency::from_code("GBP").unwrap(),
    )
    .unwrap();
    Order::from_quantities(&catalog, &[("latte".into(), 2)]).unwrap()
}

/// The pending sales, each of which must read back.
fn pending(journal: &Journal) -> Vec<SaleRecord> {
    journal
        .pending()
        .unwrap()
        .into_iter()
        .map(|row| row.unwrap())
        .collect()
}

#[test]
fn a_sale_is_recorded_before_create_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let sale = {
        let journal = Journal::open(&path).unwrap();
        let sale = journal
            .begin_sale("front-1-7", "wk-key-1", &order(), "{}", 1_000)
            .unwrap();
        journal
            .session_created(sale, "cs_1", "https://pay.example/cs_test_1", 1_100)
            .unwrap();
        sale
    };
    // As after a crash: a fresh connection sees the pending sale with the key needed to replay its create.
    let journal = Journal::open(&path).unwrap();
    let pending = pending(&journal);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].session_id.as_deref(), Some("cs_1"));
    assert_eq!(pending[0].idempotency_key, "wk-key-1");
    assert_eq!(
        (pending[0].amount_total, pending[0].currency.code()),
        (680, "GBP")
    );
    assert_eq!(pending[0].lines[0].quantity, 2);
    assert!(
        journal
            .finish(sale, RecordedOutcome::Paid, "", 2_000)
            .unwrap()
    );
    assert!(journal.pending().unwrap().is_empty());
}

#[test]
fn an_outcome_is_recorded_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.sqlite")).unwrap();
    let sale = journal.begin_sale("k-1", "key", &order(), "{}", 0).unwrap();
    assert!(journal.finish(sale, RecordedOutcome::Paid, "", 10).unwrap());
    assert!(
        !journal.finish(sale, RecordedOutcome::Paid, "", 20).unwrap(),
        "a second paid is refused"
    );
    assert!(
        !journal
            .finish(sale, RecordedOutcome::Expired, "", 30)
            .unwrap(),
        "and so is a later expiry"
    );
    let sales = journal.sales_since(0).unwrap();
    assert_eq!(
        (sales[0].outcome.as_str(), sales[0].finished_ms),
        ("paid", Some(10))
    );
}

#[test]
fn one_row_per_sale_reference_and_session() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.sqlite")).unwrap();
    let a = journal
        .begin_sale("k-1", "key-a", &order(), "{}", 0)
        .unwrap();
    assert!(
        journal
            .begin_sale("k-1", "key-b", &order(), "{}", 0)
            .is_err(),
        "a sale number is used once"
    );
    let b = journal
        .begin_sale("k-2", "key-b", &order(), "{}", 0)
        .unwrap();
    journal.session_created(a, "cs_1", "u", 0).unwrap();
    assert!(
        journal.session_created(b, "cs_1", "u", 0).is_err(),
        "a session belongs to one sale"
    );
    assert_eq!(
        journal
            .by_session("cs_1")
            .unwrap()
            .unwrap()
            .client_reference_id,
        "k-1"
    );
}

#[test]
fn migrations_run_once_and_the_journal_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    let journal = Journal::open(&path).unwrap();
    assert_eq!(journal.schema_version().unwrap(), MIGRATIONS.len());
    drop(journal);
    let journal = Journal::open(&path).unwrap();
    assert_eq!(journal.schema_version().unwrap(), MIGRATIONS.len());
    let mode: String = journal
        .conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_retried_create_continues_its_sale_row() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.sqlite")).unwrap();
    let first = journal
        .begin_sale("k-1", "key-a", &order(), "{\"a\":1}", 0)
        .unwrap();
    let retry = journal
        .begin_sale("k-1", "key-a", &order(), "{\"a\":1}", 5)
        .unwrap();
    assert_eq!(first, retry);
    assert_eq!(journal.sales_since(0).unwrap().len(), 1);
    assert_eq!(
        pending(&journal)[0].create_params.as_deref(),
        Some("{\"a\":1}")
    );
}

#[test]
fn only_status_changes_are_appended() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.sqlite")).unwrap();
    let sale = journal.begin_sale("k-1", "key", &order(), "{}", 0).unwrap();
    for at in 1..=50 {
        journal
            .record_status(sale, "open/unpaid", None, at)
            .unwrap();
    }
    journal
        .record_status(sale, "complete/paid", Some("pi_1"), 60)
        .unwrap();
    let statuses: Vec<String> = journal
        .events(sale)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .filter(|e| e.starts_with("status"))
        .collect();
    assert_eq!(statuses, ["status open/unpaid", "status complete/paid"]);
}

#[test]
fn the_payment_intent_is_kept_once_with_a_status_change_or_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.sqlite")).unwrap();
    let sale = journal.begin_sale("k-1", "key", &order(), "{}", 0).unwrap();
    journal
        .session_created(sale, "cs_1", "https://pay", 1)
        .unwrap();
    journal.record_status(sale, "open/unpaid", None, 2).unwrap();
    assert!(journal.payment_intents().unwrap().is_empty());
    journal
        .record_status(sale, "complete/paid", Some("pi_1"), 3)
        .unwrap();
    // The first one seen stays: a later note or status never replaces it.
    journal.note_payment_intent(sale, "pi_other").unwrap();
    journal
        .record_status(sale, "complete/paid/again", Some("pi_other"), 4)
        .unwrap();
    assert_eq!(
        journal.payment_intents().unwrap(),
        [("pi_1".to_owned(), "cs_1".to_owned())]
    );
}

#[test]
fn shifts_closed_before_the_shift_rule_keep_their_sales() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    {
        // A journal at schema 6: one shift closed at 1 000 (sales grouped by when they were begun), one sale
        // paid in it, one still pending at the close, one paid after it.
        let conn = Connection::open(&path).unwrap();
        for migration in &MIGRATIONS[..6] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute_batch(
            "INSERT INTO shifts (opened_ms, closed_ms, report_json) VALUES (0, 1000, '{}');
             INSERT INTO sales (client_reference_id, idempotency_key, amount_total, currency, lines_json,
                                created_ms, finished_ms, outcome)
             VALUES ('a', 'ka', 100, 'GBP', '[]', 500, 600, 'paid'),
                    ('b', 'kb', 200, 'GBP', '[]', 700, NULL, 'pending'),
                    ('c', 'kc', 300, 'GBP', '[]', 1500, 1600, 'paid');",
        )
        .unwrap();
    }
    let journal = Journal::open(&path).unwrap();
    let open = journal.current_shift().unwrap();
    assert_eq!(
        (open.sales, open.paid, open.pending),
        (2, 1, 1),
        "the closed shift keeps the sale paid in it; the pending one and the later one are open"
    );
    assert_eq!(open.gross_paid, [("GBP".to_owned(), 300)]);
}

#[test]
fn a_journal_from_the_first_schema_is_upgraded_with_its_sales_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    {
        // What version 1 of the kiosk left behind.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO sales (client_reference_id, idempotency_key, session_id, amount_total, currency,
                                lines_json, created_ms)
             VALUES ('old-1', 'key-old', 'cs_old', 500, 'EUR', '[]', 42)",
            [],
        )
        .unwrap();
    }
    let journal = Journal::open(&path).unwrap();
    assert_eq!(journal.schema_version().unwrap(), MIGRATIONS.len());
    let pending = pending(&journal);
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (
            pending[0].session_id.as_deref(),
            pending[0].amount_total,
            pending[0].create_params.as_deref()
        ),
        (Some("cs_old"), 500, None)
    );
    let sale = pending[0].row_id;
    journal
        .record_status(sale, "open/unpaid", None, 50)
        .unwrap();
    assert!(
        journal
            .finish(sale, RecordedOutcome::Expired, "", 60)
            .unwrap()
    );
}

#[test]
fn a_closed_shift_keeps_its_report_and_the_next_shift_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j.sqlite")).unwrap();
    let outcomes = [
        Some(RecordedOutcome::Paid),
        Some(RecordedOutcome::Paid),
        Some(RecordedOutcome::Expired),
        Some(RecordedOutcome::Cancelled),
        None,
    ];
    let mut sales = Vec::new();
    for (n, outcome) in outcomes.iter().enumerate() {
        let sale = journal
            .begin_sale(
                &format!("k-{n}"),
                &format!("key-{n}"),
                &order(),
                "{}",
                100 + n as i64,
            )
            .unwrap();
        if let Some(outcome) = outcome {
            journal.finish(sale, *outcome, "", 200).unwrap();
        }
        sales.push(sale);
    }
    let totals = journal.current_shift().unwrap();
    assert_eq!(
        (
            totals.sales,
            totals.paid,
            totals.expired,
            totals.cancelled,
            totals.pending
        ),
        (5, 2, 1, 1, 1)
    );
    assert_eq!(totals.gross_paid, [("GBP".to_owned(), 2 * 680)]);

    let report = journal.close_shift(1_000).unwrap();
    assert_eq!((report.opened_ms, report.closed_ms), (100, Some(1_000)));
    // The sale still pending at the close is not counted yet: it waits for the shift in which it settles.
    let next = journal.current_shift().unwrap();
    assert_eq!((next.sales, next.pending, next.paid), (1, 1, 0));
    let sale = journal
        .begin_sale("k-9", "key-9", &order(), "{}", 1_500)
        .unwrap();
    journal
        .finish(sale, RecordedOutcome::Paid, "", 1_600)
        .unwrap();
    // Paid after the close: a late payment of an earlier sale, counted in this shift and in no other.
    journal
        .finish(sales[4], RecordedOutcome::Paid, "", 1_700)
        .unwrap();
    let next = journal.current_shift().unwrap();
    assert_eq!(
        (
            next.opened_ms,
            next.sales,
            next.paid,
            next.pending,
            next.late_paid
        ),
        (1_000, 2, 2, 0, 1)
    );
    assert_eq!(next.late_paid_amount, [("GBP".to_owned(), 680)]);
    assert_eq!(next.gross_paid, [("GBP".to_owned(), 2 * 680)]);
    assert_eq!(
        next.sales_from_ms,
        Some(104),
        "the late sale was begun in the first shift"
    );
    let reports = journal.shift_reports(10).unwrap();
    assert_eq!(reports, std::slice::from_ref(&report));
    // Closed again, each sale has been counted in exactly one shift.
    let second = journal.close_shift(2_000).unwrap();
    assert_eq!((second.sales, second.late_paid), (2, 1));
    assert_eq!(journal.current_shift().unwrap().sales, 0);
    assert_eq!(report.paid + second.paid, 4);
}

#[test]
fn sale_numbers_carry_the_journals_own_prefix_and_never_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let (first, second) = {
        let journal = Journal::open(&path).unwrap();
        (
            journal.next_sale_number().unwrap(),
            journal.next_sale_number().unwrap(),
        )
    };
    let (prefix, number) = first.rsplit_once('-').unwrap();
    assert_eq!(number, "1");
    assert!(
        prefix.len() == 4
            && prefix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{first}"
    );
    assert_eq!(second, format!("{prefix}-2"));
    // Reopened (a restart): the same prefix, counting on.
    let reopened = Journal::open(&path).unwrap();
    assert_eq!(reopened.next_sale_number().unwrap(), format!("{prefix}-3"));
    // A wiped state directory: a new journal, a new prefix.
    let other = tempfile::tempdir().unwrap();
    let fresh = Journal::open(&other.path().join("journal.sqlite")).unwrap();
    assert_ne!(fresh.next_sale_number().unwrap(), first);
}

#[test]
fn a_read_only_open_reads_and_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    {
        let journal = Journal::open(&path).unwrap();
        journal
            .begin_sale("front-1-a-1", "wk-key-1", &order(), "{}", 1_000)
            .unwrap();
    }
    let reader = Journal::open_read_only(&path).unwrap();
    assert_eq!(reader.sales_since(0).unwrap().len(), 1);
    assert!(reader.next_sale_number().is_err(), "a reader cannot write");
}

#[test]
fn a_damaged_row_is_named_and_never_hides_the_other_pending_sales() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    let journal = Journal::open(&path).unwrap();
    let damaged = journal
        .begin_sale("k-1", "key-1", &order(), "{}", 0)
        .unwrap();
    journal
        .begin_sale("k-2", "key-2", &order(), "{}", 0)
        .unwrap();
    journal
        .conn
        .execute(
            "UPDATE sales SET lines_json = '{\"not\": \"lines\"}' WHERE id = ?1",
            params![damaged],
        )
        .unwrap();

    let rows = journal.pending().unwrap();
    assert_eq!(rows.len(), 2);
    let bad = rows[0].as_ref().unwrap_err();
    assert_eq!(
        (bad.row_id, bad.client_reference_id.as_str()),
        (damaged, "k-1")
    );
    assert!(bad.problem.starts_with("lines_json:"), "{}", bad.problem);
    assert_eq!(rows[1].as_ref().unwrap().client_reference_id, "k-2");

    // A list of sales says which row and which field, and where the journal is.
    let error = journal.sales_since(0).unwrap_err().to_string();
    assert!(
        error.contains(&path.display().to_string())
            && error.contains(&format!("sale {damaged} (k-1) cannot be read: lines_json:")),
        "{error}"
    );
}

#[test]
fn outcomes_read_back_as_their_journal_words() {
    for word in ["pending", "paid", "expired", "cancelled", "failed"] {
        assert_eq!(
            SaleOutcome::parse(word).map(SaleOutcome::as_str),
            Some(word)
        );
    }
    assert_eq!(SaleOutcome::parse("Paid"), None);
    assert_eq!(SaleOutcome::Pending.settled(), None);
    assert_eq!(
        SaleOutcome::from(RecordedOutcome::Cancelled).settled(),
        Some(RecordedOutcome::Cancelled)
    );
}

/// Begins a sale for `order` and records it with `outcome`; its row id.
fn settle(journal: &Journal, reference: &str, order: &Order, outcome: RecordedOutcome) -> i64 {
    let sale = journal
        .begin_sale(reference, &format!("key-{reference}"), order, "{}", 1_000)
        .unwrap();
    journal.finish(sale, outcome, "", 2_000).unwrap();
    sale
}

fn order_number(journal: &Journal, sale: i64) -> Option<u32> {
    journal
        .recent(1_000)
        .unwrap()
        .into_iter()
        .find(|s| s.row_id == sale)
        .unwrap()
        .order_number
}

#[test]
fn paid_sales_get_order_numbers_that_count_through_the_shift_and_survive_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let journal = Journal::open(&path).unwrap();
    let first = settle(&journal, "a-1", &order(), RecordedOutcome::Paid);
    let expired = settle(&journal, "a-2", &order(), RecordedOutcome::Expired);
    let second = settle(&journal, "a-3", &order(), RecordedOutcome::Paid);
    assert_eq!(order_number(&journal, first), Some(1));
    assert_eq!(
        order_number(&journal, expired),
        None,
        "only a paid sale has a number"
    );
    assert_eq!(order_number(&journal, second), Some(2));
    // A second "paid" for the same sale takes no new number.
    assert!(
        !journal
            .finish(second, RecordedOutcome::Paid, "", 3_000)
            .unwrap()
    );
    drop(journal);

    // After a restart the shift goes on from where it was: no number is handed out twice.
    let journal = Journal::open(&path).unwrap();
    let third = settle(&journal, "a-4", &order(), RecordedOutcome::Paid);
    assert_eq!(order_number(&journal, third), Some(3));

    // Closing the shift starts again at 1; the closed shift's sales keep their numbers.
    journal.close_shift(5_000).unwrap();
    let next_shift = settle(&journal, "a-5", &order(), RecordedOutcome::Paid);
    assert_eq!(order_number(&journal, next_shift), Some(1));
    assert_eq!(order_number(&journal, third), Some(3));
}

#[test]
fn order_numbers_never_repeat_within_a_shift() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
    journal
        .conn
        .execute(
            "UPDATE journal_meta SET value = '998' WHERE key = 'last_order_number'",
            [],
        )
        .unwrap();
    let a = settle(&journal, "b-1", &order(), RecordedOutcome::Paid);
    let b = settle(&journal, "b-2", &order(), RecordedOutcome::Paid);
    assert_eq!(
        (order_number(&journal, a), order_number(&journal, b)),
        (Some(999), Some(1000))
    );
}

fn level(journal: &Journal, item: &str) -> Option<StockLevel> {
    journal
        .stock_levels()
        .unwrap()
        .into_iter()
        .find(|level| level.item_id == item)
}

#[test]
fn stock_counts_down_on_paid_sales_only_and_sells_out_at_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let journal = Journal::open(&path).unwrap();
    journal
        .sync_stock(&[("latte".into(), Some(5)), ("cookie".into(), None)])
        .unwrap();
    assert_eq!(level(&journal, "latte").unwrap().remaining, Some(5));
    assert_eq!(
        level(&journal, "cookie"),
        None,
        "an uncounted item has no stock"
    );

    // Two lattes each: cancelled, expired and failed sales take nothing.
    settle(&journal, "c-1", &order(), RecordedOutcome::Cancelled);
    settle(&journal, "c-2", &order(), RecordedOutcome::Expired);
    settle(&journal, "c-3", &order(), RecordedOutcome::Failed);
    assert_eq!(level(&journal, "latte").unwrap().remaining, Some(5));
    settle(&journal, "c-4", &order(), RecordedOutcome::Paid);
    assert_eq!(level(&journal, "latte").unwrap().remaining, Some(3));
    // A pending sale takes nothing until it is recorded paid.
    let pending = journal
        .begin_sale("c-5", "key-c-5", &order(), "{}", 1_000)
        .unwrap();
    assert_eq!(level(&journal, "latte").unwrap().remaining, Some(3));
    journal
        .finish(pending, RecordedOutcome::Paid, "recovered", 3_000)
        .unwrap();
    assert_eq!(level(&journal, "latte").unwrap().remaining, Some(1));
    // The customer paid for two with one on the shelf: the sale stands, the count stops at 0, and the one
    // beyond it is recorded, on the item and in the sale's events.
    let oversold = settle(&journal, "c-6", &order(), RecordedOutcome::Paid);
    let latte = level(&journal, "latte").unwrap();
    assert_eq!(
        (latte.remaining, latte.available(), latte.oversold),
        (Some(0), false, 1)
    );
    assert!(
        journal
            .events(oversold)
            .unwrap()
            .iter()
            .any(|(_, event)| event == "oversold latte by 1 (1 were left)")
    );

    // A restart and a reload of the same catalog keep the count.
    drop(journal);
    let journal = Journal::open(&path).unwrap();
    journal
        .sync_stock(&[("latte".into(), Some(5)), ("cookie".into(), None)])
        .unwrap();
    assert_eq!(level(&journal, "latte").unwrap().remaining, Some(0));
    // A new `stock` in the file is a restock, and clears the oversold figure.
    journal.sync_stock(&[("latte".into(), Some(12))]).unwrap();
    let latte = level(&journal, "latte").unwrap();
    assert_eq!((latte.remaining, latte.oversold), (Some(12), 0));
    settle(&journal, "c-7", &order(), RecordedOutcome::Paid);
    // The older catalog served again puts nothing back.
    journal
        .sync_stock(&[("latte".into(), Some(5)), ("cookie".into(), None)])
        .unwrap();
    assert_eq!(level(&journal, "latte").unwrap().remaining, Some(10));
    // An item missing from one catalog keeps its count for when it returns.
    journal.sync_stock(&[("cookie".into(), None)]).unwrap();
    assert_eq!(level(&journal, "latte").unwrap().remaining, Some(10));
    journal.sync_stock(&[("latte".into(), Some(12))]).unwrap();
    assert_eq!(level(&journal, "latte").unwrap().remaining, Some(10));
}

#[test]
fn staff_mark_items_sold_out_and_set_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let journal = Journal::open(&path).unwrap();
    let marked = journal
        .update_stock("cookie", StockUpdate::SoldOut(true))
        .unwrap();
    assert!(!marked.available());
    drop(journal);
    let journal = Journal::open(&path).unwrap();
    assert!(
        !level(&journal, "cookie").unwrap().available(),
        "the mark survives a restart"
    );
    // The catalog reload keeps the mark for an item that still exists.
    journal.sync_stock(&[("cookie".into(), None)]).unwrap();
    assert!(level(&journal, "cookie").unwrap().sold_out);
    assert!(
        journal
            .update_stock("cookie", StockUpdate::SoldOut(false))
            .unwrap()
            .available()
    );

    journal.sync_stock(&[("latte".into(), Some(1))]).unwrap();
    settle(&journal, "d-1", &order(), RecordedOutcome::Paid);
    assert!(!level(&journal, "latte").unwrap().available());
    // Marked available again after selling out: no longer counted.
    let latte = journal
        .update_stock("latte", StockUpdate::SoldOut(false))
        .unwrap();
    assert_eq!((latte.remaining, latte.available()), (None, true));
    // Setting a count above 0 lifts a sold-out mark; 0 sells it out.
    journal
        .update_stock("latte", StockUpdate::SoldOut(true))
        .unwrap();
    let latte = journal
        .update_stock("latte", StockUpdate::Remaining(Some(8)))
        .unwrap();
    assert_eq!((latte.remaining, latte.available()), (Some(8), true));
    let latte = journal
        .update_stock("latte", StockUpdate::Remaining(Some(0)))
        .unwrap();
    assert!(!latte.available());

    // − and + count from the journal's figure, so a sale recorded meanwhile is never undone.
    journal
        .update_stock("latte", StockUpdate::Remaining(Some(3)))
        .unwrap();
    journal.sync_stock(&[("latte".into(), Some(1))]).unwrap();
    journal
        .update_stock("latte", StockUpdate::Remaining(Some(3)))
        .unwrap();
    settle(&journal, "d-2", &order(), RecordedOutcome::Paid);
    let latte = journal
        .update_stock("latte", StockUpdate::Adjust(1))
        .unwrap();
    assert_eq!(latte.remaining, Some(2), "3 − 2 sold + 1");
    let latte = journal
        .update_stock("latte", StockUpdate::Adjust(-5))
        .unwrap();
    assert_eq!(latte.remaining, Some(0), "never below 0");
    // + on an uncounted item starts counting; − leaves it uncounted; neither lifts a sold-out mark.
    journal
        .update_stock("tea", StockUpdate::SoldOut(true))
        .unwrap();
    assert_eq!(
        journal
            .update_stock("tea", StockUpdate::Adjust(-1))
            .unwrap()
            .remaining,
        None
    );
    let tea = journal.update_stock("tea", StockUpdate::Adjust(1)).unwrap();
    assert_eq!((tea.remaining, tea.sold_out), (Some(1), true));
}

#[test]
fn a_tip_is_journalled_separately_and_totalled_by_the_shift() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
    settle(
        &journal,
        "e-1",
        &order().with_tip(100, "Tip"),
        RecordedOutcome::Paid,
    );
    settle(
        &journal,
        "e-2",
        &order().with_tip(50, "Tip"),
        RecordedOutcome::Expired,
    );
    settle(&journal, "e-3", &order(), RecordedOutcome::Paid);
    let sales = journal.recent(10).unwrap();
    assert_eq!(
        sales.iter().map(|s| s.tip_amount).collect::<Vec<_>>(),
        [0, 50, 100]
    );
    let shift = journal.current_shift().unwrap();
    assert_eq!(shift.gross_paid, [("GBP".to_owned(), 680 + 100 + 680)]);
    assert_eq!(
        shift.tips,
        [("GBP".to_owned(), 100)],
        "only paid tips count"
    );
}

#[test]
fn a_paid_sale_is_printed_once_and_only_paid_sales_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
    let paid = settle(&journal, "f-1", &order(), RecordedOutcome::Paid);
    settle(&journal, "f-2", &order(), RecordedOutcome::Expired);
    let waiting = journal.unprinted_paid_since(0).unwrap();
    assert_eq!(waiting.iter().map(|s| s.row_id).collect::<Vec<_>>(), [paid]);
    assert!(
        journal.unprinted_paid_since(3_000).unwrap().is_empty(),
        "too old to print now"
    );
    journal.mark_printed(paid, 2_500, false).unwrap();
    assert!(journal.unprinted_paid_since(0).unwrap().is_empty());
}

#[test]
fn a_journal_with_large_pages_is_rewritten_once_with_small_ones_and_keeps_its_sales() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    {
        // What the kiosk wrote before: SQLite's default 4 KiB pages, in WAL mode, with a sale in it.
        let journal = Journal::open(&path).unwrap();
        journal
            .conn
            .execute_batch("PRAGMA journal_mode=DELETE; PRAGMA page_size=4096; VACUUM; PRAGMA journal_mode=WAL;")
            .unwrap();
        let sale = journal
            .begin_sale("k-1", "key-1", &order(), "{}", 10)
            .unwrap();
        journal.finish(sale, RecordedOutcome::Paid, "", 20).unwrap();
        let size: i64 = journal
            .conn
            .pragma_query_value(None, "page_size", |row| row.get(0))
            .unwrap();
        assert_eq!(size, 4096);
    }
    let journal = Journal::open(&path).unwrap();
    let page_size: i64 = journal
        .conn
        .pragma_query_value(None, "page_size", |row| row.get(0))
        .unwrap();
    let mode: String = journal
        .conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .unwrap();
    assert_eq!((page_size, mode.as_str()), (super::open::PAGE_SIZE, "wal"));
    let sales = journal.recent(10).unwrap();
    assert_eq!(sales.len(), 1);
    assert_eq!(sales[0].outcome, SaleOutcome::Paid);
    assert_eq!(sales[0].order_number, Some(1));
}

/// A refund counts in the shift in which it succeeded: refunded and net per currency, and its share of each
/// rate's tax beside the sales' tax; Close shift keeps it in that shift, and the next starts without it.
#[test]
fn refunds_count_in_the_shift_with_their_share_of_tax() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
    let vat = crate::tax::TaxSettings {
        default_rate: Some(crate::tax::TaxRate::parse("20").unwrap()),
        name: "VAT".into(),
        pricing: crate::tax::Pricing::TaxIncluded,
    };
    let taxed = order().with_tax(&vat);
    let sale = journal
        .begin_sale("front-1-1", "wk-1", &taxed, "{}", 1_000)
        .unwrap();
    journal
        .session_created(sale, "cs_1", "https://pay.example/1", 1_100)
        .unwrap();
    assert!(
        journal
            .finish(sale, RecordedOutcome::Paid, "", 1_200)
            .unwrap()
    );
    let body = |amount: i64| format!("{{\"amount\":{amount}}}");
    let refund = journal
        .begin_refund(
            &NewRefund {
                sale_row: sale,
                amount: Some(150),
                reason: "requested_by_customer",
                goods_returned: false,
                idempotency_key: "wk-r1",
                request: &body,
            },
            1_300,
        )
        .unwrap()
        .unwrap();
    let shift = journal.current_shift().unwrap();
    assert_eq!(
        (shift.refunds, shift.net.clone()),
        (0, vec![("GBP".to_owned(), 680)]),
        "in flight: not yet refunded"
    );
    journal
        .record_refund(
            refund.row_id,
            Some("re_1"),
            RefundState::Succeeded,
            None,
            1_400,
        )
        .unwrap();

    let shift = journal.current_shift().unwrap();
    assert_eq!(shift.refunds, 1);
    assert_eq!(shift.refunded, vec![("GBP".to_owned(), 150)]);
    assert_eq!(shift.net, vec![("GBP".to_owned(), 530)]);
    // 6.80 at 20 % included: 113.33 tax; the refund's share 150/680 of gross 680 and tax 113: 150 and 24.9 → 25.
    let rate = crate::tax::TaxRate::parse("20").unwrap();
    assert_eq!(
        shift.tax,
        vec![ShiftTax {
            currency: "GBP".into(),
            rate,
            net: 567,
            tax: 113,
            gross: 680
        }]
    );
    assert_eq!(
        shift.refunded_tax,
        vec![ShiftTax {
            currency: "GBP".into(),
            rate,
            net: 125,
            tax: 25,
            gross: 150
        }]
    );

    let closed = journal.close_shift(2_000).unwrap();
    assert_eq!(closed.refunded, vec![("GBP".to_owned(), 150)]);
    let next = journal.current_shift().unwrap();
    assert_eq!(
        (next.refunds, next.refunded.len()),
        (0, 0),
        "counted once, in the shift it succeeded in"
    );
}
