//! `wooshpay-kiosk refund` as a black box: the real binary against the simulator, a paid sale in the journal,
//! and the fault matrix (500 after the work, a timeout after the work, a dropped connection, 409, kill -9 with
//! the refund journalled): a refund is made once, never twice, and "refunded" only on WooshPay's `succeeded`.

mod common;

use std::time::Duration;

use common::{Shop, http_client, sell_one_latte, send_signal, simulator};
use serde_json::{Value, json};
use wooshpay_kiosk::simulator::{Fault, FaultRule, RefundSettlement, Simulator};

const REFUNDS: &str = "/v1/refunds";

async fn run(shop: &Shop, args: &[&str]) -> (i32, Value, String) {
    let output = tokio::time::timeout(Duration::from_secs(180), shop.command(args).output())
        .await
        .expect("the command finishes")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (
        output.status.code().unwrap_or(-1),
        json,
        format!("{stdout}\n{stderr}"),
    )
}

async fn refund(shop: &Shop, sale: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["refund", sale, "--json"];
    args.extend_from_slice(extra);
    run(shop, &args).await
}

/// A shop with one paid latte (3.40): the shop, the simulator and the sale's id as `sales` prints it.
async fn paid_latte() -> (Simulator, Shop, String) {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    sell_one_latte(&sim, &shop).await;
    let sale = shop.sales().await[0]["id"].as_str().unwrap().to_owned();
    (sim, shop, sale)
}

fn refund_posts(sim: &Simulator) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == REFUNDS)
        .count()
}

/// WooshPay's answer with `field` set to `value` (the request handled for real first).
fn mutate(field: &str, value: Value) -> Fault {
    let mut set = serde_json::Map::new();
    set.insert(field.into(), value);
    Fault::Mutate { set }
}

fn fault(count: u32, after_processing: bool, fault: Fault) -> FaultRule {
    FaultRule {
        method: Some("POST".into()),
        path: REFUNDS.into(),
        count,
        after_processing,
        fault,
    }
}

