//! A hostile WooshPay, through the real engine: redirects, answers that are not this sale's, a reference
//! another kiosk (or a wiped state directory) also used, payment-intent reads failing while the session reads
//! expired, a 409 on the replay of a create whose answer was lost, and fields whose types changed. Each test
//! names the guarantee of docs/reliability.md it holds the engine to.

mod common;

use std::time::Duration;

use serde_json::json;
use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::checkout::{CheckoutEngine, CheckoutEvent, Order, Outcome, Recovered};
use wooshpay_kiosk::journal::{JOURNAL_FILE, Journal, SaleOutcome};
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::simulator::{Fault, FaultRule, Simulator};
use wooshpay_kiosk::wooshpay::{
    Client, CreateCheckoutSession, CreateLineItem, CreateProduct, IdempotencyKey, InlinePriceData,
};

const KIOSK: &str = "hostile-test";

struct Rig {
    sim: Simulator,
    engine: CheckoutEngine,
    catalog: Catalog,
    client: Client,
    state: tempfile::TempDir,
}

fn test_engine(sim: &Simulator, timeout: Duration) -> common::engine::TestEngine {
    common::engine::TestEngine::new(&sim.api_base_url(), KIOSK)
        .request_timeout(Duration::from_secs(2))
        .polls(Duration::from_millis(100), timeout)
        .close_grace(Duration::from_secs(2))
}

fn client_for(sim: &Simulator) -> Client {
    test_engine(sim, Duration::from_secs(60)).client()
}

fn engine_in(sim: &Simulator, state: &std::path::Path, timeout: Duration) -> CheckoutEngine {
    test_engine(sim, timeout).build(state, tokio::runtime::Handle::current())
}

async fn rig(timeout: Duration) -> Rig {
    let sim = common::simulator().await;
    let state = tempfile::tempdir().unwrap();
    let engine = engine_in(&sim, state.path(), timeout);
    let currency = Currency::from_code("GBP").unwrap();
    let catalog =
        Catalog::parse(common::CATALOG, "c.toml".as_ref(), ".".as_ref(), currency).unwrap();
    Rig {
        client: client_for(&sim),
        sim,
        engine,
        catalog,
        state,
    }
}

impl Rig {
    fn latte(&self) -> Order {
        Order::from_quantities(&self.catalog, &[("latte".into(), 1)]).unwrap()
    }

    fn journal(&self) -> Journal {
        Journal::open(&self.state.path().join(JOURNAL_FILE)).unwrap()
    }

    fn only_sale(&self) -> wooshpay_kiosk::journal::SaleRecord {
        let sales = self.journal().sales_since(0).unwrap();
        assert_eq!(sales.len(), 1, "one sale in the journal: {sales:?}");
        sales.into_iter().next().unwrap()
    }

    fn session(&self, id: &str) -> serde_json::Value {
        self.sim
            .sessions()
            .into_iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no session {id} at the simulator"))
    }

    /// A session made by somebody else (another kiosk, or this one before its state was wiped), paid.
    async fn foreign_paid_session(&self, reference: &str, kiosk_id: &str, amount: i64) -> String {
        let params = CreateCheckoutSession {
            mode: "payment".into(),
            success_url: "https://shop.example/ok".into(),
            cancel_url: "https://shop.example/no".into(),
            line_items: vec![CreateLineItem {
                quantity: 1,
                price: None,
                price_data: Some(InlinePriceData {
                    currency: "GBP".into(),
                    unit_amount: amount,
                    product: None,
                    product_data: Some(CreateProduct {
                        name: "Latte".into(),
                        ..CreateProduct::default()
                    }),
                }),
            }],
            client_reference_id: Some(reference.into()),
            metadata: Some(
                [("kiosk_id".to_owned(), json!(kiosk_id))]
                    .into_iter()
                    .collect(),
            ),
            customer_email: None,
            payment_method_types: None,
        };
        let session = self
            .client
            .create_checkout_session(&params, &IdempotencyKey::generate())
            .await
            .unwrap();
        self.sim.pay(&session.id).unwrap();
        session.id
    }

    fn inject(&self, method: &str, path: &str, count: u32, after_processing: bool, fault: Fault) {
        self.sim.inject(FaultRule {
            method: Some(method.into()),
            path: path.into(),
            count,
            after_processing,
            fault,
        });
    }

    fn expires_of(&self, id: &str) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.contains(id) && r.path.ends_with("/expire"))
            .count()
    }
}

fn status(status: u16) -> Fault {
    Fault::Status {
        status,
        retry_after_s: None,
    }
}

