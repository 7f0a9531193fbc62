//! Printing through the real UI, headless, against the in-process simulator and a fake printer (a device file
//! the test reads back and decodes): a paid sale prints its receipt and kitchen ticket, a missing printer never
//! holds up or changes the sale and its jobs print once it is back, staff reprint a receipt, and the receipt is in
//! the kiosk's language. One test function: the testing backend is per process.

mod common;
mod printer_support;

use std::time::Duration;

use slint::{ComponentHandle, Model};
use wooshpay_kiosk::printer::{PrinterConfig, PrinterTarget};
use wooshpay_kiosk::simulator::SessionAction;
use wooshpay_kiosk::ui::{AdminAdapter, KioskAdapter, ResultAdapter, Screen};

use common::ui::{Rig, catalog, run_flow, tap, type_pin, until};
use printer_support::escpos_text::decode;

/// What the fake printer has received so far, as the text lines it would print (48 columns: 80 mm paper).
fn printed(device: &std::path::Path) -> Vec<String> {
    std::fs::read(device)
        .map(|bytes| decode(&bytes, 48))
        .unwrap_or_default()
}

/// The id of the sale the staff screen lists with order number `label`.
fn listed_order(app: &wooshpay_kiosk::ui::AppWindow, label: &str) -> String {
    app.global::<AdminAdapter>()
        .get_sales()
        .iter()
        .find(|sale| sale.order_label == label)
        .unwrap_or_else(|| panic!("order {label} is listed"))
        .id
        .to_string()
}

fn count(lines: &[String], text: &str) -> usize {
    lines.iter().filter(|line| line.contains(text)).count()
}

