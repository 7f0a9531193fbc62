//! The fault matrix, through the real engine against the simulator: every fault on create, on poll and on
//! expire, with the customer paying or not. For each: the sale ends without a panic, it is never paid unless the
//! simulator's session is paid, at most one session exists per charge, nothing is left payable, and the journal
//! (after a recovery pass once the fault has cleared) holds the simulator's truth.

mod common;

use std::time::Duration;

use futures_util::future::join_all;
use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::checkout::{CheckoutEngine, Order, Outcome};
use wooshpay_kiosk::journal::SaleOutcome;
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::simulator::{Fault, FaultRule, Simulator};

const CREATE: (&str, &str) = ("POST", "/v1/checkout/sessions");
const POLL: (&str, &str) = ("GET", "/v1/checkout/sessions/*");
const EXPIRE: (&str, &str) = ("POST", "/v1/checkout/sessions/*/expire");

/// Every fault the issue names, with a label for failure messages. `after_processing`: the request was handled
/// and only the answer was lost.
fn faults() -> Vec<(&'static str, Fault, bool)> {
    let status = |status| Fault::Status {
        status,
        retry_after_s: None,
    };
    vec![
        ("500", status(500), false),
        ("502", status(502), false),
        ("503", status(503), false),
        (
            "429 + Retry-After",
            Fault::Status {
                status: 429,
                retry_after_s: Some(1),
            },
            false,
        ),
        // Longer than the client's timeout: what a connect or read timeout looks like to the kiosk.
        ("timeout", Fault::Delay { ms: 6_000 }, false),
        ("slow body", Fault::SlowBody { ms: 400 }, false),
        ("dropped connection", Fault::Drop, false),
        ("answer lost", Fault::Drop, true),
        ("malformed JSON", Fault::MalformedJson, false),
        ("HTML error page", Fault::HtmlError { status: 502 }, false),
    ]
}

struct Case {
    sim: Simulator,
    engine: CheckoutEngine,
    order: Order,
    _state: tempfile::TempDir,
}

async fn case() -> Case {
    let sim = common::simulator().await;
    let state = tempfile::tempdir().unwrap();
    let engine = common::engine::TestEngine::new(&sim.api_base_url(), "faults")
        .request_timeout(Duration::from_secs(2))
        .polls(Duration::from_millis(100), Duration::from_millis(2_500))
        .close_grace(Duration::from_secs(20))
        .build(state.path(), tokio::runtime::Handle::current());
    let catalog = Catalog::parse(
        common::CATALOG,
        "c".as_ref(),
        ".".as_ref(),
        Currency::from_code("GBP").unwrap(),
    )
    .unwrap();
    let order = Order::from_quantities(&catalog, &[("latte".into(), 2)]).unwrap();
    Case {
        sim,
        engine,
        order,
        _state: state,
    }
}

fn rule(
    (method, path): (&str, &str),
    count: u32,
    fault: Fault,
    after_processing: bool,
) -> FaultRule {
    FaultRule {
        method: Some(method.into()),
        path: path.into(),
        count,
        after_processing,
        fault,
    }
}