fn mutate(fields: serde_json::Value) -> Fault {
    Fault::Mutate {
        set: fields.as_object().unwrap().clone(),
    }
}

const CREATE: &str = "/v1/checkout/sessions";
const SESSION: &str = "/v1/checkout/sessions/*";

async fn session_created(handle: &mut wooshpay_kiosk::checkout::ChargeHandle) -> String {
    while let Some(event) = handle.events.recv().await {
        if let CheckoutEvent::SessionCreated { id, .. } = event {
            return id;
        }
        if let CheckoutEvent::Finished { outcome, .. } = event {
            panic!("the sale ended before a session was shown: {outcome:?}");
        }
    }
    panic!("no SessionCreated event");
}

// Guarantee: the kiosk never follows a redirect (issue 11, point 1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_on_create_is_a_gateway_error_never_followed() {
    let rig = rig(Duration::from_secs(5)).await;
    let old = rig
        .foreign_paid_session("someone-else-1", "someone-else", 340)
        .await;
    // Another host (another port here): nothing may ever connect to it.
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let elsewhere_url = format!(
        "http://{}/v1/checkout/sessions",
        elsewhere.local_addr().unwrap()
    );
    rig.inject(
        "POST",
        CREATE,
        1,
        false,
        Fault::Redirect {
            status: 302,
            location: format!("/v1/checkout/sessions/{old}"),
        },
    );
    rig.inject(
        "POST",
        CREATE,
        1,
        false,
        Fault::Redirect {
            status: 307,
            location: elsewhere_url,
        },
    );
    let reads_before = rig.sim.requests().len();
    let first = rig
        .engine
        .start_charge(rig.latte())
        .unwrap()
        .outcome()
        .await;
    assert!(
        !first.is_paid(),
        "a redirect to a paid session is not this sale: {first:?}"
    );
    let Outcome::Failed { reason, .. } = &first else {
        panic!("expected a failed create, got {first:?}");
    };
    assert!(
        format!("{reason:?}").contains("redirect"),
        "the message says it was a redirect: {reason:?}"
    );
    let followed: Vec<_> = rig.sim.requests()[reads_before..]
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains(&old))
        .cloned()
        .collect();
    assert!(
        followed.is_empty(),
        "the redirect was followed: {followed:?}"
    );
    assert_ne!(rig.only_sale().outcome, SaleOutcome::Paid);

    // The replay of that create (by recovery) gets a 307 to another port: refused too, nothing connects there.
    rig.engine.recover().await;
    let served: Vec<u16> = rig
        .sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.status)
        .collect();
    assert!(
        served.contains(&307),
        "the replay met the second redirect: {served:?}"
    );
    assert!(
        elsewhere.accept().is_err(),
        "a request reached the host the redirect named"
    );
    assert_ne!(rig.only_sale().outcome, SaleOutcome::Paid);
}

// Guarantee: a session is adopted only if it is this sale's (point 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answer_that_is_not_this_sales_is_refused_and_left_alone() {
    let cases = [
        (
            "client_reference_id",
            json!({"client_reference_id": "other-kiosk-7"}),
        ),
        (
            "metadata.kiosk_id",
            json!({"metadata.kiosk_id": "other-kiosk"}),
        ),
        ("amount_total", json!({"amount_total": 1})),
        ("currency", json!({"currency": "EUR"})),
        ("payment_status", json!({"payment_status": "paid"})),
        ("status", json!({"status": "complete"})),
    ];
    for (field, fields) in cases {
        let rig = rig(Duration::from_secs(5)).await;
        let before: Vec<String> = rig
            .sim
            .sessions()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect();
        rig.inject("POST", CREATE, 1, false, mutate(fields));
        let outcome = rig
            .engine
            .start_charge(rig.latte())
            .unwrap()
            .outcome()
            .await;
        assert!(!outcome.is_paid(), "{field}: adopted as paid: {outcome:?}");
        let text = format!("{outcome:?}");
        assert!(
            text.contains(field.split('.').next_back().unwrap()),
            "{field}: the message names the field: {text}"
        );
        let made = rig
            .sim
            .sessions()
            .into_iter()
            .find(|s| !before.contains(&s["id"].as_str().unwrap().to_owned()))
            .expect("the create did reach the simulator");
        let id = made["id"].as_str().unwrap();
        assert_eq!(
            rig.expires_of(id),
            0,
            "{field}: a session that is not ours is never expired by us"
        );
        let journal = rig.journal();
        assert!(
            journal.by_session(id).unwrap().is_none(),
            "{field}: the refused session is not journalled as this sale's"
        );
        for sale in journal.sales_since(0).unwrap() {
            assert_ne!(sale.outcome, SaleOutcome::Paid, "{field}: {sale:?}");
        }
    }
}

