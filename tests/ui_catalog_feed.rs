//! A catalog from `catalog_url` through the real UI, headless: a new catalog fetched while a customer's cart is
//! being put together waits, prices untouched, until the cart is empty; then it is on sale. A refresh that
//! fails keeps the catalog in use and names the URL on the staff screen.
//! One test function: the testing backend is per process.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use i_slint_backend_testing::ElementHandle;
use slint::ComponentHandle;
use wooshpay_kiosk::catalog_feed::{CatalogFeed, CatalogFeedSettings, Refresh};
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::ui::{AdminAdapter, CartAdapter, KioskAdapter, Screen};

use common::ui::{Rig, run_flow, tap, until};

const FIRST: &str = r#"
[[item]]
id = "latte"
name = "Latte"
unit_amount = 340
"#;

const SECOND: &str = r#"
[[item]]
id = "latte"
name = "Latte"
unit_amount = 400

[[item]]
id = "mocha"
name = "Mocha"
unit_amount = 390
"#;

/// What the catalog server serves: the file (or `None` for a 500), and how many times it was asked.
#[derive(Default)]
struct Served {
    body: Option<String>,
    requests: usize,
}

async fn serve(State(served): State<Arc<Mutex<Served>>>) -> Response {
    let mut served = served.lock().unwrap();
    served.requests += 1;
    match &served.body {
        Some(body) => (
            [(header::ETAG, format!("\"{}\"", body.len()))],
            body.clone(),
        )
            .into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[test]
fn a_fetched_catalog_waits_for_the_cart_to_empty_and_a_failed_refresh_is_named() {
    let Rig {
        runtime,
        rt,
        sim,
        state,
    } = Rig::new();
    let served = Arc::new(Mutex::new(Served {
        body: Some(FIRST.to_owned()),
        requests: 0,
    }));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/catalog.toml", listener.local_addr().unwrap());
    let router = Router::new()
        .route("/catalog.toml", get(serve))
        .with_state(served.clone());
    runtime.spawn(async move { axum::serve(listener, router).await.unwrap() });

    let mut feed = CatalogFeed::open(
        CatalogFeedSettings {
            url: url.parse().unwrap(),
            refresh: Duration::from_secs(3600),
            signature_key: None,
            image_dir: state.path().to_owned(),
        },
        Currency::from_code("GBP").unwrap(),
        state.path(),
    )
    .unwrap();
    let Refresh::Updated(catalog) = runtime.block_on(feed.refresh()) else {
        panic!("the first fetch brings the catalog");
    };

    let _guard = runtime.enter();
    let engine = common::ui::engine(&sim, state.path(), "ui-feed", rt.clone());
    let (app, _kiosk) = common::ui::start_kiosk(engine, catalog, &rt)
        .staff_pin("2468", Duration::from_secs(60))
        .catalog_feed(wooshpay_kiosk::ui::feed_link::start(feed, &rt))
        .attach();
    let h_app = app.clone_strong();
    run_flow(async move {
        let app = h_app;
        let screen = || app.global::<KioskAdapter>().get_screen();
        let has_tile = |label: &str| {
            ElementHandle::find_by_accessible_label(&app, label)
                .next()
                .is_some()
        };
        let total = || app.global::<CartAdapter>().get_total().to_string();
        let requests = || served.lock().unwrap().requests;
        let staff_message = || app.global::<AdminAdapter>().get_message().to_string();
        let open_staff = || common::ui::open_staff(&app, "2468");

        let mut steps = common::ui::Steps::default();
        steps
            .run("a new catalog waits while the cart holds a sale", async {
                tap(&app, "Add Latte");
                assert_eq!(total(), "£3.40");
                served.lock().unwrap().body = Some(SECOND.to_owned());
                open_staff();
                until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                tap(&app, "Reload catalog");
                assert!(
                    staff_message().starts_with("Fetching the catalog from http://"),
                    "{}",
                    staff_message()
                );
                until(&rt, "the feed's answer", || {
                    staff_message().starts_with(
                        "A new catalog was fetched; it goes on sale when the cart is empty",
                    )
                })
                .await;
                assert_eq!(requests(), 2);
                tap(&app, "Lock");
                assert!(
                    !has_tile("Add Mocha"),
                    "not on sale while the cart holds a sale"
                );
                assert_eq!(total(), "£3.40", "the customer's price did not change");
            })
            .await;
        steps
            .run("with the cart empty, the new catalog is on sale", async {
                tap(&app, "Remove Latte");
                until(&rt, "the new catalog", || has_tile("Add Mocha")).await;
                tap(&app, "Add Latte");
                assert_eq!(total(), "£4.00");
                tap(&app, "Remove Latte");
            })
            .await;
        steps
            .run(
                "Reload catalog on an unchanged catalog says it is up to date",
                async {
                    open_staff();
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    tap(&app, "Reload catalog");
                    until(&rt, "the feed's answer", || {
                        staff_message() == "The catalog is up to date: 2 items."
                    })
                    .await;
                    tap(&app, "Lock");
                },
            )
            .await;
        steps
            .run(
                "a failed refresh keeps the catalog and names the URL",
                async {
                    served.lock().unwrap().body = None;
                    open_staff();
                    until(&rt, "the admin screen", || screen() == Screen::Admin).await;
                    tap(&app, "Reload catalog");
                    until(&rt, "the refresh's answer", || {
                        staff_message().starts_with("Catalog not reloaded")
                    })
                    .await;
                    let message = staff_message();
                    assert!(message.contains("catalog.toml"), "{message}");
                    assert!(message.contains("500"), "{message}");
                    tap(&app, "Lock");
                    assert!(has_tile("Add Mocha"), "the catalog in use stays");
                },
            )
            .await;
        steps
    });
}