/// Runs one sale and checks it against the simulator's truth; returns a description of any violation.
/// `pay_on_sight`: the customer pays as soon as the session exists (they scanned the QR). `truth_known`: the
/// scripted customer surely paid or surely did not (false where a fault makes either possible).
async fn run(
    label: String,
    case: Case,
    customer_pays: bool,
    pay_on_sight: bool,
    truth_known: bool,
) -> Option<String> {
    let Case {
        sim, engine, order, ..
    } = &case;
    let customer = pay_on_sight.then(|| {
        let sim = sim.clone();
        tokio::spawn(async move {
            loop {
                if let Some(id) = sim
                    .sessions()
                    .first()
                    .and_then(|s| s["id"].as_str().map(str::to_owned))
                {
                    let _ = sim.pay(&id);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    });
    let outcome = tokio::time::timeout(
        Duration::from_secs(90),
        engine.start_charge(order.clone()).unwrap().outcome(),
    )
    .await
    .unwrap_or_else(|_| panic!("{label}: the sale never ended"));
    if let Some(customer) = customer {
        customer.abort();
    }
    sim.clear_faults();
    let sessions = sim.sessions();
    let paid_at_sim = sessions.iter().any(|s| s["payment_status"] == "paid");
    let mut problems = Vec::new();
    if sessions.len() > 1 {
        problems.push(format!("{} sessions for one charge", sessions.len()));
    }
    if outcome.is_paid() && !paid_at_sim {
        problems.push("FALSE PAID".into());
    }
    if truth_known && paid_at_sim != customer_pays {
        problems.push(format!(
            "the customer {} but the simulator says paid = {paid_at_sim}",
            if customer_pays { "paid" } else { "did not pay" }
        ));
    }
    // Whatever stayed pending is settled once the fault is gone, as the next start would.
    let recovered = engine.recover().await;
    let journal: Vec<SaleOutcome> = engine.with_journal(|j| {
        j.sales_since(0)
            .unwrap()
            .into_iter()
            .map(|s| s.outcome)
            .collect()
    });
    if journal.len() != 1 {
        problems.push(format!("journal rows: {journal:?}"));
    } else if paid_at_sim != (journal[0] == SaleOutcome::Paid) {
        problems.push(format!(
            "journal says {} (recovery: {recovered:?}), simulator paid = {paid_at_sim}",
            journal[0]
        ));
    } else if journal[0] == SaleOutcome::Pending {
        problems.push("still pending after recovery".into());
    }
    if sim.sessions().iter().any(|s| s["status"] == "open") {
        problems.push("a session is still payable".into());
    }
    if !paid_at_sim && matches!(outcome, Outcome::Paid { .. }) {
        problems.push("paid outcome without payment".into());
    }
    (!problems.is_empty()).then(|| format!("{label} ({outcome:?}): {}", problems.join("; ")))
}

async fn matrix(operation: (&'static str, &'static str), name: &str) {
    let mut runs = Vec::new();
    for (fault_name, fault, after_processing) in faults() {
        for customer_pays in [true, false] {
            let case = case().await;
            match (operation, customer_pays) {
                // The payment lands while the kiosk is closing the session: the retried expire finds it paid.
                (EXPIRE, true) => {
                    case.sim
                        .inject(rule(EXPIRE, 1, fault.clone(), after_processing));
                    case.sim.inject(rule(EXPIRE, 1, Fault::PayFirst, false));
                }
                (_, true) => {
                    case.sim
                        .inject(rule(operation, 2, fault.clone(), after_processing));
                }
                (_, false) => {
                    case.sim
                        .inject(rule(operation, 2, fault.clone(), after_processing));
                }
            }
            let label = format!(
                "{fault_name} on {name}, customer {}",
                if customer_pays { "pays" } else { "walks away" }
            );
            // A fault that lets the first expire through (answer lost, slow body) closes the session before
            // the scripted payment can land: then either outcome is the truth, as long as the kiosk agrees.
            let processed = after_processing || matches!(fault, Fault::SlowBody { .. });
            let truth_known = !(operation == EXPIRE && customer_pays && processed);
            let pay_on_sight = customer_pays && operation != EXPIRE;
            runs.push(run(label, case, customer_pays, pay_on_sight, truth_known));
        }
    }
    let problems: Vec<String> = join_all(runs).await.into_iter().flatten().collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_on_create() {
    matrix(CREATE, "create").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_on_poll() {
    matrix(POLL, "poll").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_on_expire() {
    matrix(EXPIRE, "expire").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_failing_for_the_whole_sale_never_lose_the_payment() {
    let case = case().await;
    case.sim.inject(rule(
        POLL,
        100_000,
        Fault::Status {
            status: 503,
            retry_after_s: None,
        },
        false,
    ));
    let engine = case.engine.clone();
    let order = case.order.clone();
    let sale = tokio::spawn(async move { engine.start_charge(order).unwrap().outcome().await });
    while case.sim.sessions().is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let id = case.sim.sessions()[0]["id"].as_str().unwrap().to_owned();
    case.sim.pay(&id).unwrap();
    let outcome = sale.await.unwrap();
    assert!(
        matches!(outcome, Outcome::Paid { .. } | Outcome::Failed { .. }),
        "never expired or cancelled when paid: {outcome:?}"
    );
    case.sim.clear_faults();
    let recovered = case.engine.recover().await;
    let journal: Vec<SaleOutcome> = case.engine.with_journal(|j| {
        j.sales_since(0)
            .unwrap()
            .into_iter()
            .map(|s| s.outcome)
            .collect()
    });
    assert_eq!(
        journal,
        [SaleOutcome::Paid],
        "{outcome:?} then {recovered:?}"
    );
    assert_eq!(case.sim.sessions().len(), 1);
}
