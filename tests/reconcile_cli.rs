//! `wooshpay-kiosk reconcile` as a black box: the real binary, the simulator holding this kiosk's sessions (and
//! another kiosk's), and a journal seeded with each kind of difference.

mod common;

use common::{KEY, Shop, http_client, simulator};
use serde_json::{Value, json};
use wooshpay_kiosk::journal::{JOURNAL_FILE, Journal, RecordedOutcome};
use wooshpay_kiosk::simulator::Simulator;

/// A session made at WooshPay directly (another till, the dashboard, a lost create), for `kiosk_id`.
async fn create_session(sim: &Simulator, kiosk_id: &str, amount: i64, reference: &str) -> String {
    let response = http_client()
        .post(format!("{}/v1/checkout/sessions", sim.api_base_url()))
        .basic_auth(KEY, None::<&str>)
        .json(&json!({
            "mode": "payment",
            "success_url": "https://shop.example/thanks",
            "cancel_url": "https://shop.example/cancelled",
            "client_reference_id": reference,
            "metadata": { "kiosk_id": kiosk_id },
            "line_items": [{
                "quantity": 1,
                "price_data": { "currency": "gbp", "unit_amount": amount, "product_data": { "name": "Latte" } }
            }]
        }))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A sale the journal records as paid, for `amount`, against `session_id`.
fn journal_paid(shop: &Shop, reference: &str, amount: i64, session_id: &str) {
    let (journal, sale) = journal_begun(shop, reference, amount);
    let now = wooshpay_kiosk::journal::now_ms();
    journal
        .session_created(sale, session_id, "https://pay.example/x", now)
        .unwrap();
    assert!(
        journal
            .finish(sale, RecordedOutcome::Paid, "", now)
            .unwrap()
    );
}

/// A sale begun in the journal (pending, no session yet).
fn journal_begun(shop: &Shop, reference: &str, amount: i64) -> (Journal, i64) {
    let state = shop.dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let journal = Journal::open(&state.join(JOURNAL_FILE)).unwrap();
    let order = common::latte_order(amount);
    let now = wooshpay_kiosk::journal::now_ms();
    let sale = journal
        .begin_sale(reference, &format!("key-{reference}"), &order, "{}", now)
        .unwrap();
    (journal, sale)
}

async fn reconcile(shop: &Shop, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["reconcile", "--json"];
    all.extend_from_slice(args);
    let output = shop.command(&all).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), json, stderr)
}

fn kinds(report: &Value) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["session_id"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_agrees_then_names_every_kind_of_difference() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    common::sell_one_latte(&sim, &shop).await;
    // Another kiosk's paid sale is none of this kiosk's business.
    let other = create_session(&sim, "other-kiosk", 999, "other-1").await;
    sim.pay(&other).unwrap();

    let (code, report, stderr) = reconcile(&shop, &[]).await;
    assert_eq!(code, 0, "{stderr}\n{report}");
    assert_eq!(report["agrees"], true);
    assert_eq!(report["kiosk_id"], "test-kiosk");
    assert_eq!(report["sessions_at_wooshpay"], 1);
    assert_eq!(report["sales_in_journal"], 1);

    // Paid at WooshPay, never journalled (a create whose answer was lost and never recovered).
    let lost = create_session(&sim, "test-kiosk", 340, "test-kiosk-lost").await;
    sim.pay(&lost).unwrap();
    // Journalled paid, but WooshPay's session expired unpaid.
    let unpaid = create_session(&sim, "test-kiosk", 275, "test-kiosk-unpaid").await;
    sim.expire(&unpaid).unwrap();
    journal_paid(&shop, "test-kiosk-unpaid", 275, &unpaid);
    // Paid at both, for different amounts.
    let short = create_session(&sim, "test-kiosk", 300, "test-kiosk-short").await;
    sim.pay(&short).unwrap();
    journal_paid(&shop, "test-kiosk-short", 340, &short);
    // Still open: a customer could pay it yet.
    let open = create_session(&sim, "test-kiosk", 340, "test-kiosk-open").await;
    // Journalled paid against a session WooshPay never had.
    journal_paid(&shop, "test-kiosk-ghost", 340, "cs_test_ghost");
    // More than a page of newer sessions from other kiosks: this kiosk's are on the second page.
    for n in 0..105 {
        create_session(&sim, "other-kiosk", 100, &format!("other-page-{n}")).await;
    }

    let (code, report, stderr) = reconcile(&shop, &["--since", "today"]).await;
    assert_eq!(code, 1, "{stderr}\n{report}");
    assert_eq!(report["agrees"], false);
    assert_eq!(report["sessions_at_wooshpay"], 5, "{report}");
    assert_eq!(report["sales_in_journal"], 4, "{report}");
    let mut expected = vec![
        ("amount_differs".to_owned(), short.clone()),
        (
            "journal_paid_not_paid".to_owned(),
            "cs_test_ghost".to_owned(),
        ),
        ("journal_paid_not_paid".to_owned(), unpaid.clone()),
        ("paid_not_in_journal".to_owned(), lost.clone()),
        ("still_open".to_owned(), open.clone()),
    ];
    expected.sort();
    assert_eq!(kinds(&report), expected, "{report}");
    let short_difference = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "amount_differs")
        .unwrap();
    assert_eq!(short_difference["journal_amount"], 340);
    assert_eq!(short_difference["wooshpay_amount"], 300);
    let lost_difference = report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "paid_not_in_journal")
        .unwrap();
    assert_eq!(lost_difference["journal_outcome"], Value::Null);
    assert_eq!(lost_difference["wooshpay_amount"], 340);

    // The table for people says the same.
    let text = shop.command(&["reconcile"]).output().await.unwrap();
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("5 differences"), "{text}");
    assert!(text.contains(&lost), "{text}");

    // WooshPay unreachable: never "agrees".
    sim.shutdown();
    let (code, report, stderr) = reconcile(&shop, &[]).await;
    assert_eq!(code, 1, "{report}");
    assert!(stderr.contains("cannot compare with WooshPay"), "{stderr}");
}

