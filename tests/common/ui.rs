//! Driving the real UI headless: find controls by the label a screen reader would announce, tap them, wait.

use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use wooshpay_kiosk::checkout::{CheckoutEngine, EngineSettings, PriceBook, Timing};
use wooshpay_kiosk::journal::{JOURNAL_FILE, Journal};
use wooshpay_kiosk::secret::SecretKey;
use wooshpay_kiosk::simulator::Simulator;
use wooshpay_kiosk::ui::AppWindow;
use wooshpay_kiosk::wooshpay::{Client, ClientConfig, RetryPolicy};

/// Taps the control with this accessible label, as a finger or an accessibility tool would.
pub fn tap(app: &AppWindow, label: &str) {
    let element = ElementHandle::find_by_accessible_label(app, label)
        .next()
        .unwrap_or_else(|| panic!("no control labelled {label:?} on screen"));
    assert_ne!(
        element.accessible_enabled(),
        Some(false),
        "{label:?} is disabled"
    );
    element.invoke_accessible_default_action();
}

/// Types a PIN on the keypad and submits it.
pub fn type_pin(app: &AppWindow, pin: &str) {
    for digit in pin.chars() {
        tap(app, &digit.to_string());
    }
    tap(app, "OK");
}

pub fn enabled(app: &AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(app, label)
        .next()
        .and_then(|e| e.accessible_enabled())
        .unwrap_or(true)
}

/// Whether something on screen carries this label (texts are labelled with what they say).
pub fn shows(app: &AppWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(app, label)
        .next()
        .is_some()
}

/// Waits on the UI thread (the event loop keeps running) until `condition` holds, or fails after 30 s.
pub async fn until(runtime: &tokio::runtime::Handle, what: &str, condition: impl Fn() -> bool) {
    for _ in 0..1500 {
        if condition() {
            return;
        }
        let _ = runtime
            .spawn(async { tokio::time::sleep(Duration::from_millis(20)).await })
            .await;
    }
    panic!("timed out waiting for: {what}");
}

/// An engine against the simulator with quick polls and retries, journalling into `state`.
pub fn engine(
    sim: &Simulator,
    state: &std::path::Path,
    kiosk_id: &str,
    runtime: tokio::runtime::Handle,
) -> CheckoutEngine {
    let mut config = ClientConfig::new(
        sim.api_base_url().parse().unwrap(),
        SecretKey::parse(super::KEY).unwrap(),
    );
    config.retry = RetryPolicy {
        max_retries: 1,
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(1),
    };
    CheckoutEngine::new(
        Client::new(config).unwrap(),
        EngineSettings {
            timing: Timing::new(Duration::from_millis(100), Duration::from_secs(60)),
            success_url: "https://shop.example/ok".into(),
            cancel_url: "https://shop.example/no".into(),
            kiosk_id: kiosk_id.into(),
        },
        PriceBook::default(),
        Journal::open(&state.join(JOURNAL_FILE)).unwrap(),
        runtime,
    )
}
