//! The checkout engine against the in-process simulator: the paths a UI depends on.

mod common;

use std::time::Duration;

use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::checkout::{
    CheckoutEngine, CheckoutEvent, FailureReason, Order, Outcome, StartError,
};
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::simulator::{AutoAction, Fault, FaultRule, SessionAction, Simulator};
use wooshpay_kiosk::wooshpay::RetryPolicy;

struct Rig {
    sim: Simulator,
    engine: CheckoutEngine,
    catalog: Catalog,
    _state: tempfile::TempDir,
}

async fn rig(timeout: Duration) -> Rig {
    let sim = common::simulator().await;
    let state = tempfile::tempdir().unwrap();
    let engine = common::engine::TestEngine::new(&sim.api_base_url(), "engine-test")
        .retries(2, 50, 200)
        .max_retry_after(RetryPolicy::default().max_retry_after)
        .request_timeout(Duration::from_secs(3))
        .polls(Duration::from_millis(100), timeout)
        .close_grace(Duration::from_secs(5))
        .build(state.path(), tokio::runtime::Handle::current());
    let currency = Currency::from_code("GBP").unwrap();
    let catalog =
        Catalog::parse(common::CATALOG, "c.toml".as_ref(), ".".as_ref(), currency).unwrap();
    Rig {
        sim,
        engine,
        catalog,
        _state: state,
    }
}

