//! Which lights and beeps each sale outcome fires, through the real engine and the simulator, recorded by
//! the fake that stands in for the Pi's GPIO.

mod common;

use std::time::Duration;

use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::checkout::Order;
use wooshpay_kiosk::hw::{Beep, Light, RecordingSignals, Signal, signal_event};
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::simulator::{AutoAction, Fault, FaultRule, SessionAction, Simulator};
use wooshpay_kiosk::wooshpay::RetryPolicy;

async fn sale(
    prepare: impl FnOnce(&Simulator),
    timeout: Duration,
    cancel_after_create: bool,
) -> Vec<Signal> {
    let sim = common::simulator().await;
    prepare(&sim);
    let state = tempfile::tempdir().unwrap();
    let engine = common::engine::TestEngine::new(&sim.api_base_url(), "signals")
        .retries(1, 10, 20)
        .max_retry_after(RetryPolicy::default().max_retry_after)
        .polls(Duration::from_millis(100), timeout)
        .build(state.path(), tokio::runtime::Handle::current());
    let currency = Currency::from_code("GBP").unwrap();
    let catalog = Catalog::parse(common::CATALOG, "c".as_ref(), ".".as_ref(), currency).unwrap();
    let order = Order::from_quantities(&catalog, &[("latte".into(), 1)]).unwrap();
    let mut handle = engine.start_charge(order).unwrap();
    let signals = RecordingSignals::default();
    while let Some(event) = handle.events.recv().await {
        signal_event(&signals, &event);
        if cancel_after_create
            && matches!(
                event,
                wooshpay_kiosk::checkout::CheckoutEvent::SessionCreated { .. }
            )
        {
            handle.cancel();
        }
    }
    signals.take()
}

fn auto(action: SessionAction) -> impl FnOnce(&Simulator) {
    move |sim: &Simulator| {
        sim.set_auto_action(Some(AutoAction {
            after_retrieves: 1,
            action,
        }))
    }
}

/// The QR code is up: the waiting light, and a chirp for the customer.
const WAITING: [Signal; 2] = [
    Signal::Light(Light::WaitingForPayment),
    Signal::Beep(Beep::ScanNow),
];
const ERROR: [Signal; 2] = [Signal::Light(Light::Error), Signal::Beep(Beep::Failure)];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_lights_paid_and_beeps_twice() {
    let signals = sale(auto(SessionAction::Pay), Duration::from_secs(30), false).await;
    assert_eq!(
        signals,
        [
            WAITING[0],
            WAITING[1],
            Signal::Light(Light::Paid),
            Signal::Beep(Beep::Paid)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_lights_error_with_one_long_beep() {
    let signals = sale(auto(SessionAction::Decline), Duration::from_secs(30), false).await;
    assert_eq!(signals, [WAITING[0], WAITING[1], ERROR[0], ERROR[1]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_at_the_gateway_lights_error_with_one_long_beep() {
    let signals = sale(auto(SessionAction::Expire), Duration::from_secs(30), false).await;
    assert_eq!(signals, [WAITING[0], WAITING[1], ERROR[0], ERROR[1]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_timeout_lights_error_with_one_long_beep() {
    let signals = sale(|_| {}, Duration::from_millis(500), false).await;
    assert_eq!(signals, [WAITING[0], WAITING[1], ERROR[0], ERROR[1]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_create_lights_error_without_ever_waiting() {
    let block = |sim: &Simulator| {
        sim.inject(FaultRule {
            method: None,
            path: "/v1/checkout/sessions".into(),
            count: 100,
            after_processing: false,
            fault: Fault::Status {
                status: 400,
                retry_after_s: None,
            },
        })
    };
    let signals = sale(block, Duration::from_secs(30), false).await;
    assert_eq!(signals, ERROR);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staff_cancel_returns_to_ready_without_an_alarm() {
    let signals = sale(|_| {}, Duration::from_secs(30), true).await;
    assert_eq!(
        signals,
        [WAITING[0], WAITING[1], Signal::Light(Light::Ready)]
    );
}
