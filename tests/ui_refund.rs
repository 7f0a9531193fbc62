//! A refund driven through the real UI, headless, against the in-process simulator: the sale's row on the staff
//! screen, its detail, the amount keypad (never past what is left), the reason, "goods returned", the
//! confirmation (a double tap sends one refund), WooshPay's answer, and the figures afterwards.
//! One test function: the testing backend is per process.

mod common;

use std::time::Duration;

use slint::{ComponentHandle, Model};
use wooshpay_kiosk::checkout::Order;
use wooshpay_kiosk::journal::{JOURNAL_FILE, Journal, StockUpdate};
use wooshpay_kiosk::simulator::SessionAction;
use wooshpay_kiosk::ui::{AdminAdapter, KioskAdapter, SaleAdapter, Screen};

use common::ui::{Rig, open_sale, open_staff, run_flow, tap, until};

#[test]
fn staff_refund_part_of_a_sale_from_the_screen_once() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    // The latte carries 20 % VAT inside its price: £3.40 is £2.83 net and £0.57 tax.
    let catalog = common::ui::catalog(
        &common::CATALOG.replace("unit_amount = 340", "unit_amount = 340\ntax_rate = 20"),
    );
    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "ui-refund", rt.clone());
    // Five lattes on the shelf; one sold and paid before staff arrive.
    engine
        .with_journal(|journal| journal.update_stock("latte", StockUpdate::Remaining(Some(5))))
        .unwrap();
    common::after_retrieves(&sim, 1, SessionAction::Pay);
    let order = Order::from_quantities(&catalog, &[("latte".to_owned(), 1)]).unwrap();
    let paid = runtime.block_on(engine.start_charge(order).unwrap().outcome());
    assert!(paid.is_paid());
    sim.set_auto_action(None);
    let session = paid.session().unwrap().id.clone();

    let (app, _kiosk) = common::ui::start_kiosk(engine.clone(), catalog, &rt)
        .staff_pin("2468", Duration::from_secs(600))
        .attach();
    let h_app = app.clone_strong();
    let journal_path = state.path().join(JOURNAL_FILE);
    run_flow(async move {
        let app = h_app;
        let sale = || app.global::<SaleAdapter>();
        let screen = || app.global::<KioskAdapter>().get_screen();
        let mut steps = common::ui::Steps::default();
        steps
            .run("the sale's row opens its detail", async {
                open_staff(&app, "2468");
                until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                open_sale(&app, &session);
                assert!(sale().get_open());
                assert_eq!(sale().get_step(), 0);
                let rows: Vec<(String, String)> = sale()
                    .get_rows()
                    .iter()
                    .map(|r| (r.label.to_string(), r.value.to_string()))
                    .collect();
                assert!(rows.contains(&("Paid".into(), "£3.40".into())), "{rows:?}");
                assert!(
                    rows.contains(&("Left to refund".into(), "£3.40".into())),
                    "{rows:?}"
                );
            })
            .await;
        steps
            .run(
                "the keypad starts at what is left and never goes past it",
                async {
                    tap(&app, "Refund");
                    assert_eq!(sale().get_step(), 1);
                    assert_eq!(sale().get_amount(), "£3.40");
                    // 1, 5, 0 → £1.50; a fourth digit would be £15.00, more than is left: ignored.
                    for key in ["1", "5", "0", "0"] {
                        tap(&app, key);
                    }
                    assert_eq!(sale().get_amount(), "£1.50");
                    tap(&app, "Next");
                    assert_eq!(sale().get_step(), 2);
                    assert_eq!(
                        sale().get_confirm_text(),
                        "Refund £1.50 of order 1 to the customer's card?"
                    );
                },
            )
            .await;
        steps
            .run(
                "reason, goods returned, and a double tap sends one refund",
                async {
                    tap(&app, "Paid twice");
                    assert_eq!(sale().get_reason(), "duplicate");
                    tap(&app, "Goods returned (back into stock)");
                    assert!(sale().get_goods_returned());
                    assert_eq!(
                        sale().get_confirm_text(),
                        "Refund £1.50 of order 1 to the customer's card?\nBack into stock: 1 × Latte"
                    );
                    // Two taps before the screen changes: the second sends nothing.
                    sale().invoke_confirm();
                    sale().invoke_confirm();
                    until(&rt, "WooshPay's answer", || sale().get_step() == 4).await;
                    assert_eq!(sale().get_answer(), "Refunded £1.50.");
                    assert!(sale().get_answer_ok());
                    let refunds = sim.refunds();
                    assert_eq!(refunds.len(), 1, "one refund: {refunds:#?}");
                    assert_eq!(refunds[0]["amount"], 150);
                    assert_eq!(refunds[0]["reason"], "duplicate");
                    let posts = sim
                        .requests()
                        .iter()
                        .filter(|r| r.method == "POST" && r.path == "/v1/refunds")
                        .count();
                    assert_eq!(posts, 1, "one request");
                    // The fleet's metrics count it: one refund succeeded, £1.50 of GBP.
                    let metrics = wooshpay_kiosk::metrics::prometheus_text();
                    for series in [
                        "wooshpay_kiosk_refunds_total{result=\"succeeded\"} 1\n",
                        "wooshpay_kiosk_refunded_minor_units_total{currency=\"GBP\"} 150\n",
                    ] {
                        assert!(metrics.contains(series), "{series} in:\n{metrics}");
                    }
                },
            )
            .await;
        steps
            .run(
                "the figures afterwards: refunded, left, the list, the stock",
                async {
                    tap(&app, "Done");
                    assert_eq!(sale().get_step(), 0);
                    let rows: Vec<(String, String)> = sale()
                        .get_rows()
                        .iter()
                        .map(|r| (r.label.to_string(), r.value.to_string()))
                        .collect();
                    assert!(
                        rows.contains(&("Refunded".into(), "£1.50".into())),
                        "{rows:?}"
                    );
                    assert!(
                        rows.contains(&("Left to refund".into(), "£1.90".into())),
                        "{rows:?}"
                    );
                    tap(&app, "Close");
                    assert!(!sale().get_open());
                    let row = app
                        .global::<AdminAdapter>()
                        .get_sales()
                        .row_data(0)
                        .unwrap();
                    assert_eq!(row.refunded, "£1.50");
                    // The shift card: gross, refunded and net.
                    let shift: Vec<String> = app
                        .global::<AdminAdapter>()
                        .get_shift_lines()
                        .iter()
                        .map(|line| line.to_string())
                        .collect();
                    // The tax kept after the refund's share: £1.50 × 57 / 340 = £0.25 (half up) of the £0.57.
                    for line in [
                        "Gross paid: £3.40",
                        "Refunded: £1.50 (refunds: 1)",
                        "Net: £1.90",
                        "Tax 20%: £1.58 + £0.32 Tax = £1.90",
                    ] {
                        assert!(shift.contains(&line.to_owned()), "{line:?} in {shift:?}");
                    }
                    // Goods returned: the latte is back on the shelf (5, one sold, one back).
                    let journal = Journal::open_read_only(&journal_path).unwrap();
                    let latte = journal
                        .stock_levels()
                        .unwrap()
                        .into_iter()
                        .find(|level| level.item_id == "latte")
                        .unwrap();
                    assert_eq!(latte.remaining, Some(5), "{latte:?}");
                },
            )
            .await;
        steps
            .run(
                "Close shift says gross, refunded, net and the tax kept",
                async {
                    tap(&app, "Close shift");
                    let message = app.global::<AdminAdapter>().get_message().to_string();
                    assert!(
                        message.contains(
                            "1 sales, 1 paid, £3.40 gross, 0 expired, 0 cancelled, \
                             £1.50 refunded, £1.90 net, Tax 20%: £1.58 + £0.32 Tax = £1.90"
                        ),
                        "{message}"
                    );
                    let past: Vec<String> = app
                        .global::<AdminAdapter>()
                        .get_past_shifts()
                        .iter()
                        .map(|line| line.to_string())
                        .collect();
                    assert!(
                        past[0].ends_with(
                            "£1.50 refunded, £1.90 net, Tax 20%: £1.58 + £0.32 Tax = £1.90"
                        ),
                        "{past:?}"
                    );
                },
            )
            .await;
        steps
    });
}