#[test]
fn paid_sales_print_receipts_and_tickets_and_a_missing_printer_never_holds_up_a_sale() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let catalog = catalog(common::CATALOG);
    // The printer is unplugged when the kiosk starts: its device does not exist yet.
    let device = state.path().join("lp0");
    let config = PrinterConfig {
        target: PrinterTarget::Device(device.clone()),
        width_mm: 80,
        receipt: true,
        ticket: true,
        auto: true,
        footer: Some("See you soon".into()),
        ticket_max_age: std::time::Duration::from_secs(900),
    };
    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "till-2", rt.clone());
    let (app, kiosk) = common::ui::start_kiosk(engine.clone(), catalog, &rt)
        .staff_pin("2468", Duration::from_secs(60))
        .printer(config, &state.path().join("print-queue"))
        .attach();
    let h_app = app.clone_strong();
    run_flow(async move {
        let app = h_app;
        let screen = || app.global::<KioskAdapter>().get_screen();
        let printer_status = || {
            app.global::<AdminAdapter>()
                .get_status()
                .iter()
                .find(|row| row.label == "Printer" || row.label == "Drucker")
                .map(|row| row.value.to_string())
                .unwrap_or_default()
        };
        let mut steps = common::ui::Steps::default();
        steps
            .run(
                "a missing printer never holds up the sale; its jobs print when it is back",
                async {
                    common::after_retrieves(&sim, 1, SessionAction::Pay);
                    tap(&app, "Add Latte");
                    tap(&app, "Charge £3.40");
                    until(&rt, "the Paid screen", || screen() == Screen::Result).await;
                    assert_eq!(app.global::<ResultAdapter>().get_order_number(), 1);
                    tap(&app, "Done");
                    let sale = engine.with_journal(|j| j.recent(1).unwrap().remove(0));
                    assert_eq!(
                        sale.order_number,
                        Some(1),
                        "the sale is recorded paid all the same"
                    );
                    let session = sale.session_id.clone().unwrap();

                    // Staff see why nothing came out, and that the jobs are kept.
                    tap(&app, "Staff");
                    type_pin(&app, "2468");
                    until(&rt, "the printer's failure on the staff screen", || {
                        printer_status().starts_with("not printing")
                    })
                    .await;
                    assert!(
                        printer_status().contains("2 waiting"),
                        "{}",
                        printer_status()
                    );
                    tap(&app, "Lock");

                    // Plugged in: the worker's next try prints both, receipt then ticket.
                    std::fs::File::create(&device).unwrap();
                    until(&rt, "the receipt and ticket on paper", || {
                        count(&printed(&device), "--- cut ---") == 2
                    })
                    .await;
                    let lines = printed(&device);
                    for expected in [
                        "Welcome",
                        "Order 1",
                        "1 × Latte",
                        "£3.40",
                        "Paid with WooshPay",
                        &session,
                        "till-2",
                        "See you soon",
                    ] {
                        assert!(
                            count(&lines, expected) >= 1,
                            "{expected:?} not on the receipt:\n{}",
                            lines.join("\n")
                        );
                    }
                    // The kitchen's ticket: the number and what to make, no prices.
                    let ticket_start = lines
                        .iter()
                        .position(|l| l.contains("--- cut ---"))
                        .unwrap()
                        + 1;
                    let ticket = &lines[ticket_start..];
                    assert!(
                        count(ticket, "1") >= 1 && count(ticket, "Latte") == 1,
                        "{ticket:?}"
                    );
                    assert_eq!(
                        count(ticket, "£"),
                        0,
                        "no prices on the kitchen ticket: {ticket:?}"
                    );
                },
            )
            .await;
        steps
            .run("staff reprint a receipt, in the kiosk's language", async {
                let before = count(&printed(&device), "--- cut ---");
                tap(&app, "Staff");
                type_pin(&app, "2468");
                until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                tap(&app, "Language: English");
                tap(&app, "语言：简体中文");
                assert_eq!(app.global::<KioskAdapter>().get_language(), "de");
                // Reprint sits on the sale's detail: order 1's row, then Reprint.
                let first = listed_order(&app, "1");
                common::ui::open_sale(&app, &first);
                tap(&app, "Nachdrucken");
                tap(&app, "Schließen");
                until(&rt, "the reprint", || {
                    count(&printed(&device), "--- cut ---") == before + 1
                })
                .await;
                let lines = printed(&device);
                assert!(count(&lines, "Bestellung 1") == 1, "{}", lines.join("\n"));
                assert!(count(&lines, "Bezahlt mit WooshPay") == 1);
                assert!(count(&lines, "3,40") >= 1);
                // Back in order: the status says so, in German too.
                until(&rt, "the printer ready again", || {
                    printer_status() == "bereit"
                })
                .await;
            })
            .await;
        steps
            .run(
                "a sale recorded paid by a Re-check is printed, once",
                async {
                    // A sale whose screen went away while it awaited payment; the customer paid meanwhile.
                    let id = common::ui::abandoned_sale(&engine, &rt, "croissant").await;
                    sim.pay(&id).unwrap();
                    let before = count(&printed(&device), "--- cut ---");
                    // Still on the staff screen, in German: order 1's detail, Reprint.
                    let first = listed_order(&app, "1");
                    common::ui::open_sale(&app, &first);
                    tap(&app, "Nachdrucken");
                    until(&rt, "the reprint", || {
                        count(&printed(&device), "--- cut ---") == before + 1
                    })
                    .await;
                    // The staff screen lists the sale once it is opened again.
                    tap(&app, "Sperren");
                    tap(&app, "Personal");
                    type_pin(&app, "2468");
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    let re_check = app
                        .global::<AdminAdapter>()
                        .get_sales()
                        .iter()
                        .position(|sale| sale.id == id.as_str())
                        .unwrap();
                    assert_eq!(re_check, 0, "the newest sale is listed first");
                    common::ui::open_sale(&app, &id);
                    tap(&app, "Prüfen");
                    until(&rt, "the late sale's receipt and ticket", || {
                        count(&printed(&device), "--- cut ---") == before + 3
                    })
                    .await;
                    let lines = printed(&device);
                    assert_eq!(count(&lines, "Bestellung 2"), 1, "its receipt");
                    // Its kitchen ticket, in the staff's language (German, chosen on the staff screen above).
                    assert_eq!(count(&lines, "Küche"), 1, "{}", lines.join("\n"));
                    // Asking again prints nothing more: the journal knows it was printed.
                    app.global::<AdminAdapter>().set_message("".into());
                    common::ui::open_sale(&app, &id);
                    tap(&app, "Prüfen");
                    until(&rt, "the second answer", || {
                        app.global::<AdminAdapter>()
                            .get_message()
                            .contains(id.as_str())
                    })
                    .await;
                    assert_eq!(count(&printed(&device), "--- cut ---"), before + 3);
                },
            )
            .await;
        steps
    });
    drop(kiosk);
}