/// What must never come out as "they agree", and what must not be called a difference.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_never_agrees_on_a_listing_it_could_not_read_and_knows_a_sale_in_progress() {
    use wooshpay_kiosk::simulator::{Fault, FaultRule};
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    let mutate = |set: Value| FaultRule {
        method: Some("GET".into()),
        path: "/v1/checkout/sessions/list".into(),
        count: 1,
        after_processing: true,
        fault: Fault::Mutate {
            set: set.as_object().unwrap().clone(),
        },
    };

    // A sale begun just before `--since` whose session was created after it: the journal has it, paid.
    let (journal, sale) = journal_begun(&shop, "test-kiosk-boundary", 340);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let since = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_millis(500))
        .unwrap()
        .to_string();
    let boundary = create_session(&sim, "test-kiosk", 340, "test-kiosk-boundary").await;
    sim.pay(&boundary).unwrap();
    let now = wooshpay_kiosk::journal::now_ms();
    journal
        .session_created(sale, &boundary, "https://pay.example/b", now)
        .unwrap();
    assert!(
        journal
            .finish(sale, RecordedOutcome::Paid, "", now)
            .unwrap()
    );
    // A sale the kiosk is following: pending in the journal, its session open.
    let (journal, sale) = journal_begun(&shop, "test-kiosk-now", 275);
    let open = create_session(&sim, "test-kiosk", 275, "test-kiosk-now").await;
    journal
        .session_created(sale, &open, "https://pay.example/o", now)
        .unwrap();
    drop(journal);

    let (code, report, stderr) = reconcile(&shop, &["--since", &since]).await;
    assert_eq!(code, 0, "{stderr}\n{report}");
    assert_eq!(report["in_progress"], 1, "{report}");
    assert_eq!(report["sessions_at_wooshpay"], 2, "{report}");

    // A session of the wrong shape in the list: the comparison stops, it does not skip the session.
    sim.inject(mutate(json!({
        "data": [{ "id": "cs_odd", "amount_total": "lots", "status": "complete" }]
    })));
    let (code, report, stderr) = reconcile(&shop, &["--since", &since]).await;
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["agrees"], false);
    assert!(
        stderr.contains("cs_odd") && stderr.contains("cannot be read"),
        "{stderr}"
    );

    // A list that repeats itself (a cursor the server ignores): an error, not a comparison cut short.
    sim.inject(FaultRule {
        count: 3,
        ..mutate(json!({ "data": [{ "id": boundary }], "has_more": true }))
    });
    let (code, _, stderr) = reconcile(&shop, &["--since", "today"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("came twice"), "{stderr}");

    // `has_more` missing: the next page is asked for all the same, and the empty page ends the list.
    sim.clear_faults();
    sim.inject(mutate(json!({ "has_more": null })));
    let (code, report, stderr) = reconcile(&shop, &["--since", &since]).await;
    assert_eq!(code, 0, "{stderr}\n{report}");

    // A date in the future compares nothing: refused, not "agree".
    let (code, _, stderr) = reconcile(&shop, &["--since", "2999-01-01"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("in the future"), "{stderr}");
}

/// The journal's pending sales are compared too: one whose session expired at WooshPay while the kiosk was off,
/// or whose session WooshPay does not have, is a difference until `recover` settles it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconcile_names_sales_the_journal_still_holds_pending_and_recover_settles_them() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    let now = wooshpay_kiosk::journal::now_ms();
    // Pending in the journal; its session expired at WooshPay (the kiosk was off when it did).
    let (journal, sale) = journal_begun(&shop, "test-kiosk-stale", 340);
    let stale = create_session(&sim, "test-kiosk", 340, "test-kiosk-stale").await;
    journal
        .session_created(sale, &stale, "https://pay.example/s", now)
        .unwrap();
    drop(journal);
    sim.expire(&stale).unwrap();

    let (code, report, stderr) = reconcile(&shop, &[]).await;
    assert_eq!(code, 1, "{stderr}\n{report}");
    assert_eq!(
        kinds(&report),
        vec![("pending_in_journal".to_owned(), stale.clone())],
        "{report}"
    );
    assert!(
        report["advice"]
            .as_str()
            .unwrap()
            .contains("wooshpay-kiosk recover"),
        "{report}"
    );
    let text = shop.command(&["reconcile"]).output().await.unwrap();
    assert_eq!(text.status.code(), Some(1));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("pending_in_journal") && text.contains("wooshpay-kiosk recover"),
        "{text}"
    );

    // What the advice says to run settles it, and then they agree.
    let recovered = shop.command(&["recover"]).output().await.unwrap();
    assert_eq!(
        recovered.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&recovered.stderr)
    );
    let (code, report, stderr) = reconcile(&shop, &[]).await;
    assert_eq!(code, 0, "{stderr}\n{report}");
    assert_eq!(report["advice"], Value::Null);

    // Pending against a session WooshPay has never had: nothing can be paid, and the journal has not said so.
    let (journal, sale) = journal_begun(&shop, "test-kiosk-nowhere", 275);
    journal
        .session_created(sale, "cs_test_nowhere", "https://pay.example/n", now)
        .unwrap();
    drop(journal);
    let (code, report, stderr) = reconcile(&shop, &[]).await;
    assert_eq!(code, 1, "{stderr}\n{report}");
    assert_eq!(
        kinds(&report),
        vec![(
            "pending_in_journal".to_owned(),
            "cs_test_nowhere".to_owned()
        )],
        "{report}"
    );
}
