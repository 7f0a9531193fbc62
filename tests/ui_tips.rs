//! Tips through the real UI, headless, against the in-process simulator: with `tip_percentages` set, Charge
//! asks "Add a tip?", the chosen tip is its own line on the WooshPay session and in the journal, and "No tip"
//! charges the cart as it is. One test function: the testing backend is per process.

mod common;

use slint::{ComponentHandle, Model};
use wooshpay_kiosk::simulator::SessionAction;
use wooshpay_kiosk::ui::{KioskAdapter, PaymentAdapter, Screen, TipAdapter};

use common::ui::{Rig, catalog, run_flow, shows, tap, until};

#[test]
fn the_customer_chooses_a_tip_or_no_tip_and_the_sale_carries_it() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "ui-tips", rt.clone());
    let (app, kiosk) = common::ui::start_kiosk(engine.clone(), catalog(common::CATALOG), &rt)
        .tips(&[10, 15, 20])
        .attach();
    let h_app = app.clone_strong();
    run_flow(async move {
        let app = h_app;
        let screen = || app.global::<KioskAdapter>().get_screen();
        let mut steps = common::ui::Steps::default();
        steps
            .run(
                "a 15 % tip is its own line on the session and in the journal",
                async {
                    common::after_retrieves(&sim, 1, SessionAction::Pay);
                    tap(&app, "Add Latte");
                    tap(&app, "Charge £3.40");
                    assert_eq!(screen(), Screen::Tip);
                    assert!(shows(&app, "Add a tip?"));
                    let choices: Vec<(String, String)> = app
                        .global::<TipAdapter>()
                        .get_choices()
                        .iter()
                        .map(|c| (c.percent.to_string(), c.amount.to_string()))
                        .collect();
                    assert_eq!(
                        choices,
                        [
                            ("10 %".to_owned(), "£0.34".to_owned()),
                            ("15 %".to_owned(), "£0.51".to_owned()),
                            ("20 %".to_owned(), "£0.68".to_owned())
                        ]
                    );
                    assert!(shows(&app, "No tip"), "No tip is offered as prominently");
                    tap(&app, "15 %, £0.51");
                    until(&rt, "the payment screen", || screen() == Screen::Payment).await;
                    assert_eq!(app.global::<PaymentAdapter>().get_total(), "£3.91");
                    until(&rt, "the Paid screen", || screen() == Screen::Result).await;
                    let session = sim.sessions().pop().unwrap();
                    assert_eq!(session["amount_total"], 391);
                    let items = session["line_items"]["data"].as_array().unwrap();
                    assert_eq!(items.len(), 2, "{items:?}");
                    assert_eq!(
                        (&items[1]["description"], &items[1]["price"]["unit_amount"]),
                        (&serde_json::json!("Tip"), &serde_json::json!(51))
                    );
                    let sale = engine.with_journal(|j| j.recent(1).unwrap().remove(0));
                    assert_eq!((sale.tip_amount, sale.amount_total), (51, 391));
                    let shift = engine.with_journal(|j| j.current_shift().unwrap());
                    assert_eq!(shift.tips, [("GBP".to_owned(), 51)]);
                    tap(&app, "Done");
                },
            )
            .await;
        steps
            .run("No tip charges the cart as it is", async {
                common::after_retrieves(&sim, 1, SessionAction::Pay);
                // The croissant has no category: it is under Other.
                tap(&app, "Other");
                tap(&app, "Add Butter croissant");
                tap(&app, "Charge £2.75");
                tap(&app, "No tip");
                until(&rt, "the Paid screen", || screen() == Screen::Result).await;
                let session = sim.sessions().pop().unwrap();
                assert_eq!(session["amount_total"], 275);
                assert_eq!(session["line_items"]["data"].as_array().unwrap().len(), 1);
                let sale = engine.with_journal(|j| j.recent(1).unwrap().remove(0));
                assert_eq!(sale.tip_amount, 0);
                tap(&app, "Done");
            })
            .await;
        steps
            .run(
                "Back on the tip screen returns to the cart with nothing charged",
                async {
                    let before = sim.sessions().len();
                    tap(&app, "Coffee");
                    tap(&app, "Add Latte");
                    tap(&app, "Charge £3.40");
                    tap(&app, "Back");
                    assert_eq!(screen(), Screen::Catalog);
                    assert_eq!(sim.sessions().len(), before);
                },
            )
            .await;
        steps
    });
    drop(kiosk);
}
