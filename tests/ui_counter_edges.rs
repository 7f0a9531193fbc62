//! The counter's ledger at its edges, through the real UI, headless, against the in-process simulator: order
//! numbers that never repeat within a shift and tell kiosks apart, a catalog that never changes under a cart,
//! a late payment across Close shift, and a sale paid while nothing printed it. One test function: the testing
//! backend is per process.

mod common;
mod printer_support;

use std::time::Duration;

use i_slint_backend_testing::ElementHandle;
use slint::{ComponentHandle, Model};
use wooshpay_kiosk::journal::JOURNAL_FILE;
use wooshpay_kiosk::printer::{PrinterConfig, PrinterTarget};
use wooshpay_kiosk::simulator::SessionAction;
use wooshpay_kiosk::ui::{AdminAdapter, CartAdapter, KioskAdapter, ResultAdapter, Screen};

use common::ui::{Rig, catalog, run_flow, tap, until};
use printer_support::escpos_text::decode;

/// What the fake printer has received so far, as text lines (48 columns: 80 mm paper).
fn printed(device: &std::path::Path) -> Vec<String> {
    std::fs::read(device)
        .map(|bytes| decode(&bytes, 48))
        .unwrap_or_default()
}

fn strings(model: slint::ModelRc<slint::SharedString>) -> Vec<String> {
    model.iter().map(|s| s.to_string()).collect()
}

fn count(lines: &[String], text: &str) -> usize {
    lines.iter().filter(|line| line.contains(text)).count()
}

