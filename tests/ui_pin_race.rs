//! The staff PIN cannot be raced or reset (issue 24, point 3), through the real UI, headless: the burst of
//! nineteen wrong PINs and the right one that used to open the staff screen, and a lockout that outlives a
//! restart of the kiosk. One test function: the testing backend is per process.

mod common;

use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use wooshpay_kiosk::ui::{AppWindow, KioskAdapter, PinAdapter, Screen};

use common::ui::{Rig, run_flow, tap, type_pin, until};

/// A tap as a USB device that types taps delivers it: whether or not the key looks enabled.
fn raw_tap(app: &AppWindow, label: &str) {
    ElementHandle::find_by_accessible_label(app, label)
        .next()
        .unwrap_or_else(|| panic!("no control labelled {label:?} on screen"))
        .invoke_accessible_default_action();
}

#[test]
fn a_burst_of_pins_is_one_try_and_the_lockout_outlives_a_restart() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "ui-pin", rt.clone());
    let catalog = common::ui::catalog(common::CATALOG);
    let (app, kiosk) = common::ui::start_kiosk(engine.clone(), catalog.clone(), &rt)
        .staff_pin("2468", Duration::from_secs(60))
        .attach();
    let h_app = app.clone_strong();
    let restarted = std::rc::Rc::new(std::cell::RefCell::new(None));
    let h_restarted = restarted.clone();
    run_flow(async move {
        let app = h_app;
        let pin = || app.global::<PinAdapter>();
        let screen = || app.global::<KioskAdapter>().get_screen();
        let mut steps = common::ui::Steps::default();
        steps
            .run(
                "19 wrong PINs and the right one in one burst do not open the staff screen",
                async {
                    tap(&app, "Staff");
                    assert_eq!(screen(), Screen::Pin);
                    // All in one go, with no turn of the event loop between taps: every check still runs.
                    for typed in std::iter::repeat_n("1111", 19).chain(["2468"]) {
                        for digit in typed.chars() {
                            raw_tap(&app, &digit.to_string());
                        }
                        raw_tap(&app, "OK");
                    }
                    // Settled: the admin screen opened, or no check is left and the keypad says why.
                    until(&rt, "the burst's checks", || {
                        screen() == Screen::Admin
                            || (!pin().get_checking() && pin().get_message().contains("Wrong PIN"))
                    })
                    .await;
                    assert_eq!(screen(), Screen::Pin, "the burst opened the staff screen");
                    assert!(
                        pin().get_message().contains("2 more tries"),
                        "one wrong PIN counted, the rest ignored: {}",
                        pin().get_message()
                    );
                    // The right PIN, typed as staff do, still opens it.
                    type_pin(&app, "2468");
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    tap(&app, "Lock");
                },
            )
            .await;
        steps
            .run(
                "a lockout earned before a restart still runs after it",
                async {
                    tap(&app, "Staff");
                    for (typed, warning) in [("1111", "2 more tries"), ("1112", "1 more try")] {
                        type_pin(&app, typed);
                        until(&rt, warning, || pin().get_message().contains(warning)).await;
                    }
                    type_pin(&app, "1113");
                    until(&rt, "the lockout", || pin().get_locked_out()).await;

                    // The kiosk restarts (a new window and controller on the same journal).
                    let (again, kiosk) =
                        common::ui::start_kiosk(engine.clone(), catalog.clone(), &rt)
                            .staff_pin("2468", Duration::from_secs(60))
                            .attach();
                    tap(&again, "Staff");
                    let pin = again.global::<PinAdapter>();
                    assert!(pin.get_locked_out(), "the lockout survived the restart");
                    assert!(
                        pin.get_message().contains("Try again in 0:"),
                        "{}",
                        pin.get_message()
                    );
                    type_pin_ignoring_lockout(&again, "2468");
                    assert_ne!(
                        again.global::<KioskAdapter>().get_screen(),
                        Screen::Admin,
                        "the right PIN is not even checked during the lockout"
                    );
                    *h_restarted.borrow_mut() = Some((again, kiosk));
                },
            )
            .await;
        steps
    });
    drop(restarted);
    drop(kiosk);
}

fn type_pin_ignoring_lockout(app: &AppWindow, pin: &str) {
    for digit in pin.chars() {
        raw_tap(app, &digit.to_string());
    }
    raw_tap(app, "OK");
}