/// After any fault and any recovery, WooshPay holds exactly one refund of `amount`, and the journal agrees.
async fn assert_refunded_once(sim: &Simulator, shop: &Shop, amount: i64) {
    let refunds = sim.refunds();
    assert_eq!(
        refunds.len(),
        1,
        "exactly one refund at WooshPay: {refunds:#?}"
    );
    assert_eq!(refunds[0]["amount"], amount);
    let sale = &shop.sales().await[0];
    assert_eq!(sale["refunded"], amount, "{sale:#}");
    assert_eq!(sale["refunds"].as_array().unwrap().len(), 1, "{sale:#}");
    assert_eq!(sale["refunds"][0]["id"], refunds[0]["id"]);
    assert_eq!(sale["refunds"][0]["status"], "succeeded");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partial_then_the_rest_is_refunded_and_every_count_agrees() {
    let (sim, shop, sale) = paid_latte().await;

    let (code, report, output) =
        refund(&shop, &sale, &["--amount", "1.50", "--reason", "duplicate"]).await;
    assert_eq!(code, 0, "{output}");
    assert_eq!(report["status"], "succeeded");
    assert_eq!(report["amount"], 150);
    assert_eq!(report["currency"], "GBP");
    assert_eq!(report["reason"], "duplicate");
    assert!(
        report["id"].as_str().unwrap().starts_with("re_"),
        "{report}"
    );
    assert_eq!(report["sale"]["id"], sale.as_str());
    assert_eq!(report["sale"]["refunded"], 150);

    // What WooshPay was asked: the sale's payment intent, the amount, the reason, and the kiosk's metadata.
    let post = sim
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == REFUNDS)
        .unwrap();
    let body = post.body.unwrap();
    let session = sim.sessions().into_iter().next().unwrap();
    assert_eq!(body["payment_intent"], session["payment_intent"]);
    assert_eq!(body["amount"], 150);
    assert_eq!(body["reason"], "duplicate");
    assert_eq!(body["metadata"]["kiosk_id"], "test-kiosk");
    assert_eq!(
        body["metadata"]["reference"],
        session["client_reference_id"]
    );
    assert!(post.idempotency_key.is_some());

    // The rest, by the sale's client_reference_id this time.
    let reference = session["client_reference_id"].as_str().unwrap();
    let (code, report, output) = refund(&shop, reference, &[]).await;
    assert_eq!(code, 0, "{output}");
    assert_eq!(report["amount"], 190, "the remainder: 3.40 - 1.50");
    assert_eq!(report["reason"], "requested_by_customer");

    let listed = &shop.sales().await[0];
    assert_eq!(listed["refunded"], 340);
    assert_eq!(listed["refundable"], 0);
    let refunds = listed["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 2);
    for field in ["id", "amount", "reason", "status", "created"] {
        assert!(
            !refunds[0][field].is_null(),
            "refunds[].{field}: {listed:#}"
        );
    }

    // Nothing left: refused before any request.
    let before = refund_posts(&sim);
    let (code, _, output) = refund(&shop, &sale, &[]).await;
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("nothing is left to refund"), "{output}");
    assert_eq!(
        refund_posts(&sim),
        before,
        "no request for a refused refund"
    );

    // Today's figures and the CSV count it.
    let (code, status, output) = run(&shop, &["status", "--json"]).await;
    assert_eq!(code, 0, "{output}");
    assert_eq!(status["today"]["refunded_amount"], 340, "{status:#}");
    assert_eq!(status["today"]["refund_count"], 2);
    assert_eq!(status["today"]["net_amount"], 0);
    let csv = shop.command(&["sales", "--csv"]).output().await.unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "refunded")
        .expect("a refunded column");
    assert_eq!(row[column], "340", "{csv}");
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_before_any_request_exit_2_and_send_nothing() {
    let (sim, shop, sale) = paid_latte().await;
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["refund", "no-such-sale"],
            "no sale \"no-such-sale\"",
            "unknown sale",
        ),
        (
            &["refund", &sale, "--amount", "3.41"],
            "341 minor units is more than the 340 left",
            "over the remainder",
        ),
        (
            &["refund", &sale, "--amount", "1.505"],
            "3 decimals; GBP has 2",
            "too many decimals",
        ),
        (
            &["refund", &sale, "--amount=-1"],
            "is not an amount",
            "a negative amount",
        ),
        (
            &["refund", &sale, "--reason", "changed_mind"],
            "expected one of requested_by_customer, duplicate, fraudulent",
            "an unknown reason",
        ),
    ];
    for (args, expected, what) in cases {
        let (code, _, output) = run(&shop, args).await;
        assert_eq!(code, 2, "{what}: {output}");
        assert!(output.contains(expected), "{what}: {output}");
    }
    assert_eq!(refund_posts(&sim), 0, "nothing was sent");
    assert!(sim.refunds().is_empty());

    // A sale that was not paid cannot be refunded.
    let unpaid = Shop::new(&sim.api_base_url(), "");
    common::after_retrieves(&sim, 1, wooshpay_kiosk::simulator::SessionAction::Expire);
    let expired = unpaid.command(&["charge", "latte"]).output().await.unwrap();
    assert_eq!(expired.status.code(), Some(3), "{expired:?}");
    let id = unpaid.sales().await[0]["id"].as_str().unwrap().to_owned();
    let (code, _, output) = refund(&unpaid, &id, &[]).await;
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("not paid"), "{output}");
    assert_eq!(refund_posts(&sim), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_wooshpay_refuses_is_not_refunded_and_gives_its_message() {
    let (sim, shop, sale) = paid_latte().await;
    // Refunded in WooshPay's dashboard first: the kiosk's own request is refused as over the remainder.
    let session = sim.sessions().into_iter().next().unwrap();
    let response = http_client()
        .post(format!("{}/v1/refunds", sim.api_base_url()))
        .basic_auth(common::KEY, None::<&str>)
        .json(&serde_json::json!({"payment_intent": session["payment_intent"], "amount": 300}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let (code, report, output) = refund(&shop, &sale, &["--amount", "1.00"]).await;
    assert_eq!(code, 1, "{output}");
    assert_eq!(report["status"], "refused", "{report:#}");
    assert!(
        output.contains("greater than unrefunded amount"),
        "WooshPay's message: {output}"
    );
    assert_eq!(shop.sales().await[0]["refunded"], 0);
    assert_eq!(
        shop.sales().await[0]["refundable"],
        340,
        "a refused refund holds nothing back"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_refund_is_shown_pending_read_again_and_settled_by_recover() {
    let (sim, shop, sale) = paid_latte().await;
    sim.set_refund_settlement(RefundSettlement::Pending);
    let (code, report, output) = refund(&shop, &sale, &[]).await;
    assert_eq!(code, 1, "pending is not refunded yet: {output}");
    assert_eq!(report["status"], "pending");
    let reads = sim
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/v1/refunds/re_"))
        .count();
    assert!(reads >= 1, "a pending refund is read again");
    assert_eq!(
        shop.sales().await[0]["refunded"],
        0,
        "pending is not refunded"
    );

    // The bank returns the money; the next recovery sees it.
    let id = report["id"].as_str().unwrap();
    sim.settle_refund(id, "succeeded").unwrap();
    let (code, _, output) = run(&shop, &["recover", "--json"]).await;
    assert_eq!(code, 0, "{output}");
    assert!(output.contains(r#""event":"refund""#), "{output}");
    assert_refunded_once(&sim, &shop, 340).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_refund_gives_its_amount_back_to_the_remainder() {
    let (sim, shop, sale) = paid_latte().await;
    sim.set_refund_settlement(RefundSettlement::Fail);
    let (code, report, output) = refund(&shop, &sale, &["--amount", "2.00"]).await;
    assert_eq!(code, 1, "{output}");
    assert_eq!(report["status"], "failed");
    assert!(output.contains("declined"), "the reason is shown: {output}");
    let listed = &shop.sales().await[0];
    assert_eq!(listed["refunded"], 0);
    assert_eq!(listed["refundable"], 340);
}

/// Each fault of the matrix on the refund request; after the command (and a `recover` where it could not know),
/// exactly one refund exists.
#[tokio::test(flavor = "multi_thread")]
async fn no_fault_makes_a_refund_twice() {
    let cases: Vec<(&str, FaultRule, bool)> = vec![
        (
            "500 after the work",
            fault(
                1,
                true,
                Fault::Status {
                    status: 500,
                    retry_after_s: None,
                },
            ),
            false,
        ),
        ("dropped after the work", fault(1, true, Fault::Drop), false),
        (
            "timeout after the work",
            fault(1, true, Fault::Delay { ms: 25_000 }),
            false,
        ),
        (
            "dropped before the work, every time",
            fault(100, false, Fault::Drop),
            true,
        ),
        (
            "409 before the work",
            fault(
                1,
                false,
                Fault::Status {
                    status: 409,
                    retry_after_s: None,
                },
            ),
            true,
        ),
        (
            "409 after the work",
            fault(
                1,
                true,
                Fault::Status {
                    status: 409,
                    retry_after_s: None,
                },
            ),
            true,
        ),
        // A hostile or broken gateway: the answer is never taken for "refunded" unless it is this refund's.
        (
            "an answer with another amount",
            fault(1, true, mutate("amount", json!(999))),
            true,
        ),
        (
            "an answer about another payment",
            fault(1, true, mutate("payment_intent", json!("pi_someone_else"))),
            true,
        ),
        // An answer that cannot be read is retried under the same key: the second answer is the refund's own.
        (
            "a status of another type",
            fault(1, true, mutate("status", json!(1))),
            false,
        ),
        (
            "a redirect instead of an answer",
            fault(
                1,
                false,
                Fault::Redirect {
                    status: 307,
                    location: "http://127.0.0.1:9/v1/refunds".into(),
                },
            ),
            true,
        ),
        (
            "a proxy's HTML error page",
            fault(1, false, Fault::HtmlError { status: 502 }),
            false,
        ),
        (
            "a truncated answer after the work",
            fault(1, true, Fault::MalformedJson),
            false,
        ),
    ];
    for (what, rule, needs_recovery) in cases {
        let (sim, shop, sale) = paid_latte().await;
        sim.inject(rule);
        let (code, report, output) = refund(&shop, &sale, &[]).await;
        if needs_recovery {
            assert_eq!(code, 1, "{what}: not known, so not refunded: {output}");
            assert_ne!(report["status"], "succeeded", "{what}");
            sim.clear_faults();
            let (code, _, output) = run(&shop, &["recover", "--json"]).await;
            assert_eq!(code, 0, "{what}: {output}");
        } else {
            assert_eq!(
                code, 0,
                "{what}: the retry under the same key gets WooshPay's answer: {output}"
            );
        }
        assert_refunded_once(&sim, &shop, 340).await;
        // A second command finds nothing left, whatever happened.
        let (code, _, output) = refund(&shop, &sale, &[]).await;
        assert_eq!(code, 2, "{what}: {output}");
        assert_eq!(sim.refunds().len(), 1, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_with_the_refund_journalled_never_refunds_twice() {
    // The request is held at WooshPay's door, then the command is killed: the refund is in the journal, and
    // whether WooshPay made it is not known. Recovery settles it, once.
    for after_processing in [false, true] {
        let (sim, shop, sale) = paid_latte().await;
        sim.inject(fault(1, after_processing, Fault::Delay { ms: 3_000 }));
        let mut child = shop.command(&["refund", &sale, "--json"]).spawn().unwrap();
        for _ in 0..600 {
            if refund_posts(&sim) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(refund_posts(&sim), 1, "the request went out");
        send_signal(&child, "KILL");
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status.code(), None, "killed");
        let listed = &shop.sales().await[0];
        assert_eq!(
            listed["refunds"][0]["status"], "requested",
            "journalled before it was sent: {listed:#}"
        );
        assert_eq!(
            listed["refundable"], 0,
            "an unknown refund holds its amount back"
        );
        let (code, _, output) = run(&shop, &["recover", "--json"]).await;
        assert_eq!(code, 0, "{output}");
        assert_refunded_once(&sim, &shop, 340).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_terminals_at_once_cannot_refund_past_the_remainder() {
    let (sim, shop, sale) = paid_latte().await;
    sim.inject(fault(1, false, Fault::Delay { ms: 1_500 }));
    let first = shop
        .command(&["refund", &sale, "--amount", "3.00", "--json"])
        .output();
    let second = shop
        .command(&["refund", &sale, "--amount", "3.00", "--json"])
        .output();
    let (first, second) = tokio::join!(first, second);
    let codes = [first.unwrap().status.code(), second.unwrap().status.code()];
    assert!(codes.contains(&Some(0)), "one of them refunds: {codes:?}");
    assert!(
        codes.contains(&Some(2)) || codes.contains(&Some(1)),
        "the other does not: {codes:?}"
    );
    assert_eq!(sim.refunds().len(), 1, "one refund of 3.00 at WooshPay");
    assert_eq!(shop.sales().await[0]["refunded"], 300);
}

#[tokio::test(flavor = "multi_thread")]
async fn reconcile_counts_refunds_and_names_one_made_in_the_dashboard() {
    let (sim, shop, sale) = paid_latte().await;
    let (code, _, output) = refund(&shop, &sale, &["--amount", "1.50"]).await;
    assert_eq!(code, 0, "{output}");
    let (code, report, output) = run(&shop, &["reconcile", "--json"]).await;
    assert_eq!(code, 0, "the kiosk's own refund agrees: {output}");
    assert_eq!(report["agrees"], true);

    // A refund made in WooshPay's dashboard: the journal does not know it.
    let session = sim.sessions().into_iter().next().unwrap();
    let response = http_client()
        .post(format!("{}/v1/refunds", sim.api_base_url()))
        .basic_auth(common::KEY, None::<&str>)
        .json(&serde_json::json!({"payment_intent": session["payment_intent"], "amount": 50}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let dashboard = response.json::<Value>().await.unwrap();
    let (code, report, output) = run(&shop, &["reconcile", "--json"]).await;
    assert_eq!(code, 1, "{output}");
    let differences = report["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1, "{report:#}");
    assert_eq!(differences[0]["kind"], "refund_not_in_journal");
    assert_eq!(differences[0]["refund"]["id"], dashboard["id"]);
    assert_eq!(differences[0]["refund"]["wooshpay_amount"], 50);
    assert_eq!(differences[0]["refund"]["journal_status"], Value::Null);
    assert_eq!(differences[0]["session_id"], sale.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_slip_is_queued_for_the_kiosks_printer_once() {
    let (_sim, shop, sale) = paid_latte().await;
    let device = shop.dir.path().join("lp0");
    std::fs::write(&device, b"").unwrap();
    let config = std::fs::read_to_string(shop.config_path()).unwrap();
    std::fs::write(
        shop.config_path(),
        format!(
            "{config}\n[printer]\ndevice = \"{}\"\nreceipt = true\n",
            device.display()
        ),
    )
    .unwrap();
    let (code, report, output) = refund(&shop, &sale, &["--amount", "1.50"]).await;
    assert_eq!(code, 0, "{output}");
    let queue = shop.dir.path().join("state").join("print-queue");
    let slips: Vec<Vec<u8>> = std::fs::read_dir(&queue)
        .unwrap_or_else(|e| panic!("{}: {e}", queue.display()))
        .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
        .filter(|bytes| String::from_utf8_lossy(bytes).contains("id: refund-"))
        .collect();
    assert_eq!(slips.len(), 1, "one slip queued");
    let text = String::from_utf8_lossy(&slips[0]);
    assert!(text.contains("REFUND"), "{text}");
    assert!(text.contains("1.50"), "the amount: {text}");
    assert!(text.contains("Requested by customer"), "the reason: {text}");
    assert!(
        text.contains(report["id"].as_str().unwrap()),
        "WooshPay's refund id: {text}"
    );
    assert!(text.contains(&sale), "the original sale: {text}");
    assert!(
        std::fs::read(&device).unwrap().is_empty(),
        "the command queues; only the running kiosk drives the printer"
    );
}

/// Stock goes back only when the goods come back: a refund without `--goods-returned` leaves the shelf as it
/// is, one with it puts the sale's counted items back once WooshPay confirms.
#[tokio::test(flavor = "multi_thread")]
async fn goods_go_back_into_stock_only_with_goods_returned() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    // One latte on the shelf, sold: sold out.
    std::fs::write(
        shop.dir.path().join("catalog.toml"),
        common::CATALOG.replace("unit_amount = 340", "unit_amount = 340\nstock = 1"),
    )
    .unwrap();
    sell_one_latte(&sim, &shop).await;
    let sale = shop.sales().await[0]["id"].as_str().unwrap().to_owned();
    let sold_out = |stderr: &str| stderr.contains("latte is sold out");

    let (code, json, out) = refund(&shop, &sale, &["--amount", "1.00"]).await;
    assert_eq!(
        (code, &json["status"]),
        (0, &Value::from("succeeded")),
        "{out}"
    );
    let (code, _, out) = run(&shop, &["charge", "latte"]).await;
    assert_eq!(code, 2, "{out}");
    assert!(sold_out(&out), "no goods returned: still sold out: {out}");
    assert_eq!(shop.sales().await[0]["refunds"][0]["goods_returned"], false);

    let (code, json, out) = refund(&shop, &sale, &["--goods-returned"]).await;
    assert_eq!((code, &json["amount"]), (0, &Value::from(240)), "{out}");
    assert_eq!(shop.sales().await[0]["refunds"][1]["goods_returned"], true);
    // The latte is back on the shelf: it sells again.
    sell_one_latte(&sim, &shop).await;
}

/// A customer comes back another day: the sale is older than `reconcile --since`, so its session is not in
/// WooshPay's listing, and a refund made for it in the dashboard carries no kiosk metadata. The journal knows
/// the sale's payment intent, so the refund is still named as this kiosk's.
#[tokio::test(flavor = "multi_thread")]
async fn a_dashboard_refund_of_a_sale_before_since_is_a_difference() {
    let (sim, shop, sale) = paid_latte().await;
    let session = sim.sessions().into_iter().next().unwrap();
    // `--since` after the sale was begun, paid and recorded (WooshPay's times are milliseconds), and the refund
    // after that: the clock is waited for, never assumed to have moved.
    let since_ms = jiff::Timestamp::now().as_millisecond() + 1;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while jiff::Timestamp::now().as_millisecond() <= since_ms {
        assert!(std::time::Instant::now() < deadline, "the clock moves on");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let since = jiff::Timestamp::from_millisecond(since_ms)
        .unwrap()
        .to_string();
    let response = http_client()
        .post(format!("{}/v1/refunds", sim.api_base_url()))
        .basic_auth(common::KEY, None::<&str>)
        .json(&serde_json::json!({"payment_intent": session["payment_intent"], "amount": 70}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let dashboard = response.json::<Value>().await.unwrap();

    let (code, report, output) = run(&shop, &["reconcile", "--json", "--since", &since]).await;
    assert_eq!(code, 1, "{output}");
    let differences = report["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1, "{report:#}");
    assert_eq!(differences[0]["kind"], "refund_not_in_journal");
    assert_eq!(differences[0]["refund"]["id"], dashboard["id"]);
    assert_eq!(differences[0]["session_id"], sale.as_str());
}