fn latte(catalog: &Catalog) -> Order {
    Order::from_quantities(catalog, &[("latte".into(), 1)]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_charge_is_refused_while_one_is_pending() {
    let rig = rig(Duration::from_secs(30)).await;
    let mut first = rig.engine.start_charge(latte(&rig.catalog)).unwrap();
    while let Some(event) = first.events.recv().await {
        if matches!(event, CheckoutEvent::SessionCreated { .. }) {
            break;
        }
    }
    assert!(matches!(
        rig.engine.start_charge(latte(&rig.catalog)),
        Err(StartError::InProgress)
    ));
    first.cancel();
    assert!(matches!(
        first.outcome().await,
        Outcome::Cancelled { session: Some(_) }
    ));
    assert_eq!(
        rig.sim.sessions().len(),
        1,
        "the refused charge created nothing"
    );
    // Once finished, the next customer can be served.
    let next = rig.engine.start_charge(latte(&rig.catalog)).unwrap();
    next.cancel();
    next.outcome().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decline_closes_the_session_and_reports_declined() {
    let rig = rig(Duration::from_secs(30)).await;
    rig.sim.set_auto_action(Some(AutoAction {
        after_retrieves: 2,
        action: SessionAction::Decline,
    }));
    let outcome = rig
        .engine
        .start_charge(latte(&rig.catalog))
        .unwrap()
        .outcome()
        .await;
    let Outcome::Failed {
        reason: FailureReason::Declined(message),
        session: Some(session),
    } = outcome
    else {
        panic!("expected declined, got {outcome:?}");
    };
    assert!(message.contains("declined"), "{message}");
    let at_gateway = rig
        .sim
        .sessions()
        .into_iter()
        .find(|s| s["id"] == session.id.as_str())
        .unwrap();
    assert_eq!(
        at_gateway["status"], "expired",
        "nobody can pay a declined sale's session later"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_while_the_create_is_in_flight_expires_the_session_it_made() {
    let rig = rig(Duration::from_secs(30)).await;
    rig.sim.inject(FaultRule {
        method: Some("POST".into()),
        path: "/v1/checkout/sessions".into(),
        count: 1,
        after_processing: false,
        fault: Fault::Delay { ms: 800 },
    });
    let handle = rig.engine.start_charge(latte(&rig.catalog)).unwrap();
    // Cancel once the create has reached WooshPay (it is held there for 800 ms): a fixed wait could cancel
    // before the request left on a slow machine, which is another case.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !rig
        .sim
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/v1/checkout/sessions")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the create never reached the simulator"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    handle.cancel();
    let outcome = handle.outcome().await;
    assert!(
        matches!(outcome, Outcome::Cancelled { session: Some(_) }),
        "{outcome:?}"
    );
    assert_eq!(rig.sim.sessions()[0]["status"], "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_failing_show_connection_lost_then_the_sale_completes() {
    let rig = rig(Duration::from_secs(30)).await;
    rig.sim.inject(FaultRule {
        method: Some("GET".into()),
        path: "/v1/checkout/sessions/*".into(),
        count: 4,
        after_processing: false,
        fault: Fault::Status {
            status: 503,
            retry_after_s: None,
        },
    });
    rig.sim.set_auto_action(Some(AutoAction {
        after_retrieves: 1,
        action: SessionAction::Pay,
    }));
    let mut handle = rig.engine.start_charge(latte(&rig.catalog)).unwrap();
    let mut events = Vec::new();
    while let Some(event) = handle.events.recv().await {
        events.push(event);
    }
    let lost = events
        .iter()
        .position(|e| matches!(e, CheckoutEvent::ConnectionLost { .. }));
    let restored = events
        .iter()
        .position(|e| matches!(e, CheckoutEvent::ConnectionRestored));
    assert!(lost.is_some() && restored > lost, "{events:?}");
    assert!(matches!(
        events.last(),
        Some(CheckoutEvent::Finished {
            outcome: Outcome::Paid { .. },
            order_number: Some(1),
        })
    ));
    assert!(handle.outcome().await.is_paid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrying_a_create_that_got_no_answer_reuses_its_session() {
    let rig = rig(Duration::from_secs(30)).await;
    // Every attempt is processed but its answer lost: the engine gives up without knowing the session.
    rig.sim.inject(FaultRule {
        method: Some("POST".into()),
        path: "/v1/checkout/sessions".into(),
        count: 3,
        after_processing: true,
        fault: Fault::Drop,
    });
    let outcome = rig
        .engine
        .start_charge(latte(&rig.catalog))
        .unwrap()
        .outcome()
        .await;
    assert!(
        matches!(
            outcome,
            Outcome::Failed {
                reason: FailureReason::CreateFailed(_),
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(rig.sim.sessions().len(), 1);
    // Staff press Retry with the same cart: the same idempotency key brings back the same session.
    let retry = rig.engine.start_charge(latte(&rig.catalog)).unwrap();
    retry.cancel();
    let outcome = retry.outcome().await;
    assert_eq!(
        rig.sim.sessions().len(),
        1,
        "no second session for one cart"
    );
    assert_eq!(
        outcome.session().unwrap().id,
        rig.sim.sessions()[0]["id"].as_str().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_gateway_vanishes_during_cancel_the_outcome_is_unconfirmed_never_cancelled() {
    let rig = rig(Duration::from_secs(30)).await;
    let mut handle = rig.engine.start_charge(latte(&rig.catalog)).unwrap();
    while let Some(event) = handle.events.recv().await {
        if matches!(event, CheckoutEvent::SessionCreated { .. }) {
            break;
        }
    }
    for method in ["GET", "POST"] {
        for path in [
            "/v1/checkout/sessions/*",
            "/v1/checkout/sessions/*/expire",
            "/v1/payment_intents/*",
        ] {
            rig.sim.inject(FaultRule {
                method: Some(method.into()),
                path: path.into(),
                count: 10_000,
                after_processing: false,
                fault: Fault::Status {
                    status: 503,
                    retry_after_s: None,
                },
            });
        }
    }
    handle.cancel();
    let outcome = handle.outcome().await;
    let Outcome::Failed {
        reason: FailureReason::Unconfirmed(message),
        session: Some(session),
    } = &outcome
    else {
        panic!("expected an unconfirmed outcome, got {outcome:?}");
    };
    assert!(
        message.contains(&session.id) && message.contains("may still be payable"),
        "{message}"
    );
    assert_eq!(
        rig.sim.sessions()[0]["status"],
        "open",
        "the simulator never saw the expire"
    );
}