#[test]
fn order_numbers_and_catalogs_hold_at_the_counters_edges() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let device = state.path().join("lp0");
    std::fs::File::create(&device).unwrap();
    let config = PrinterConfig {
        target: PrinterTarget::Device(device.clone()),
        width_mm: 80,
        receipt: true,
        ticket: true,
        auto: true,
        footer: None,
        ticket_max_age: std::time::Duration::from_secs(900),
    };
    let catalog_path = state.path().join("catalog.toml");
    std::fs::write(&catalog_path, common::CATALOG).unwrap();
    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "till-2", rt.clone());
    let (app, _kiosk) = common::ui::start_kiosk(engine.clone(), catalog(common::CATALOG), &rt)
        .staff_pin("2468", Duration::from_secs(60))
        .printer(config, &state.path().join("print-queue"))
        .order_prefix("B")
        .catalog_file(&catalog_path)
        .attach();
    let journal_path = state.path().join(JOURNAL_FILE);
    run_flow(async move {
        let screen = || app.global::<KioskAdapter>().get_screen();
        let mut steps = common::ui::Steps::default();
        steps
            .run(
                "order 999 is followed by 1000, never by 1 again, and the prefix and kiosk are on paper",
                async {
                    // A busy shift: 999 orders called already.
                    rusqlite::Connection::open(&journal_path)
                        .unwrap()
                        .execute(
                            "UPDATE journal_meta SET value = '999' WHERE key = 'last_order_number'",
                            [],
                        )
                        .unwrap();
                    common::after_retrieves(&sim, 1, SessionAction::Pay);
                    tap(&app, "Add Latte");
                    tap(&app, "Charge £3.40");
                    until(&rt, "the Paid screen", || screen() == Screen::Result).await;
                    let result = app.global::<ResultAdapter>();
                    assert_eq!(result.get_order_number(), 1000);
                    assert_eq!(result.get_order_label(), "B-1000");
                    until(&rt, "the receipt and ticket on paper", || {
                        count(&printed(&device), "--- cut ---") == 2
                    })
                    .await;
                    let lines = printed(&device);
                    let cut = lines.iter().position(|l| l.contains("--- cut ---")).unwrap();
                    let (receipt, ticket) = lines.split_at(cut + 1);
                    assert_eq!(count(receipt, "Order B-1000"), 1, "{}", receipt.join("\n"));
                    assert_eq!(count(ticket, "B-1000"), 1, "{}", ticket.join("\n"));
                    assert_eq!(count(ticket, "Kiosk: till-2"), 1, "{}", ticket.join("\n"));
                    tap(&app, "Done");
                },
            )
            .await;
        steps
            .run(
                "staff's Reload catalog waits for the cart on screen, as the feed does",
                async {
                    let total = || app.global::<CartAdapter>().get_total().to_string();
                    let has_tile = |label: &str| {
                        ElementHandle::find_by_accessible_label(&app, label)
                            .next()
                            .is_some()
                    };
                    tap(&app, "Add Latte");
                    tap(&app, "Add Latte");
                    assert_eq!(total(), "£6.80");
                    // The owner raises the latte's price in the file while a customer's cart is on screen.
                    std::fs::write(
                        &catalog_path,
                        format!(
                            "{}\n[[item]]\nid = \"mocha\"\nname = \"Mocha\"\nunit_amount = 390\ncategory = \"Coffee\"\n",
                            common::CATALOG.replace("unit_amount = 340", "unit_amount = 440")
                        ),
                    )
                    .unwrap();
                    common::ui::open_staff(&app, "2468");
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    tap(&app, "Reload catalog");
                    let message = app.global::<AdminAdapter>().get_message().to_string();
                    assert!(
                        message.contains("goes on sale when the cart is empty"),
                        "{message}"
                    );
                    tap(&app, "Lock");
                    assert_eq!(total(), "£6.80", "the customer's price did not change");
                    assert!(!has_tile("Add Mocha"), "not on sale under a cart");
                    // Paid at the price shown.
                    common::after_retrieves(&sim, 1, SessionAction::Pay);
                    tap(&app, "Charge £6.80");
                    until(&rt, "the Paid screen", || screen() == Screen::Result).await;
                    let sale = engine.with_journal(|j| j.recent(1).unwrap().remove(0));
                    assert_eq!(sale.amount_total, 680);
                    tap(&app, "Done");
                    // Between sales, the new catalog goes on sale by itself.
                    until(&rt, "the new catalog", || has_tile("Add Mocha")).await;
                    tap(&app, "Add Latte");
                    assert_eq!(total(), "£4.40");
                    tap(&app, "Remove Latte");
                },
            )
            .await;
        steps
            .run(
                "a sale pending at Close shift and paid afterwards counts in the next shift, as a late payment",
                async {
                    let staff = || app.global::<AdminAdapter>();
                    // A croissant whose customer has the pay page open when staff close the shift.
                    let session = common::ui::abandoned_sale(&engine, &rt, "croissant").await;
                    common::ui::open_staff(&app, "2468");
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    tap(&app, "Close shift");
                    let past = strings(staff().get_past_shifts());
                    assert!(past[0].contains("3 sales, 2 paid"), "{past:?}");
                    until(&rt, "the comparison with WooshPay", || {
                        !staff().get_message().contains("Comparing")
                    })
                    .await;
                    let lines = strings(staff().get_shift_lines());
                    assert!(lines.contains(&"1 sales, 0 paid".to_owned()), "{lines:?}");
                    assert!(lines.contains(&"1 not yet confirmed".to_owned()), "{lines:?}");

                    // The customer pays after the close; Re-check records it.
                    sim.pay(&session).unwrap();
                    common::ui::open_sale(&app, &session);
                    tap(&app, "Re-check");
                    until(&rt, "the re-check answer", || {
                        staff().get_message().contains("WooshPay says")
                    })
                    .await;
                    let lines = strings(staff().get_shift_lines());
                    assert!(lines.contains(&"1 sales, 1 paid".to_owned()), "{lines:?}");
                    assert!(lines.contains(&"Gross paid: £2.75".to_owned()), "{lines:?}");
                    assert!(
                        lines.contains(&"1 late payments of earlier sales (£2.75)".to_owned()),
                        "{lines:?}"
                    );

                    // Closing this shift counts it here, once, and compares it with WooshPay.
                    tap(&app, "Close shift");
                    let past = strings(staff().get_past_shifts());
                    assert!(past[0].contains("1 sales, 1 paid, £2.75 gross"), "{past:?}");
                    assert!(past[1].contains("3 sales, 2 paid"), "{past:?}");
                    until(&rt, "the comparison with WooshPay", || {
                        !staff().get_message().contains("Comparing")
                    })
                    .await;
                    let message = staff().get_message().to_string();
                    assert!(
                        message.contains("WooshPay agrees with the journal"),
                        "{message}"
                    );
                    assert!(strings(staff().get_shift_lines()).contains(&"0 sales, 0 paid".to_owned()));
                    tap(&app, "Lock");
                },
            )
            .await;
        steps
            .run(
                "a sale paid while nothing printed it: the receipt prints marked late, its old ticket waits for staff",
                async {
                    let staff = || app.global::<AdminAdapter>();
                    let cuts = || count(&printed(&device), "--- cut ---");
                    // Ordered two hours ago, paid while the kiosk was down.
                    let session = common::ui::abandoned_sale(&engine, &rt, "latte").await;
                    rusqlite::Connection::open(&journal_path)
                        .unwrap()
                        .execute(
                            "UPDATE sales SET created_ms = created_ms - 7200000 WHERE session_id = ?1",
                            [&session],
                        )
                        .unwrap();
                    sim.pay(&session).unwrap();
                    let before = cuts();
                    common::ui::open_staff(&app, "2468");
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    assert!(
                        staff().get_sales().iter().any(|sale| sale.outcome == "pending"),
                        "the sale is pending until re-checked"
                    );
                    common::ui::open_sale(&app, &session);
                    tap(&app, "Re-check");
                    until(&rt, "the late receipt on paper", || cuts() == before + 1).await;
                    let lines = printed(&device);
                    let receipt = &lines[lines.len().saturating_sub(30)..];
                    assert!(count(receipt, "LATE - paid") == 1, "{}", receipt.join("\n"));
                    let send = "Send 1 held kitchen tickets";
                    until(&rt, "the held ticket offered to staff", || {
                        common::ui::shows(&app, send)
                    })
                    .await;
                    tap(&app, send);
                    until(&rt, "the held ticket on paper", || cuts() == before + 2).await;
                    let lines = printed(&device);
                    let cut = lines.len() - 1;
                    let start = lines[..cut]
                        .iter()
                        .rposition(|l| l.contains("--- cut ---"))
                        .unwrap();
                    let ticket = &lines[start + 1..];
                    assert!(
                        count(ticket, "LATE - paid") == 1 && count(ticket, "Kiosk: till-2") == 1,
                        "{}",
                        ticket.join("\n")
                    );
                    until(&rt, "the button gone once sent", || {
                        !common::ui::shows(&app, send)
                    })
                    .await;
                    tap(&app, "Lock");
                },
            )
            .await;
        steps
    });
}
