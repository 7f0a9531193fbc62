//! Stock through the real UI, headless, against the in-process simulator: a counted item sells out when paid
//! sales take the last one, a sold-out tile adds nothing, staff mark items sold out and back, and a cart line
//! whose item sells out before Charge is flagged and holds Charge back.
//! One test function: the testing backend is per process.

mod common;

use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use slint::{ComponentHandle, Model};
use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::simulator::SessionAction;
use wooshpay_kiosk::ui::{AdminAdapter, CartAdapter, CatalogAdapter, KioskAdapter, Screen};

use common::ui::{Rig, enabled, run_flow, tap, until};

const CATALOG: &str = r#"
[[item]]
id = "latte"
name = "Latte"
unit_amount = 340
stock = 1

[[item]]
id = "croissant"
name = "Butter croissant"
unit_amount = 275
"#;

#[test]
fn stock_sells_out_on_paid_sales_and_staff_mark_items_sold_out_and_back() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let catalog_path = state.path().join("catalog.toml");
    std::fs::write(&catalog_path, CATALOG).unwrap();
    let catalog = Catalog::load(&catalog_path, Currency::from_code("GBP").unwrap()).unwrap();

    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "ui-stock", rt.clone());
    let (app, kiosk) = common::ui::start_kiosk(engine.clone(), catalog, &rt)
        .staff_pin("2468", Duration::from_secs(60))
        .catalog_file(&catalog_path)
        .attach();
    let h_app = app.clone_strong();
    run_flow(async move {
        let app = h_app;
        let screen = || app.global::<KioskAdapter>().get_screen();
        let tile_sold_out = |id: &str| {
            app.global::<CatalogAdapter>()
                .get_tiles()
                .iter()
                .find(|t| t.id == id)
                .unwrap()
                .sold_out
        };
        let cart = || {
            app.global::<CartAdapter>()
                .get_lines()
                .iter()
                .map(|l| (l.id.to_string(), l.quantity, l.sold_out))
                .collect::<Vec<_>>()
        };
        // A tap through an accessibility tool reaches the tile even when it is greyed out: the kiosk itself
        // must refuse it.
        let force_tap = |label: &str| {
            ElementHandle::find_by_accessible_label(&app, label)
                .next()
                .unwrap_or_else(|| panic!("no control labelled {label:?}"))
                .invoke_accessible_default_action();
        };
        let open_staff = || common::ui::open_staff(&app, "2468");

        let mut steps = common::ui::Steps::default();
        steps
            .run("the last latte sells out when its sale is paid", async {
                assert!(!tile_sold_out("latte"));
                tap(&app, "Add Latte");
                force_tap("Add Latte");
                assert_eq!(
                    cart(),
                    [("latte".to_owned(), 1, false)],
                    "one latte is left: the cart cannot hold two"
                );
                common::after_retrieves(&sim, 1, SessionAction::Pay);
                tap(&app, "Charge £3.40");
                until(&rt, "the Paid screen", || screen() == Screen::Result).await;
                assert!(tile_sold_out("latte"), "the paid sale took the last one");
                tap(&app, "Done");
                assert!(!enabled(&app, "Latte sold out"));
                force_tap("Latte sold out");
                assert!(cart().is_empty(), "a sold-out tile adds nothing");
                let latte = engine.with_journal(|j| j.stock_levels().unwrap());
                assert_eq!(latte[0].remaining, Some(0));
            })
            .await;
        steps
            .run(
                "staff mark an item available again and another sold out",
                async {
                    open_staff();
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    let rows = app.global::<AdminAdapter>().get_stock();
                    let latte = rows.iter().find(|r| r.id == "latte").unwrap();
                    assert!(latte.sold_out && latte.counted && latte.remaining == 0);
                    tap(&app, "Mark available: Latte");
                    assert!(!tile_sold_out("latte"));
                    tap(&app, "Mark sold out: Butter croissant");
                    assert!(tile_sold_out("croissant"));
                    tap(&app, "Lock");
                    assert_eq!(screen(), Screen::Catalog);
                    assert!(!enabled(&app, "Butter croissant sold out"));
                },
            )
            .await;
        steps
            .run(
                "a cart line that sells out before Charge is flagged",
                async {
                    open_staff();
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    tap(&app, "Mark available: Butter croissant");
                    tap(&app, "Lock");
                    tap(&app, "Add Butter croissant");
                    tap(&app, "Add Latte");
                    assert!(app.global::<CartAdapter>().get_can_charge());
                    // Meanwhile the last croissant went: staff mark it on the staff screen.
                    open_staff();
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    tap(&app, "Mark sold out: Butter croissant");
                    tap(&app, "Lock");
                    assert_eq!(
                        cart(),
                        [
                            ("croissant".to_owned(), 1, true),
                            ("latte".to_owned(), 1, false)
                        ]
                    );
                    assert!(!app.global::<CartAdapter>().get_can_charge());
                    tap(&app, "Remove Butter croissant");
                    assert!(app.global::<CartAdapter>().get_can_charge());
                    // The marks are in the journal, so they outlive the process.
                    let levels = engine.with_journal(|j| j.stock_levels().unwrap());
                    assert!(
                        levels
                            .iter()
                            .any(|l| l.item_id == "croissant" && l.sold_out)
                    );
                },
            )
            .await;
        steps
            .run(
                "a sale paid after its item sold out is recorded as oversold, never clamped away",
                async {
                    tap(&app, "Remove Latte");
                    // Staff count one latte onto the shelf.
                    open_staff();
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    tap(&app, "One more Latte");
                    tap(&app, "Lock");
                    // A customer left with the pay page of a sale for that latte open (its screen went away).
                    let session = common::ui::abandoned_sale(&engine, &rt, "latte").await;
                    // The next customer buys the last latte on screen.
                    tap(&app, "Add Latte");
                    common::after_retrieves(&sim, 1, SessionAction::Pay);
                    tap(&app, "Charge £3.40");
                    until(&rt, "the Paid screen", || screen() == Screen::Result).await;
                    tap(&app, "Done");
                    assert!(tile_sold_out("latte"));
                    // Then the first customer pays too; Re-check records it: two paid for one latte.
                    sim.pay(&session).unwrap();
                    open_staff();
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    // Re-check on that sale's row (the newest is the sale just paid).
                    assert!(
                        app.global::<AdminAdapter>()
                            .get_sales()
                            .iter()
                            .any(|sale| sale.outcome == "pending"),
                        "the first customer's sale is listed as pending"
                    );
                    common::ui::open_sale(&app, &session);
                    tap(&app, "Re-check");
                    let message = || app.global::<AdminAdapter>().get_message().to_string();
                    until(&rt, "the re-check answer", || {
                        !message().starts_with("Checking ")
                    })
                    .await;
                    assert!(message().contains("WooshPay says"), "{}", message());
                    let row = || {
                        app.global::<AdminAdapter>()
                            .get_stock()
                            .iter()
                            .find(|r| r.id == "latte")
                            .unwrap()
                    };
                    until(&rt, "the oversold latte on the staff screen", || {
                        row().oversold == 1
                    })
                    .await;
                    assert!(row().sold_out && row().remaining == 0);
                    assert!(
                        ElementHandle::find_by_accessible_label(
                            &app,
                            "Latte: Sold out, oversold by 1"
                        )
                        .next()
                        .is_some()
                    );
                    let levels = engine.with_journal(|j| j.stock_levels().unwrap());
                    let latte = levels.iter().find(|l| l.item_id == "latte").unwrap();
                    assert_eq!((latte.remaining, latte.oversold), (Some(0), 1));
                    // Staff counting the shelf again clears it.
                    tap(&app, "One more Latte");
                    assert_eq!(row().oversold, 0);
                    tap(&app, "Lock");
                },
            )
            .await;
        steps
    });
    drop(kiosk);
}
