//! Driving the real UI headless: find controls by the label a screen reader would announce, tap them, wait.

use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use wooshpay_kiosk::checkout::CheckoutEngine;
use wooshpay_kiosk::simulator::Simulator;
use wooshpay_kiosk::ui::AppWindow;

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
    super::engine::TestEngine::new(&sim.api_base_url(), kiosk_id)
        .retries(1, 20, 50)
        .build(state, runtime)
}
