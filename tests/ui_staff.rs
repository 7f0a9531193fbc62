//! The staff side of the real UI, headless, against the in-process simulator: PIN keypad and lockout, recent
//! sales with Re-check, Close shift, Reload catalog (a broken file keeps the old catalog), auto-lock.
//! One test function: the testing backend is per process.

mod common;

use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use slint::{ComponentHandle, Model};
use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::checkout::{CheckoutEvent, Order};
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::simulator::SessionAction;
use wooshpay_kiosk::ui::{
    AdminAdapter, AmountAdapter, CartAdapter, CatalogAdapter, DescribeAdapter, KioskAdapter,
    PinAdapter, Screen,
};

use common::ui::{Rig, enabled, run_flow, tap, type_pin, until};

fn strings(model: slint::ModelRc<slint::SharedString>) -> Vec<String> {
    model.iter().map(|s| s.to_string()).collect()
}

#[test]
fn staff_unlock_recheck_close_shift_reload_catalog_and_lockout() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let catalog_path = state.path().join("catalog.toml");
    std::fs::write(&catalog_path, common::CATALOG).unwrap();
    let currency = Currency::from_code("GBP").unwrap();
    let catalog = Catalog::load(&catalog_path, currency).unwrap();

    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "ui-staff", rt.clone());

    // Before staff arrive: one sale paid, one whose screen went away while it was still awaiting payment.
    let order = |item: &str| Order::from_quantities(&catalog, &[(item.to_owned(), 1)]).unwrap();
    common::after_retrieves(&sim, 1, SessionAction::Pay);
    let paid = runtime.block_on(engine.start_charge(order("latte")).unwrap().outcome());
    assert!(paid.is_paid());
    sim.set_auto_action(None);
    let pending_id = runtime.block_on(async {
        let (mut events, _, task) = engine
            .start_charge(order("croissant"))
            .unwrap()
            .into_parts();
        loop {
            if let Some(CheckoutEvent::SessionCreated { id, .. }) = events.recv().await {
                task.abort();
                let _ = task.await;
                return id;
            }
        }
    });
    sim.pay(&pending_id).unwrap();

    let (app, kiosk) = common::ui::start_kiosk(engine.clone(), catalog.clone(), &rt)
        .staff_pin("2468", Duration::from_secs(3))
        .catalog_file(&catalog_path)
        .attach();
    let h_app = app.clone_strong();
    run_flow(async move {
        let app = h_app;
        let staff = || app.global::<AdminAdapter>();
        let pin = || app.global::<PinAdapter>();
        let screen = || app.global::<KioskAdapter>().get_screen();

        let mut steps = common::ui::Steps::default();
        steps
            .run("recovery at start announces the late payment", async {
                // Recovery at start finds the sale left behind paid, and says so first.
                until(&rt, "the late payment", || screen() == Screen::Result).await;
                assert_eq!(
                    app.global::<wooshpay_kiosk::ui::ResultAdapter>()
                        .get_title(),
                    "Late payment received"
                );
                tap(&app, "Done");
            })
            .await;
        steps
            .run(
                "the Staff control and the right PIN open the admin screen",
                async {
                    // The discreet control opens the keypad; the right PIN opens the admin screen.
                    tap(&app, "Staff");
                    assert_eq!(screen(), Screen::Pin);
                    type_pin(&app, "2468");
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    let sales = staff().get_sales();
                    assert_eq!(sales.row_count(), 2, "both sales are listed");
                    let newest = sales.row_data(0).unwrap();
                    assert_eq!(newest.id, pending_id.as_str());
                    assert_eq!(newest.amount, "£2.75");
                    assert!(
                        newest.items.contains("1 × Butter croissant"),
                        "{}",
                        newest.items
                    );
                    let status = staff().get_status();
                    let mode = status.iter().find(|r| r.label == "Mode").unwrap();
                    assert_eq!(mode.value, "test mode");
                    assert!(
                        status
                            .iter()
                            .any(|r| r.label == "Version" && r.value == env!("CARGO_PKG_VERSION"))
                    );
                },
            )
            .await;
        steps
            .run("Re-check asks WooshPay again", async {
                // Re-check asks WooshPay again: paid there, paid here. It sits on the sale's detail.
                common::ui::open_sale(&app, &pending_id);
                tap(&app, "Re-check");
                until(&rt, "the re-check answer", || {
                    staff().get_message().contains("WooshPay says")
                })
                .await;
                let message = staff().get_message().to_string();
                assert!(
                    message.contains("paid") && message.contains("recorded here as paid"),
                    "{message}"
                );
                assert_eq!(staff().get_sales().row_data(0).unwrap().outcome, "paid");
                assert!(strings(staff().get_shift_lines()).contains(&"2 sales, 2 paid".to_owned()));
                assert!(
                    strings(staff().get_shift_lines()).contains(&"Gross paid: £6.15".to_owned())
                );
            })
            .await;
        steps
            .run(
                "Close shift stores the report and starts an empty shift",
                async {
                    // Close shift stores the report; the next shift starts empty.
                    tap(&app, "Close shift");
                    assert!(
                        staff().get_message().starts_with("Shift closed and stored"),
                        "{}",
                        staff().get_message()
                    );
                    assert!(
                        strings(staff().get_shift_lines()).contains(&"0 sales, 0 paid".to_owned())
                    );
                    let past = strings(staff().get_past_shifts());
                    assert_eq!(past.len(), 1);
                    assert!(past[0].contains("2 sales, 2 paid, £6.15 gross"), "{past:?}");
                    // The closed shift is compared with WooshPay's own records, under the summary.
                    until(&rt, "the comparison with WooshPay", || {
                        !staff().get_message().contains("Comparing")
                    })
                    .await;
                    let message = staff().get_message().to_string();
                    assert!(message.starts_with("Shift closed and stored"), "{message}");
                    assert!(
                        message.ends_with("WooshPay agrees with the journal (2 sessions)."),
                        "{message}"
                    );
                },
            )
            .await;
        steps
            .run("a broken catalog is refused and the old one stays", async {
            // A broken catalog file is refused with the reason, and the old catalog stays.
            std::fs::write(
                &catalog_path,
                "[[item]]\nid = \"mocha\"\nname = \"Mocha\"\nunit_amount = -5\n",
            )
            .unwrap();
            assert_eq!(screen(), Screen::Admin);
            tap(&app, "Reload catalog");
            let message = staff().get_message().to_string();
            assert!(
                message.starts_with("Catalog not reloaded, the previous one stays in use"),
                "{message}"
            );
            assert!(
                message.contains("catalog.toml"),
                "names the file: {message}"
            );
            assert_eq!(
                app.global::<CatalogAdapter>().get_tiles().row_count(),
                1,
                "still only the Latte under Coffee"
            );
            std::fs::write(
                &catalog_path,
                format!(
                    "{}\n[[item]]\nid = \"mocha\"\nname = \"Mocha\"\nunit_amount = 390\ncategory = \"Coffee\"\n",
                    common::CATALOG
                ),
            )
            .unwrap();
            tap(&app, "Reload catalog");
            assert_eq!(staff().get_message(), "Catalog reloaded: 3 items.");
            })
            .await;
        steps
            .run(
                "the admin screen locks itself; the new catalog is on sale",
                async {
                    // Left alone, the admin screen locks itself; the new catalog is on sale.
                    until(&rt, "the auto-lock", || screen() == Screen::Catalog).await;
                    assert!(
                        ElementHandle::find_by_accessible_label(&app, "Add Mocha")
                            .next()
                            .is_some()
                    );
                },
            )
            .await;
        steps
            .run(
                "a custom amount with a description joins the cart and is charged",
                async {
                    // A custom amount, keyed like a till, joins the cart as its own line and is charged as inline price_data.
                    tap(&app, "Add Latte");
                    tap(&app, "+ Custom amount");
                    assert_eq!(screen(), Screen::Amount);
                    let cart = || app.global::<CartAdapter>();
                    let amount = || app.global::<AmountAdapter>();
                    assert!(!amount().get_can_add(), "nothing keyed, nothing to add");
                    for key in ["0", "1", "2", "5", "0"] {
                        tap(&app, key);
                    }
                    assert_eq!(amount().get_amount(), "£12.50");
                    tap(&app, "Erase");
                    tap(&app, "0");
                    // The optional description, typed on the on-screen keyboard: a capital first, then small letters.
                    tap(&app, "Add description");
                    assert_eq!(screen(), Screen::Describe);
                    for key in [
                        "G", "i", "f", "t", "Space", "Space", "c", "a", "r", "d", "Erase", "d",
                    ] {
                        tap(&app, key);
                    }
                    assert_eq!(
                        app.global::<DescribeAdapter>().get_description(),
                        "Gift card",
                        "no double space"
                    );
                    tap(&app, "Done");
                    assert_eq!(screen(), Screen::Amount);
                    assert_eq!(amount().get_amount(), "£12.50", "the amount was kept");
                    tap(&app, "Add");
                    assert_eq!(screen(), Screen::Catalog);
                    let lines: Vec<(String, String)> = cart()
                        .get_lines()
                        .iter()
                        .map(|l| (l.name.to_string(), l.amount.to_string()))
                        .collect();
                    assert_eq!(
                        lines,
                        [
                            ("Latte".to_owned(), "£3.40".to_owned()),
                            ("Gift card".to_owned(), "£12.50".to_owned())
                        ]
                    );
                    assert_eq!(cart().get_total(), "£15.90");
                    tap(&app, "Charge £15.90");
                    until(&rt, "the session", || sim.sessions().len() == 3).await;
                    let session = sim.sessions().last().cloned().unwrap();
                    assert_eq!(session["amount_total"], 1590);
                    let items = &session["line_items"]["data"];
                    assert_eq!(items[1]["price"]["unit_amount"], 1250);
                    assert_eq!(items[1]["description"], "Gift card");
                    tap(&app, "Cancel");
                    until(&rt, "the cancelled sale", || screen() == Screen::Result).await;
                    tap(&app, "Done");
                    tap(&app, "Clear cart");
                },
            )
            .await;
        steps
            .run("wrong PINs warn, then lock the keypad out", async {
                // Wrong PINs: two warnings, then a lockout during which even the keypad is disabled.
                tap(&app, "Staff");
                type_pin(&app, "1111");
                until(&rt, "the first warning", || {
                    pin().get_message().contains("Wrong PIN")
                })
                .await;
                assert!(
                    pin().get_message().contains("2 more tries"),
                    "{}",
                    pin().get_message()
                );
                type_pin(&app, "1112");
                until(&rt, "the second warning", || {
                    pin().get_message().contains("1 more try before")
                })
                .await;
                type_pin(&app, "1113");
                until(&rt, "the lockout", || pin().get_locked_out()).await;
                assert!(
                    pin().get_message().contains("Try again in 0:"),
                    "{}",
                    pin().get_message()
                );
                assert!(
                    !enabled(&app, "5"),
                    "the keypad is disabled while locked out"
                );
                assert_eq!(screen(), Screen::Pin);
                tap(&app, "Back to sales");
                assert_eq!(screen(), Screen::Catalog);
            })
            .await;
        steps
    });
    drop(kiosk);
}
