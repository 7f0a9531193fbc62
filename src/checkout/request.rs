//! Turning an order into the body of `POST /v1/checkout/sessions`.

use crate::wooshpay::{
    CreateCheckoutSession, CreateLineItem, CreateProduct, InlinePriceData, Metadata,
};

use super::Order;
use super::prices::PriceBook;

/// Who is selling: every session names its kiosk and sale so a merchant can reconcile in WooshPay's dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleRef {
    pub kiosk_id: String,
    /// The journal's prefix and number, `k7q2-42` (see [`crate::journal::Journal::next_sale_number`]).
    pub sale_number: String,
}

impl SaleRef {
    pub fn client_reference_id(&self) -> String {
        format!("{}-{}", self.kiosk_id, self.sale_number)
    }
}

pub struct ReturnUrls<'a> {
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

/// Uses synced `price` ids when every line has one; otherwise inline `price_data` for every line, so one
/// session never mixes the two (a half-synced catalog behaves like an unsynced one).
pub fn session_params(
    order: &Order,
    sale: &SaleRef,
    urls: &ReturnUrls<'_>,
    prices: &PriceBook,
) -> CreateCheckoutSession {
    let currency = order.currency.code();
    let synced: Option<Vec<String>> = order
        .lines
        .iter()
        .map(|line| {
            prices
                .get(&line.item_id, line.unit_amount, currency)
                .map(|p| p.price.clone())
        })
        .collect();
    let line_items = match synced {
        Some(price_ids) => order
            .lines
            .iter()
            .zip(price_ids)
            .map(|(line, price)| CreateLineItem {
                quantity: i64::from(line.quantity),
                price: Some(price),
                price_data: None,
            })
            .collect(),
        None => order
            .lines
            .iter()
            .map(|line| CreateLineItem {
                quantity: i64::from(line.quantity),
                price: None,
                price_data: Some(InlinePriceData {
                    currency: currency.to_owned(),
                    unit_amount: line.unit_amount,
                    product: None,
                    product_data: Some(CreateProduct {
                        name: line.name.clone(),
                        description: line.description.clone(),
                        metadata: Some(string_map([("item_id", line.item_id.clone())])),
                        ..CreateProduct::default()
                    }),
                }),
            })
            .collect(),
    };
    CreateCheckoutSession {
        mode: "payment".to_owned(),
        success_url: urls.success_url.to_owned(),
        cancel_url: urls.cancel_url.to_owned(),
        line_items,
        client_reference_id: Some(sale.client_reference_id()),
        metadata: Some(string_map([
            ("kiosk_id", sale.kiosk_id.clone()),
            ("sale_number", sale.sale_number.clone()),
        ])),
        customer_email: None,
        payment_method_types: None,
    }
}

fn string_map<const N: usize>(pairs: [(&str, String); N]) -> Metadata {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkout::OrderLine;
    use crate::checkout::prices::SyncedPrice;
    use crate::money::Currency;

    fn order() -> Order {
        let line = |id: &str, amount, quantity| OrderLine {
            item_id: id.into(),
            name: id.to_uppercase(),
            description: None,
            unit_amount: amount,
            quantity,
            tax_rate: None,
        };
        Order {
            currency: Currency::from_code("GBP").unwrap(),
            lines: vec![line("tea", 250, 2), line("bun", 300, 1)],
        }
    }

    const URLS: ReturnUrls<'static> = ReturnUrls {
        success_url: "https://s.example/ok",
        cancel_url: "https://s.example/no",
    };

    #[test]
    fn unsynced_items_go_inline_with_reconciliation_fields() {
        let sale = SaleRef {
            kiosk_id: "front-1".into(),
            sale_number: "k7q2-42".into(),
        };
        let params = session_params(&order(), &sale, &URLS, &PriceBook::default());
        let json = serde_json::to_value(&params).unwrap();
        assert_eq!(json["client_reference_id"], "front-1-k7q2-42");
        assert_eq!(json["metadata"]["sale_number"], "k7q2-42");
        assert_eq!(json["metadata"]["kiosk_id"], "front-1");
        assert_eq!(json["line_items"][0]["price_data"]["unit_amount"], 250);
        assert_eq!(
            json["line_items"][0]["price_data"]["product_data"]["name"],
            "TEA"
        );
        assert_eq!(json["line_items"][0]["quantity"], 2);
        assert!(json["line_items"][0].get("price").is_none());
    }

    #[test]
    fn fully_synced_orders_reference_price_ids_and_partial_ones_do_not() {
        let sale = SaleRef {
            kiosk_id: "k".into(),
            sale_number: "a1b2-1".into(),
        };
        let mut book = PriceBook::default();
        book.insert(
            "tea",
            250,
            "GBP",
            SyncedPrice {
                product: "prod_1".into(),
                price: "price_1".into(),
            },
        );
        let partial = session_params(&order(), &sale, &URLS, &book);
        assert!(
            partial
                .line_items
                .iter()
                .all(|l| l.price.is_none() && l.price_data.is_some())
        );

        book.insert(
            "bun",
            300,
            "GBP",
            SyncedPrice {
                product: "prod_2".into(),
                price: "price_2".into(),
            },
        );
        let full = session_params(&order(), &sale, &URLS, &book);
        let ids: Vec<_> = full
            .line_items
            .iter()
            .map(|l| l.price.clone().unwrap())
            .collect();
        assert_eq!(ids, ["price_1", "price_2"]);

        // A changed amount is a different price: back to inline.
        book.insert("bun", 300, "GBP", SyncedPrice::default());
        let mut repriced = order();
        repriced.lines[1].unit_amount = 350;
        assert!(
            session_params(&repriced, &sale, &URLS, &book).line_items[1]
                .price_data
                .is_some()
        );
    }
}
