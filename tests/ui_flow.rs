//! The real UI, headless, wired to the real engine and the in-process simulator: staff taps, the customer
//! pays at the simulator, the screens follow. One test function: the testing backend is per process.

mod common;

use common::ui::decode_qr;

use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use slint::{ComponentHandle, Model};
use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::config::DisplaySettings;
use wooshpay_kiosk::hw::backlight::Backlight;
use wooshpay_kiosk::hw::{Beep, Light, RecordingSignals, Signal};
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::simulator::{Fault, FaultRule, Simulator};
use wooshpay_kiosk::ui::{
    AppWindow, CartAdapter, KioskAdapter, PaymentAdapter, PaymentPhase, ResultAdapter, ResultKind,
    Screen,
};

struct Harness {
    signals: RecordingSignals,
    app: AppWindow,
    sim: Simulator,
    runtime: tokio::runtime::Handle,
}

impl Harness {
    fn tap(&self, label: &str) {
        let element = ElementHandle::find_by_accessible_label(&self.app, label)
            .next()
            .unwrap_or_else(|| panic!("no control labelled {label:?} on screen"));
        assert_ne!(
            element.accessible_enabled(),
            Some(false),
            "{label:?} is disabled"
        );
        element.invoke_accessible_default_action();
    }

    fn shows(&self, label: &str) -> bool {
        ElementHandle::find_by_accessible_label(&self.app, label)
            .next()
            .is_some()
    }

    async fn until(&self, what: &str, condition: impl Fn(&AppWindow) -> bool) {
        for _ in 0..1000 {
            if condition(&self.app) {
                return;
            }
            let _ = self
                .runtime
                .spawn(async { tokio::time::sleep(Duration::from_millis(20)).await })
                .await;
        }
        panic!("timed out waiting for: {what}");
    }

    fn screen(&self) -> Screen {
        self.app.global::<KioskAdapter>().get_screen()
    }

    fn cart(&self) -> Vec<(String, i32)> {
        let lines = self.app.global::<CartAdapter>().get_lines();
        lines
            .iter()
            .map(|line| (line.name.to_string(), line.quantity))
            .collect()
    }

    fn latest_session(&self) -> serde_json::Value {
        self.sim
            .sessions()
            .last()
            .cloned()
            .expect("a session exists")
    }

    /// Back to the catalog with an empty cart and a healthy gateway, whatever a failed step left behind.
    async fn reset(&self) {
        self.sim.clear_faults();
        for _ in 0..1500 {
            match self.screen() {
                Screen::Catalog => break,
                Screen::Result => self.tap("Done"),
                Screen::Idle => self.tap("Tap to start"),
                Screen::Payment => match self.app.global::<PaymentAdapter>().get_phase() {
                    PaymentPhase::Awaiting if self.shows("Cancel") => self.tap("Cancel"),
                    PaymentPhase::CreateFailed => self.tap("Back"),
                    _ => {}
                },
                _ => self
                    .app
                    .global::<KioskAdapter>()
                    .set_screen(Screen::Catalog),
            }
            let _ = self
                .runtime
                .spawn(async { tokio::time::sleep(Duration::from_millis(20)).await })
                .await;
        }
        if !self.cart().is_empty() {
            self.tap("Clear cart");
        }
    }

    fn block(&self, path: &str, fault: Fault) {
        self.sim.inject(FaultRule {
            method: None,
            path: path.into(),
            count: 10_000,
            after_processing: false,
            fault,
        });
    }
}

