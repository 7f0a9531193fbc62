//! A catalog in use past its `expires` (issue 24, point 1: an attacker who answers 304 for ever freezes the
//! kiosk on old prices): the catalog screen says so, `on_catalog_expired = "stop"` refuses Charge and `"warn"`
//! keeps selling; `status --json` and the metrics carry `serial`, `expires` and `expired`.
//! One UI test function: the testing backend is per process.

mod common;

use slint::ComponentHandle;
use wooshpay_kiosk::config::OnCatalogExpired;
use wooshpay_kiosk::ui::{CartAdapter, CatalogAdapter};

use common::ui::{Rig, run_flow, tap, until};

const EXPIRED: &str = "serial = 7\nexpires = 2020-01-31T00:00:00Z\n[[item]]\nid = \"latte\"\nname = \"Latte\"\nunit_amount = 340\n";

#[test]
fn an_expired_catalog_is_named_on_screen_and_stop_refuses_charge() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "expired", rt.clone());
    let catalog = common::ui::catalog(EXPIRED);
    let (stop_app, stop_kiosk) = common::ui::start_kiosk(engine.clone(), catalog.clone(), &rt)
        .on_catalog_expired(OnCatalogExpired::Stop)
        .attach();
    let h_stop = stop_app.clone_strong();
    std::fs::create_dir(state.path().join("warn")).unwrap();
    let warn_engine = common::ui::engine(
        &sim,
        state.path().join("warn").as_path(),
        "expired-warn",
        rt.clone(),
    );
    let (warn_app, warn_kiosk) = common::ui::start_kiosk(warn_engine, catalog, &rt)
        .on_catalog_expired(OnCatalogExpired::Warn)
        .attach();
    let h_warn = warn_app.clone_strong();
    run_flow(async move {
        let mut steps = common::ui::Steps::default();
        steps
            .run("stop: the notice names the expiry and Charge is refused", async {
                let app = h_stop;
                until(&rt, "the expiry notice", || {
                    app.global::<CatalogAdapter>()
                        .get_notice()
                        .contains("The catalog expired at 2020-01-")
                })
                .await;
                assert!(
                    app.global::<CatalogAdapter>()
                        .get_notice()
                        .contains("no sales until a new one is fetched"),
                    "{}",
                    app.global::<CatalogAdapter>().get_notice()
                );
                tap(&app, "Add Latte");
                assert!(
                    !app.global::<CartAdapter>().get_can_charge(),
                    "Charge is refused with an expired catalog and on_catalog_expired = \"stop\""
                );
            })
            .await;
        steps
            .run("warn: the notice names the expiry and sales go on", async {
                let app = h_warn;
                until(&rt, "the expiry notice", || {
                    app.global::<CatalogAdapter>()
                        .get_notice()
                        .contains("prices may be out of date")
                })
                .await;
                tap(&app, "Add Latte");
                until(&rt, "Charge", || {
                    app.global::<CartAdapter>().get_can_charge()
                })
                .await;
            })
            .await;
        steps
    });
    drop((stop_kiosk, warn_kiosk));
}

#[test]
fn status_and_metrics_report_the_serial_and_the_expiry() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let shop = common::Shop::new("http://127.0.0.1:9", "");
    std::fs::write(shop.dir.path().join("catalog.toml"), EXPIRED).unwrap();
    let output = runtime
        .block_on(shop.command(&["status", "--json"]).output())
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(report["catalog"]["serial"], 7);
    assert_eq!(report["catalog"]["expires"], "2020-01-31T00:00:00Z");
    assert_eq!(report["catalog"]["expired"], true);
    let text = runtime
        .block_on(shop.command(&["status"]).output())
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("catalog: EXPIRED at 2020-01-31T00:00:00Z (serial 7)"),
        "{text}"
    );

    wooshpay_kiosk::metrics::set_live_source(|| wooshpay_kiosk::metrics::LiveFacts {
        catalog_expires_ms: Some(1_580_428_800_000),
        ..Default::default()
    });
    let metrics = wooshpay_kiosk::metrics::openmetrics_text();
    assert!(
        metrics.contains("wooshpay_kiosk_catalog_expired 1"),
        "{metrics}"
    );
}