// Guarantee: references are unique across a wiped state directory (point 3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wiped_state_directory_never_reuses_a_reference() {
    let sim = common::simulator().await;
    let mut references = Vec::new();
    for _ in 0..2 {
        let state = tempfile::tempdir().unwrap();
        let engine = engine_in(&sim, state.path(), Duration::from_secs(5));
        let currency = Currency::from_code("GBP").unwrap();
        let catalog =
            Catalog::parse(common::CATALOG, "c.toml".as_ref(), ".".as_ref(), currency).unwrap();
        let order = Order::from_quantities(&catalog, &[("latte".into(), 1)]).unwrap();
        let mut handle = engine.start_charge(order).unwrap();
        let id = session_created(&mut handle).await;
        handle.cancel();
        handle.outcome().await;
        let session = sim
            .sessions()
            .into_iter()
            .find(|s| s["id"] == id.as_str())
            .unwrap();
        let reference = session["client_reference_id"].as_str().unwrap().to_owned();
        assert!(reference.starts_with(&format!("{KIOSK}-")), "{reference}");
        assert!(
            reference.ends_with("-1"),
            "the first sale of a journal: {reference}"
        );
        references.push(reference);
    }
    assert_ne!(
        references[0], references[1],
        "both journals gave sale 1 the same reference"
    );
}

/// A create whose answer never came (the request never reached WooshPay): the sale is pending with no session.
async fn lost_create(rig: &Rig) -> wooshpay_kiosk::journal::SaleRecord {
    rig.inject("POST", CREATE, 3, false, Fault::Drop);
    let outcome = rig
        .engine
        .start_charge(rig.latte())
        .unwrap()
        .outcome()
        .await;
    assert!(!outcome.is_paid());
    let sale = rig.only_sale();
    assert_eq!(sale.outcome, SaleOutcome::Pending, "{sale:?}");
    assert!(sale.session_id.is_none());
    sale
}

// Guarantee: recovery's search for a lost create matches reference and kiosk and amount and currency (point 3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_never_adopts_another_kiosks_session_with_the_same_reference() {
    for (kiosk, amount) in [("someone-else", 340), (KIOSK, 999)] {
        let rig = rig(Duration::from_secs(5)).await;
        let sale = lost_create(&rig).await;
        let foreign = rig
            .foreign_paid_session(&sale.client_reference_id, kiosk, amount)
            .await;
        // The replay is refused, so recovery has to search.
        rig.inject("POST", CREATE, 1, false, status(409));
        let results = rig.engine.recover().await;
        assert!(
            matches!(results.as_slice(), [Recovered::Unresolved { message, .. }] if message.contains("no session")),
            "kiosk {kiosk}, amount {amount}: {results:?}"
        );
        let sale = rig.only_sale();
        assert_eq!(
            sale.outcome,
            SaleOutcome::Pending,
            "never settled from a guess: {sale:?}"
        );
        assert_ne!(sale.session_id.as_deref(), Some(foreign.as_str()));
    }
}

// Guarantee: the strict search does find this sale's own session (point 3 and 5).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_replay_is_resolved_by_the_strict_search() {
    let rig = rig(Duration::from_millis(1_500)).await;
    // The session is made, the answer is lost every time, then the replay is refused.
    rig.inject("POST", CREATE, 3, true, Fault::Drop);
    let outcome = rig
        .engine
        .start_charge(rig.latte())
        .unwrap()
        .outcome()
        .await;
    assert!(!outcome.is_paid());
    let made = rig.sim.sessions();
    assert_eq!(made.len(), 1, "one session for three attempts");
    let id = made[0]["id"].as_str().unwrap().to_owned();
    rig.sim.pay(&id).unwrap();
    rig.inject("POST", CREATE, 1, false, status(409));
    let results = rig.engine.recover().await;
    assert!(
        matches!(
            results.as_slice(),
            [Recovered::Settled {
                late_payment: true,
                ..
            }]
        ),
        "{results:?}"
    );
    let sale = rig.only_sale();
    assert_eq!(
        (sale.outcome, sale.session_id.as_deref()),
        (SaleOutcome::Paid, Some(id.as_str()))
    );
}

