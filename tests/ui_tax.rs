//! A US counter through the real UI, headless, against the in-process simulator: prices exclude tax, so the
//! cart shows the sales tax as its own line and every amount the customer is shown (the cart's total, Charge,
//! the tip screen, the payment screen) is the one WooshPay charges. Tips are worked out on the goods before tax
//! and carry none. One test function: the testing backend is per process.

mod common;

use slint::{ComponentHandle, Model};
use wooshpay_kiosk::simulator::SessionAction;
use wooshpay_kiosk::tax::{Pricing, TaxRate, TaxSettings};
use wooshpay_kiosk::ui::{CartAdapter, KioskAdapter, PaymentAdapter, Screen, TipAdapter};

use common::ui::{Rig, catalog, run_flow, shows, tap, until};

#[test]
fn a_us_counter_shows_and_charges_the_total_with_sales_tax() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let _guard = runtime.enter();
    // 7.5 % sales tax on top of shelf prices: a $3.40 latte is 25.5 cents of tax, rounded half up to 26.
    let engine = common::engine::TestEngine::new(&sim.api_base_url(), "ui-tax")
        .retries(1, 20, 50)
        .tax(TaxSettings {
            default_rate: Some(TaxRate::parse("7.5").unwrap()),
            name: "Sales tax".into(),
            pricing: Pricing::TaxAdded,
        })
        .build(state.path(), rt.clone());
    let (app, kiosk) = common::ui::start_kiosk(engine.clone(), catalog(common::CATALOG), &rt)
        .tips(&[10, 15, 20])
        .attach();
    let h_app = app.clone_strong();
    run_flow(async move {
        let app = h_app;
        let screen = || app.global::<KioskAdapter>().get_screen();
        let cart = || app.global::<CartAdapter>();
        let mut steps = common::ui::Steps::default();
        steps
            .run(
                "the cart shows the tax and a total that includes it",
                async {
                    tap(&app, "Add Latte");
                    assert_eq!(cart().get_tax_name(), "Sales tax");
                    assert_eq!(cart().get_tax(), "£0.26");
                    assert!(shows(&app, "Sales tax"), "the tax line is on screen");
                    assert_eq!(cart().get_total(), "£3.66");
                    // The item's own line keeps its shelf price.
                    assert_eq!(cart().get_lines().row_data(0).unwrap().amount, "£3.40");
                },
            )
            .await;
        steps
            .run(
                "Charge, the tip screen and the payment screen name what WooshPay charges",
                async {
                    common::after_retrieves(&sim, 1, SessionAction::Pay);
                    tap(&app, "Charge £3.66");
                    assert_eq!(screen(), Screen::Tip);
                    assert_eq!(app.global::<TipAdapter>().get_total(), "£3.66");
                    // 10 % of the goods ($3.40), not of the tax.
                    let first = app
                        .global::<TipAdapter>()
                        .get_choices()
                        .row_data(0)
                        .unwrap();
                    assert_eq!(first.amount, "£0.34");
                    tap(&app, "10 %, £0.34");
                    until(&rt, "the payment screen", || screen() == Screen::Payment).await;
                    assert_eq!(app.global::<PaymentAdapter>().get_total(), "£4.00");
                    until(&rt, "the Paid screen", || screen() == Screen::Result).await;
                    let session = sim.sessions().pop().unwrap();
                    assert_eq!(session["amount_total"], 400, "{session:#}");
                    let sale = engine.with_journal(|j| j.recent(1).unwrap().remove(0));
                    assert_eq!((sale.tip_amount, sale.amount_total), (34, 400));
                    tap(&app, "Done");
                },
            )
            .await;
        steps
            .run("an empty cart shows no tax line", async {
                assert_eq!(cart().get_tax(), "");
                assert!(!shows(&app, "Sales tax"));
            })
            .await;
        steps
    });
    drop(kiosk);
}