#[test]
fn staff_and_customer_flows_through_the_real_ui() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = runtime.block_on(common::simulator());
    let state = tempfile::tempdir().unwrap();
    let engine = common::engine::TestEngine::new(&sim.api_base_url(), "ui-test")
        .close_grace(Duration::from_secs(10))
        .build(state.path(), runtime.handle().clone());
    let currency = Currency::from_code("GBP").unwrap();
    let catalog = Catalog::parse(
        wooshpay_kiosk::demo::SAMPLE_CATALOG,
        "sample".as_ref(),
        ".".as_ref(),
        currency,
    )
    .unwrap();
    let display = DisplaySettings {
        result_screen: Duration::from_millis(700),
        idle_after: Duration::from_secs(3),
        shop_name: "Test Café".into(),
        ..DisplaySettings::default()
    };
    let signals = RecordingSignals::default();
    // A backlight laid out like /sys/class/backlight/<device>/.
    let sysfs = tempfile::tempdir().unwrap();
    let panel = sysfs.path().join("10-0045");
    std::fs::create_dir(&panel).unwrap();
    std::fs::write(panel.join("brightness"), "200\n").unwrap();
    std::fs::write(panel.join("max_brightness"), "255\n").unwrap();
    let brightness = move || {
        std::fs::read_to_string(panel.join("brightness"))
            .unwrap()
            .trim()
            .to_owned()
    };
    let (app, kiosk) = common::ui::start_kiosk(engine, catalog, runtime.handle())
        .display(display)
        .demo()
        .signals(&signals)
        .backlight(Backlight::find(
            sysfs.path(),
            &sysfs.path().join("no-link"),
            10,
        ))
        .attach();
    let harness = Harness {
        app: app.clone_strong(),
        sim,
        runtime: runtime.handle().clone(),
        signals,
    };

    let finished = std::rc::Rc::new(std::cell::RefCell::new(None));
    let recorded = finished.clone();
    slint::spawn_local(async move {
        let h = harness;
        let mut steps = common::ui::Steps::default();
        steps
            .run("the demo banner", async {
                assert!(
                    h.shows("DEMO — no real payments"),
                    "demo mode is unmistakable"
                );
            })
            .await;
        h.reset().await;
        steps
            .run(
                "a paid sale: cart, QR, payment, back to an empty catalog",
                async {
                    // Staff build a cart.
                    h.tap("Add Flat white");
                    h.tap("Add Flat white");
                    h.tap("Add Latte");
                    assert_eq!(
                        h.cart(),
                        [("Flat white".to_owned(), 2), ("Latte".to_owned(), 1)]
                    );
                    h.tap("Increase Latte");
                    h.tap("Decrease Latte");
                    assert_eq!(h.app.global::<CartAdapter>().get_total(), "£10.00");
                    assert!(
                        h.shows("Charge £10.00"),
                        "the Charge button names the total"
                    );

                    // Charge: the QR on screen is the session's URL, verbatim.
                    h.tap("Charge £10.00");
                    h.until("the QR code", |app| {
                        app.global::<PaymentAdapter>().get_phase() == PaymentPhase::Awaiting
                    })
                    .await;
                    assert_eq!(h.screen(), Screen::Payment);
                    let session = h.latest_session();
                    assert_eq!(decode_qr(&h.app), session["url"].as_str().unwrap());
                    assert_eq!(session["amount_total"], 1000);
                    assert!(h.shows("Scan to pay"));

                    // The customer pays on their phone; the kiosk says so, then returns with an empty cart.
                    h.sim.pay(session["id"].as_str().unwrap()).unwrap();
                    h.until("the Paid screen", |app| {
                        app.global::<KioskAdapter>().get_screen() == Screen::Result
                    })
                    .await;
                    assert_eq!(h.app.global::<ResultAdapter>().get_kind(), ResultKind::Paid);
                    assert_eq!(h.app.global::<ResultAdapter>().get_amount(), "£10.00");
                    // The number the counter calls out, from the journal: the shift's first paid sale.
                    assert_eq!(h.app.global::<ResultAdapter>().get_order_number(), 1);
                    assert!(h.shows("Order 1"));
                    h.until("the return to the catalog", |app| {
                        app.global::<KioskAdapter>().get_screen() == Screen::Catalog
                    })
                    .await;
                    assert!(h.cart().is_empty(), "a paid sale empties the cart");
                    assert_eq!(
                        h.signals.take(),
                        [
                            Signal::Light(Light::Ready),
                            Signal::Light(Light::WaitingForPayment),
                            Signal::Beep(Beep::ScanNow),
                            Signal::Light(Light::Paid),
                            Signal::Beep(Beep::Paid),
                            Signal::Light(Light::Ready),
                        ],
                        "the lights and buzzer follow the sale"
                    );
                    assert!(
                        !h.app.global::<CartAdapter>().get_can_charge(),
                        "Charge is disabled with an empty cart"
                    );
                    let charge = ElementHandle::find_by_accessible_label(&h.app, "Charge £0.00")
                        .next()
                        .expect("Charge button");
                    assert_eq!(charge.accessible_enabled(), Some(false));
                },
            )
            .await;
        h.reset().await;
        steps
            .run("Cancel expires the session and keeps the cart", async {
                // Cancel: the session is expired at WooshPay and the cart is kept for another try.
                h.tap("Add Espresso");
                h.tap("Charge £2.20");
                h.until("the QR code", |app| {
                    app.global::<PaymentAdapter>().get_phase() == PaymentPhase::Awaiting
                })
                .await;
                h.tap("Cancel");
                h.until("the Cancelled screen", |app| {
                    app.global::<KioskAdapter>().get_screen() == Screen::Result
                })
                .await;
                assert_eq!(
                    h.app.global::<ResultAdapter>().get_kind(),
                    ResultKind::Cancelled
                );
                assert_eq!(h.latest_session()["status"], "expired");
                h.tap("Done");
                assert_eq!(h.screen(), Screen::Catalog);
                assert_eq!(
                    h.cart(),
                    [("Espresso".to_owned(), 1)],
                    "the cart survives a cancel"
                );
            })
            .await;
        h.reset().await;
        steps
            .run(
                "connection lost while waiting: a banner, and the sale still completes",
                async {
                    // Connection lost while waiting: a banner, never a failure; the sale still completes.
                    h.tap("Add Espresso");
                    h.tap("Charge £2.20");
                    h.until("the QR code", |app| {
                        app.global::<PaymentAdapter>().get_phase() == PaymentPhase::Awaiting
                    })
                    .await;
                    h.block(
                        "/v1/checkout/sessions/*",
                        Fault::Status {
                            status: 503,
                            retry_after_s: None,
                        },
                    );
                    h.until("the connection-lost banner", |app| {
                        app.global::<PaymentAdapter>().get_connection_lost()
                    })
                    .await;
                    assert!(h.shows("Connection lost — still checking"));
                    assert_eq!(h.screen(), Screen::Payment);
                    h.sim.clear_faults();
                    h.sim
                        .pay(h.latest_session()["id"].as_str().unwrap())
                        .unwrap();
                    h.until("the Paid screen", |app| {
                        app.global::<KioskAdapter>().get_screen() == Screen::Result
                    })
                    .await;
                    assert_eq!(h.app.global::<ResultAdapter>().get_kind(), ResultKind::Paid);
                    h.tap("Done");
                },
            )
            .await;
        h.reset().await;
        steps
            .run(
                "a creation error offers Retry and Back; Retry succeeds",
                async {
                    // Creation error: the reason, Retry and Back; Retry succeeds once WooshPay answers again.
                    let sessions_before = h.sim.sessions().len();
                    h.tap("Add Latte");
                    h.block("/v1/checkout/sessions", Fault::Drop);
                    // After the 503s above the kiosk may still count WooshPay as unreachable (Charge disabled) until its
                    // next check succeeds; under a loaded machine that check can come after this point.
                    h.until("Charge enabled again", |app| {
                        ElementHandle::find_by_accessible_label(app, "Charge £3.40")
                            .next()
                            .is_some_and(|charge| charge.accessible_enabled() != Some(false))
                    })
                    .await;
                    h.tap("Charge £3.40");
                    h.until("the creation error", |app| {
                        app.global::<PaymentAdapter>().get_phase() == PaymentPhase::CreateFailed
                    })
                    .await;
                    assert!(h.shows("Retry") && h.shows("Back"));
                    assert!(!h.app.global::<PaymentAdapter>().get_error().is_empty());
                    h.sim.clear_faults();
                    h.tap("Retry");
                    h.until("the QR code after Retry", |app| {
                        app.global::<PaymentAdapter>().get_phase() == PaymentPhase::Awaiting
                    })
                    .await;
                    assert_eq!(
                        h.sim.sessions().len(),
                        sessions_before + 1,
                        "one session for the retried cart"
                    );
                    h.tap("Cancel");
                    h.until("the Cancelled screen", |app| {
                        app.global::<KioskAdapter>().get_screen() == Screen::Result
                    })
                    .await;
                    assert_eq!(h.cart(), [("Latte".to_owned(), 1)]);
                },
            )
            .await;
        h.reset().await;
        steps
            .run(
                "the attract screen after a quiet spell, dimmed, and a tap wakes it",
                async {
                    // Idle: with an empty cart the attract screen comes up; a tap brings the catalog back.
                    h.until("the attract screen", |app| {
                        app.global::<KioskAdapter>().get_screen() == Screen::Idle
                    })
                    .await;
                    assert_eq!(h.app.global::<KioskAdapter>().get_shop_name(), "Test Café");
                    assert_eq!(
                        brightness(),
                        "25",
                        "the attract screen dims the panel to 10 %"
                    );
                    h.tap("Tap to start");
                    assert_eq!(h.screen(), Screen::Catalog);
                    assert_eq!(brightness(), "200", "a touch brings the brightness back");
                },
            )
            .await;
        h.reset().await;
        *recorded.borrow_mut() = Some(steps);
        slint::quit_event_loop().unwrap();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
    drop(kiosk);
    finished.take().expect("the flow ran to its end").finish();
}
