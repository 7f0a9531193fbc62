//! The catalog in the customer's language, through the real UI, headless: items named per language in the
//! catalog follow the kiosk's language, the staff's language choice survives a restart, and the customer's
//! language button on the payment screen lasts one sale. One test function: the testing backend is per process.

mod common;

use std::time::Duration;

use slint::{ComponentHandle, Model};
use wooshpay_kiosk::ui::{CatalogAdapter, KioskAdapter, PaymentAdapter, Screen};

use common::ui::{Rig, catalog, run_flow, tap, type_pin, until};

const CATALOG: &str = r#"
[[item]]
id = "latte"
name = "Latte"
unit_amount = 340
names = { de = "Milchkaffee", zh-CN = "拿铁" }
descriptions = { de = "Mit Hafermilch auf Wunsch" }
"#;

#[test]
fn the_catalog_speaks_the_kiosks_language_and_the_staff_choice_survives_a_restart() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let catalog = catalog(CATALOG);
    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "ui-catalog-language", rt.clone());
    let start = {
        let (engine, catalog, rt) = (engine.clone(), catalog.clone(), rt.clone());
        move || {
            common::ui::start_kiosk(engine.clone(), catalog.clone(), &rt)
                .staff_pin("2468", Duration::from_secs(60))
                .attach()
        }
    };
    let (app, kiosk) = start();
    let h_app = app.clone_strong();
    run_flow(async move {
        let app = h_app;
        let screen = || app.global::<KioskAdapter>().get_screen();
        let language = || app.global::<KioskAdapter>().get_language().to_string();
        let tile_name = |app: &wooshpay_kiosk::ui::AppWindow| {
            app.global::<CatalogAdapter>()
                .get_tiles()
                .row_data(0)
                .unwrap()
                .name
                .to_string()
        };
        let mut steps = common::ui::Steps::default();
        steps
            .run(
                "staff choose German: the items take their German names",
                async {
                    assert_eq!(tile_name(&app), "Latte");
                    tap(&app, "Staff");
                    type_pin(&app, "2468");
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    tap(&app, "Language: English");
                    tap(&app, "语言：简体中文");
                    assert_eq!(language(), "de");
                    tap(&app, "Sperren");
                    assert_eq!(tile_name(&app), "Milchkaffee");
                },
            )
            .await;
        steps
            .run("the customer's language button lasts one sale", async {
                tap(&app, "Milchkaffee hinzufügen");
                tap(&app, "3,40\u{a0}£ kassieren");
                until(&rt, "the QR code", || {
                    app.global::<PaymentAdapter>().get_phase()
                        == wooshpay_kiosk::ui::PaymentPhase::Awaiting
                })
                .await;
                // The German name went to WooshPay, where the customer sees it on their phone.
                let session = sim.sessions().pop().unwrap();
                assert_eq!(
                    session["line_items"]["data"][0]["description"],
                    "Milchkaffee"
                );
                tap(&app, "Sprache: Deutsch");
                assert_eq!(language(), "en");
                assert_eq!(app.global::<PaymentAdapter>().get_total(), "£3.40");
                sim.pay(session["id"].as_str().unwrap()).unwrap();
                until(&rt, "the Paid screen", || screen() == Screen::Result).await;
                tap(&app, "Done");
                assert_eq!(
                    language(),
                    "de",
                    "after the sale the kiosk speaks the staff's language"
                );
            })
            .await;
        steps
            .run("the staff's choice survives a restart", async {
                let (again, second) = start();
                assert_eq!(again.global::<KioskAdapter>().get_language(), "de");
                assert_eq!(tile_name(&again), "Milchkaffee");
                drop(second);
            })
            .await;
        steps
    });
    drop(kiosk);
}
