//! The real UI, headless, after a crash: a sale the previous run left pending is announced as a late payment
//! or resumed on the payment screen with the time it has left; with WooshPay unreachable, new sales are
//! refused on the catalog screen. One test function: the testing backend is per process.

mod common;

use common::ui::until;

use std::path::Path;
use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::checkout::{CheckoutEngine, CheckoutEvent, Order};
use wooshpay_kiosk::config::DisplaySettings;
use wooshpay_kiosk::hw::{Light, RecordingSignals, Signal};
use wooshpay_kiosk::journal::{JOURNAL_FILE, Journal, SaleOutcome};
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::ui::{
    AppWindow, CartAdapter, CatalogAdapter, Kiosk, KioskAdapter, PaymentAdapter, PaymentPhase,
    ResultAdapter, ResultKind, Screen,
};

fn catalog() -> Catalog {
    Catalog::parse(
        common::CATALOG,
        "c".as_ref(),
        ".".as_ref(),
        Currency::from_code("GBP").unwrap(),
    )
    .unwrap()
}

fn engine(base_url: &str, state: &Path, runtime: &tokio::runtime::Handle) -> CheckoutEngine {
    common::engine::TestEngine::new(base_url, "ui-recovery")
        .retries(1, 20, 50)
        .close_grace(Duration::from_secs(5))
        .build(state, runtime.clone())
}

/// Starts a sale and pulls the plug once its QR would be on screen: the task is dropped mid-sale, as a
/// power cut would, leaving the journal's row pending. Returns the session id.
async fn sale_cut_off_while_awaiting_payment(
    engine: &CheckoutEngine,
    items: &[(&str, u32)],
) -> String {
    let quantities: Vec<(String, u32)> = items.iter().map(|(i, q)| ((*i).to_owned(), *q)).collect();
    let order = Order::from_quantities(&catalog(), &quantities).unwrap();
    let (mut events, _, task) = engine.start_charge(order).unwrap().into_parts();
    loop {
        match events.recv().await.expect("the sale runs") {
            CheckoutEvent::SessionCreated { id, .. } => {
                task.abort();
                let _ = task.await;
                return id;
            }
            CheckoutEvent::Finished { outcome, .. } => panic!("finished early: {outcome:?}"),
            _ => {}
        }
    }
}

fn start_ui(
    engine: CheckoutEngine,
    runtime: &tokio::runtime::Handle,
    signals: &RecordingSignals,
) -> (AppWindow, std::rc::Rc<Kiosk>) {
    common::ui::start_kiosk(engine, catalog(), runtime)
        .display(DisplaySettings {
            result_screen: Duration::from_secs(30),
            ..DisplaySettings::default()
        })
        .signals(signals)
        .attach()
}

fn outcomes(state: &Path) -> Vec<(Option<String>, SaleOutcome)> {
    Journal::open(&state.join(JOURNAL_FILE))
        .unwrap()
        .sales_since(0)
        .unwrap()
        .into_iter()
        .map(|sale| (sale.session_id, sale.outcome))
        .collect()
}