// Guarantee: a lost create answer is never "failed" (point 5).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_on_the_replay_of_a_lost_create_leaves_the_sale_pending_not_failed() {
    let rig = rig(Duration::from_secs(60)).await;
    // First attempt: processed, answer lost. The client's retry (same key) gets 409.
    rig.inject("POST", CREATE, 1, true, Fault::Drop);
    rig.inject("POST", CREATE, 1, false, status(409));
    let outcome = rig
        .engine
        .start_charge(rig.latte())
        .unwrap()
        .outcome()
        .await;
    assert!(!outcome.is_paid());
    let made = rig.sim.sessions();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["status"], "open", "the session is payable");
    let sale = rig.only_sale();
    assert_eq!(
        sale.outcome,
        SaleOutcome::Pending,
        "a payable session is never called failed: {sale:?}"
    );

    // The customer pays anyway (they saw nothing, but this is the worst case); recovery learns of it.
    rig.sim.pay(made[0]["id"].as_str().unwrap()).unwrap();
    let results = rig.engine.recover().await;
    assert!(
        matches!(results.as_slice(), [Recovered::Settled { .. }]),
        "{results:?}"
    );
    assert_eq!(rig.only_sale().outcome, SaleOutcome::Paid);
}

// Guarantee: "not paid" needs proof: the session and its payment intent (point 4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_payment_intent_never_turns_a_payment_into_expired() {
    let rig = rig(Duration::from_millis(1_500)).await;
    let mut handle = rig.engine.start_charge(rig.latte()).unwrap();
    let id = session_created(&mut handle).await;
    let intent = rig.session(&id)["payment_intent"]
        .as_str()
        .unwrap()
        .to_owned();
    // Paid at WooshPay; the session read says expired/unpaid and every intent read fails.
    rig.inject(
        "GET",
        SESSION,
        10_000,
        false,
        mutate(json!({"status": "expired", "payment_status": "unpaid", "payment_intent": intent})),
    );
    rig.inject("GET", "/v1/payment_intents/*", 10_000, false, status(503));
    rig.sim.pay(&id).unwrap();
    let outcome = handle.outcome().await;
    assert!(
        !matches!(outcome, Outcome::Expired { .. } | Outcome::Cancelled { .. }),
        "settled as not paid without reading the intent: {outcome:?}"
    );
    assert_eq!(rig.only_sale().outcome, SaleOutcome::Pending);

    // Recovery with the intent still unreadable: still pending.
    let results = rig.engine.recover().await;
    assert!(
        matches!(results.as_slice(), [Recovered::Unresolved { .. }]),
        "{results:?}"
    );
    assert_eq!(rig.only_sale().outcome, SaleOutcome::Pending);

    // Once the intent can be read, the payment is recorded.
    rig.sim.clear_faults();
    rig.engine.recover().await;
    assert_eq!(rig.only_sale().outcome, SaleOutcome::Paid);
}

// Guarantee: tolerant reads: a changed type in a field the kiosk does not decide on is ignored (point 6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_type_in_an_unused_field_does_not_stop_a_paid_sale_settling() {
    let rig = rig(Duration::from_secs(20)).await;
    rig.inject(
        "GET",
        SESSION,
        10_000,
        false,
        mutate(json!({
            "customer": {"id": "cus_1", "email": "a@b.example"},
            "expires_at": "tomorrow",
            "amount_subtotal": 340.0,
            "livemode": "no",
            "line_items": "see elsewhere",
        })),
    );
    rig.inject(
        "GET",
        "/v1/payment_intents/*",
        10_000,
        false,
        mutate(
            json!({"created": "yesterday", "amount_received": 3.4, "last_payment_error": "none"}),
        ),
    );
    let mut handle = rig.engine.start_charge(rig.latte()).unwrap();
    let id = session_created(&mut handle).await;
    rig.sim.pay(&id).unwrap();
    let outcome = handle.outcome().await;
    assert!(outcome.is_paid(), "{outcome:?}");
    assert_eq!(rig.only_sale().outcome, SaleOutcome::Paid);
}

// The decision fields stay strict: a wrong-typed amount is not guessed at (point 6's other half).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_typed_decision_field_is_not_read_as_paid() {
    let rig = rig(Duration::from_millis(1_500)).await;
    let mut handle = rig.engine.start_charge(rig.latte()).unwrap();
    session_created(&mut handle).await;
    rig.inject(
        "GET",
        SESSION,
        10_000,
        false,
        mutate(json!({"payment_status": ["paid"]})),
    );
    rig.inject(
        "POST",
        "/v1/checkout/sessions/*/expire",
        10_000,
        false,
        status(503),
    );
    let outcome = handle.outcome().await;
    assert!(!outcome.is_paid(), "{outcome:?}");
    assert_eq!(
        rig.only_sale().outcome,
        SaleOutcome::Pending,
        "unreadable is not proof of anything"
    );
}
