//! Tax through the real binary: rates from the catalog and `[checkout]`, worked out per rate over the cart, a US
//! counter's tax sent to WooshPay as its own line, `sales --json` per rate, and clear errors for bad rates.

mod common;

use common::{Shop, after_retrieves, simulator};
use serde_json::{Value, json};
use wooshpay_kiosk::simulator::SessionAction;

const TAXED_CATALOG: &str = r#"
[[item]]
id = "latte"
name = "Latte"
unit_amount = 340

[[item]]
id = "croissant"
name = "Butter croissant"
unit_amount = 275
tax_rate = 0

[[item]]
id = "juice"
name = "Orange juice"
unit_amount = 105
tax_rate = "5"
"#;

async fn charge_paid(sim: &wooshpay_kiosk::simulator::Simulator, shop: &Shop, items: &[&str]) {
    after_retrieves(sim, 1, SessionAction::Pay);
    let mut args = vec!["charge"];
    args.extend_from_slice(items);
    let output = shop.command(&args).output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    sim.set_auto_action(None);
}

/// VAT included at 20 % by default, a 0 % croissant and a 5 % juice: per rate over the cart. Two lattes (6.80)
/// and three juices (3.15): 113.33 rounds to 1.13; 15 rounds from 15.0; 0 on the croissant.
#[tokio::test(flavor = "multi_thread")]
async fn prices_with_vat_included_are_split_per_rate_over_the_cart() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "tax_rate = 20\ntax_name = \"VAT\"");
    std::fs::write(shop.dir.path().join("catalog.toml"), TAXED_CATALOG).unwrap();
    charge_paid(&sim, &shop, &["latte=2", "croissant", "juice=3"]).await;

    let sale = &shop.sales().await[0];
    assert_eq!(
        sale["amount_total"],
        680 + 275 + 315,
        "prices include tax: the total is the shelf total"
    );
    assert_eq!(
        sale["tax"],
        json!([
            {"rate": "0", "net": 275, "tax": 0, "gross": 275},
            {"rate": "5", "net": 300, "tax": 15, "gross": 315},
            {"rate": "20", "net": 567, "tax": 113, "gross": 680},
        ])
    );
    assert_eq!(sale["tax_total"], 128);
    let rates: Vec<&Value> = sale["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["tax_rate"])
        .collect();
    assert_eq!(
        rates,
        [&json!("20"), &json!("0"), &json!("5")],
        "each line keeps its resolved rate"
    );
    let session = &sim.sessions()[0];
    assert_eq!(
        session["amount_total"], 1270,
        "nothing added to what the customer pays"
    );
}

/// A US counter: prices exclude tax; 7.5 % of 3.40 is 25.5 cents, rounded half up to 26, sent to WooshPay as a
/// line of its own so the pay page shows it and the session's total includes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_us_counter_adds_sales_tax_as_its_own_line_item() {
    let sim = simulator().await;
    let shop = Shop::new(
        &sim.api_base_url(),
        "tax_rate = 7.5\ntax_name = \"Sales tax\"\nprices_include_tax = false",
    );
    std::fs::write(
        shop.config_path(),
        std::fs::read_to_string(shop.config_path())
            .unwrap()
            .replace("GBP", "USD"),
    )
    .unwrap();
    charge_paid(&sim, &shop, &["latte"]).await;

    let session = &sim.sessions()[0];
    assert_eq!(session["amount_total"], 366, "{session:#}");
    let items = session["line_items"]["data"].as_array().unwrap();
    let tax_line = items
        .iter()
        .find(|item| {
            item["description"] == "Sales tax" || item["price"]["product"]["name"] == "Sales tax"
        })
        .unwrap_or_else(|| panic!("a Sales tax line item: {items:#?}"));
    assert_eq!(tax_line["amount_total"], 26, "{tax_line:#}");

    let sale = &shop.sales().await[0];
    assert_eq!(sale["amount_total"], 366);
    assert_eq!(
        sale["tax"],
        json!([{"rate": "7.5", "net": 340, "tax": 26, "gross": 366}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_rate_is_refused_naming_where_it_is() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "tax_rate = 8.875");
    let output = shop.command(&["check"]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("[checkout] tax_rate"), "{stderr}");
    assert!(stderr.contains("3 decimals"), "{stderr}");

    let shop = Shop::new(&sim.api_base_url(), "");
    std::fs::write(
        shop.dir.path().join("catalog.toml"),
        TAXED_CATALOG.replace("tax_rate = \"5\"", "tax_rate = \"five\""),
    )
    .unwrap();
    let output = shop.command(&["check"]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("item 3 (id \"juice\"): `tax_rate`"),
        "{stderr}"
    );
}