#[test]
fn after_a_crash_the_ui_announces_late_payments_resumes_open_sessions_and_refuses_sales_offline() {
    let common::ui::Rig {
        runtime: _runtime,
        rt: handle,
        sim,
        state,
    } = common::ui::Rig::new();
    let base = sim.api_base_url();

    common::ui::run_flow(async move {
        let rt = &handle;
        let signals = RecordingSignals::default();

        let mut steps = common::ui::Steps::default();
        let mut paid_id = String::new();
        steps
            .run("a sale paid while the kiosk was down is announced as a late payment, recorded once", async {
            // 1. Paid while the kiosk was down: announced as a late payment, recorded once.
            let before = engine(&base, state.path(), rt);
            paid_id = sale_cut_off_while_awaiting_payment(&before, &[("latte", 2)]).await;
            drop(before);
            sim.pay(&paid_id).unwrap();
            let (app, kiosk) = start_ui(engine(&base, state.path(), rt), rt, &signals);
            until(rt, "the late payment", || {
                app.global::<KioskAdapter>().get_screen() == Screen::Result
            })
            .await;
            let result = app.global::<ResultAdapter>();
            assert_eq!(result.get_kind(), ResultKind::Paid);
            assert_eq!(result.get_title(), "Late payment received");
            assert_eq!(result.get_amount(), "£6.80");
            assert!(signals.take().contains(&Signal::Light(Light::Paid)));
            assert_eq!(
                outcomes(state.path()),
                [(Some(paid_id.clone()), SaleOutcome::Paid)]
            );
            drop(kiosk);
            drop(app);
            })
            .await;
        steps
            .run("a session still open at restart is back on the payment screen with the time it has left", async {
            // 2. Still open at restart: back on the payment screen with its own QR and the time it has left.
            let before = engine(&base, state.path(), rt);
            let open_id = sale_cut_off_while_awaiting_payment(&before, &[("croissant", 1)]).await;
            drop(before);
            let (app, kiosk) = start_ui(engine(&base, state.path(), rt), rt, &signals);
            until(rt, "the resumed payment screen", || {
                app.global::<PaymentAdapter>().get_phase() == PaymentPhase::Awaiting
            })
            .await;
            assert_eq!(app.global::<KioskAdapter>().get_screen(), Screen::Payment);
            assert_eq!(app.global::<PaymentAdapter>().get_total(), "£2.75");
            let countdown = app.global::<PaymentAdapter>().get_countdown().to_string();
            assert!(
                countdown.starts_with("0:5") || countdown.starts_with("1:00"),
                "about a minute left: {countdown}"
            );
            sim.pay(&open_id).unwrap();
            until(rt, "the Paid screen", || {
                app.global::<KioskAdapter>().get_screen() == Screen::Result
            })
            .await;
            assert_eq!(app.global::<ResultAdapter>().get_kind(), ResultKind::Paid);
            assert_eq!(
                outcomes(state.path()),
                [
                    (Some(paid_id.clone()), SaleOutcome::Paid),
                    (Some(open_id.clone()), SaleOutcome::Paid)
                ],
                "each sale recorded once"
            );
            assert_eq!(
                sim.sessions().len(),
                2,
                "no session was created by the restarts"
            );
            drop(kiosk);
            drop(app);
            })
            .await;
        steps
            .run(
                "with WooshPay unreachable the catalog says so and Charge stays disabled",
                async {
                    // 3. WooshPay unreachable: the catalog screen says so and Charge stays disabled.
                    // Bound but never listening: refused, and held so nothing else can answer on it.
                    let dead =
                        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
                            .unwrap();
                    dead.bind(
                        &"127.0.0.1:0"
                            .parse::<std::net::SocketAddr>()
                            .unwrap()
                            .into(),
                    )
                    .unwrap();
                    let dead_url = format!(
                        "http://{}/",
                        dead.local_addr().unwrap().as_socket().unwrap()
                    );
                    let offline_state = tempfile::tempdir().unwrap();
                    let (app, kiosk) =
                        start_ui(engine(&dead_url, offline_state.path(), rt), rt, &signals);
                    ElementHandle::find_by_accessible_label(&app, "Add Latte")
                        .next()
                        .expect("the Latte tile")
                        .invoke_accessible_default_action();
                    until(rt, "the offline notice", || {
                        app.global::<CatalogAdapter>()
                            .get_notice()
                            .contains("cannot be reached")
                    })
                    .await;
                    let notice = app.global::<CatalogAdapter>().get_notice();
                    assert!(notice.contains("new sales are paused"), "{notice}");
                    assert!(
                        !app.global::<CartAdapter>().get_can_charge(),
                        "Charge is refused while offline"
                    );
                    assert!(
                        ElementHandle::find_by_accessible_label(&app, &notice)
                            .next()
                            .is_some(),
                        "the notice is on screen"
                    );
                    drop(kiosk);
                    drop(app);
                },
            )
            .await;
        steps
    });
}
