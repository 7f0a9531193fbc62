//! Languages in the real UI, headless, against the in-process simulator: the kiosk starts in the language of
//! `[display] language` (German here), charges in it, and staff switch it to English and Chinese from the admin
//! screen; texts and amounts follow at once. One test function: the testing backend is per process.

mod common;

use std::time::Duration;

use slint::{ComponentHandle, Model};
use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::config::DisplaySettings;
use wooshpay_kiosk::i18n::Language;
use wooshpay_kiosk::money::{Currency, Money};
use wooshpay_kiosk::ui::{
    AdminAdapter, AppWindow, CartAdapter, KioskAdapter, ResultAdapter, Screen,
};

use common::ui::{Rig, run_flow, shows, tap, type_pin, until};

/// Opens the keypad from the catalog's Staff control, whatever it is called in the language of the moment.
fn unlock(app: &AppWindow, staff_label: &str) {
    tap(app, staff_label);
    type_pin(app, "2468");
}

#[test]
fn starts_in_the_configured_language_and_staff_switch_it() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let currency = Currency::from_code("GBP").unwrap();
    let catalog_path = state.path().join("catalog.toml");
    std::fs::write(&catalog_path, common::CATALOG).unwrap();
    let catalog = Catalog::load(&catalog_path, currency).unwrap();
    let latte = Money::new(catalog.item("latte").unwrap().unit_amount, currency);
    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "ui-language", rt.clone());

    let (app, kiosk) = common::ui::start_kiosk(engine, catalog, &rt)
        .display(DisplaySettings {
            language: Language::German,
            result_screen: Duration::from_secs(30),
            ..DisplaySettings::default()
        })
        .staff_pin("2468", Duration::from_secs(60))
        .catalog_file(&catalog_path)
        .attach();
    let h_app = app.clone_strong();
    run_flow(async move {
        let app = h_app;
        let screen = || app.global::<KioskAdapter>().get_screen();
        let cart = || app.global::<CartAdapter>();
        let status = |label: &str| {
            app.global::<AdminAdapter>()
                .get_status()
                .iter()
                .find(|row| row.label == label)
                .map(|row| row.value.to_string())
        };

        let german_latte = Language::German.format_money(latte);
        let mut steps = common::ui::Steps::default();
        steps
            .run("German from the start: texts, labels and amounts", async {
                // German from the start: texts, accessible labels, and amounts written the German way.
                assert_eq!(app.global::<KioskAdapter>().get_language(), "de");
                assert!(shows(&app, "Warenkorb"), "the cart heading is German");
                assert!(!shows(&app, "Cart"), "no English heading left");
                tap(&app, "Latte hinzufügen");
                assert_eq!(german_latte, "3,40\u{a0}£");
                assert_eq!(cart().get_total(), german_latte.as_str());
                assert!(shows(&app, &format!("Summe {german_latte}")));
            })
            .await;
        steps
            .run("a whole sale in German", async {
                // A whole sale in German: the payment screen, a cancel, the result.
                tap(&app, &format!("{german_latte} kassieren"));
                until(&rt, "the QR code", || shows(&app, "QR-Code zum Bezahlen")).await;
                assert!(shows(&app, "Zum Bezahlen scannen"));
                assert!(shows(&app, &format!("Betrag {german_latte}")));
                tap(&app, "Abbrechen");
                until(&rt, "the cancelled sale", || screen() == Screen::Result).await;
                assert_eq!(app.global::<ResultAdapter>().get_title(), "Abgebrochen");
                assert_eq!(
                    app.global::<ResultAdapter>().get_detail(),
                    "Es wurde nichts abgebucht."
                );
                tap(&app, "Fertig");
            })
            .await;
        steps
            .run("the staff screen in German switches to English", async {
                // Staff screen in German; its language button switches to the next language, English.
                unlock(&app, "Personal");
                until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                assert!(shows(&app, "Schicht beenden"));
                assert_eq!(status("Sprache").as_deref(), Some("Deutsch"));
                assert_eq!(status("Modus").as_deref(), Some("Testmodus"));
                let sale = app
                    .global::<AdminAdapter>()
                    .get_sales()
                    .row_data(0)
                    .unwrap();
                assert_eq!(sale.amount, german_latte.as_str());
                let shape: String = sale
                    .time
                    .chars()
                    .map(|c| if c.is_ascii_digit() { '9' } else { c })
                    .collect();
                assert_eq!(
                    shape, "99.99. 99:99",
                    "German dates are day.month.: {}",
                    sale.time
                );
                assert!(shows(
                    &app,
                    &format!(
                        "{}, {german_latte}, abgebrochen, 1 × Latte, {}",
                        sale.time, sale.short_id
                    )
                ));
                tap(&app, "Sprache: Deutsch");
                assert_eq!(app.global::<KioskAdapter>().get_language(), "en");
                assert!(shows(&app, "Close shift"), "Slint's texts switched");
                assert_eq!(status("Language").as_deref(), Some("English"));
                assert_eq!(status("Mode").as_deref(), Some("test mode"));
                assert_eq!(
                    app.global::<AdminAdapter>()
                        .get_sales()
                        .row_data(0)
                        .unwrap()
                        .amount,
                    "£3.40",
                    "the amounts the Rust side wrote are written again"
                );
            })
            .await;
        steps
            .run("on to Chinese, the cart kept", async {
                // And on to Chinese; the cart kept its line, now in the new language's style.
                tap(&app, "Language: English");
                assert_eq!(app.global::<KioskAdapter>().get_language(), "zh-CN");
                assert_eq!(status("语言").as_deref(), Some("简体中文"));
                tap(&app, "锁定");
                assert_eq!(screen(), Screen::Catalog);
                assert!(shows(&app, "购物车"));
                assert_eq!(cart().get_total(), "£3.40");
                assert!(shows(&app, "收款 £3.40"));
                assert!(shows(&app, "员工"), "the Staff control is translated too");
            })
            .await;
        steps
    });
    drop(kiosk);
}
