//! What the cart panel shows: one line per item with its amount, the total, and whether Charge may be
//! tapped. Priced once, from the same `Order` a charge would send, so the panel and the sale cannot disagree.

use crate::catalog::Catalog;
use crate::checkout::Cart;
use crate::money::Money;
use crate::order::TAX_ITEM_ID;
use crate::tax::TaxSettings;

use super::Stock;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartViewLine {
    pub id: String,
    pub name: String,
    pub quantity: u32,
    pub amount: Money,
    /// Stock no longer covers the line (the item sold out after it was tapped).
    pub sold_out: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartView {
    pub lines: Vec<CartViewLine>,
    /// Where prices exclude tax (a US counter): the tax added on top, shown as a line of its own.
    pub added_tax: Option<Money>,
    /// What the customer will be charged before any tip: with the added tax where there is one.
    pub total: Money,
    /// The cart makes a valid order (not empty, every item known, within the limits).
    pub chargeable: bool,
}

impl CartView {
    pub fn of(cart: &Cart, catalog: &Catalog, tax: &TaxSettings) -> Self {
        match cart.order(catalog).map(|order| order.with_tax(tax)) {
            Ok(order) => Self {
                total: order.total(),
                added_tax: order
                    .lines
                    .iter()
                    .find(|line| line.item_id == TAX_ITEM_ID)
                    .map(|line| Money::new(line.amount(), order.currency)),
                lines: order
                    .lines
                    .iter()
                    .filter(|line| line.item_id != TAX_ITEM_ID)
                    .map(|line| CartViewLine {
                        id: line.item_id.clone(),
                        name: line.name.clone(),
                        quantity: line.quantity,
                        amount: Money::new(line.amount(), order.currency),
                        sold_out: false,
                    })
                    .collect(),
                chargeable: true,
            },
            // Not chargeable (empty, an item gone after a catalog reload, over the limit): still list what is
            // in the cart so staff can see and fix it, with no total.
            Err(_) => Self {
                lines: cart
                    .lines()
                    .iter()
                    .filter_map(|(id, quantity)| {
                        let (name, unit_amount) = match cart.custom(id) {
                            Some(custom) => (custom.description.clone(), custom.unit_amount),
                            None => {
                                let item = catalog.item(id)?;
                                (item.name.clone(), item.unit_amount)
                            }
                        };
                        Some(CartViewLine {
                            id: id.clone(),
                            name,
                            quantity: *quantity,
                            amount: Money::new(
                                unit_amount.saturating_mul(i64::from(*quantity)),
                                catalog.currency,
                            ),
                            sold_out: false,
                        })
                    })
                    .collect(),
                added_tax: None,
                total: Money::new(0, catalog.currency),
                chargeable: false,
            },
        }
    }
}

impl CartView {
    /// Flags the lines stock cannot cover; Charge waits until staff take them out.
    pub fn with_stock(mut self, stock: &Stock) -> Self {
        for line in &mut self.lines {
            line.sold_out = stock.short_of(&line.id, line.quantity);
        }
        if self.lines.iter().any(|line| line.sold_out) {
            self.chargeable = false;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::money::Currency;

    fn catalog(items: &str) -> Catalog {
        Catalog::parse(
            items,
            Path::new("c.toml"),
            Path::new("."),
            Currency::from_code("GBP").unwrap(),
        )
        .unwrap()
    }

    const TWO_ITEMS: &str = "[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=320\n\
                             [[item]]\nid=\"cookie\"\nname=\"Cookie\"\nunit_amount=185\n";

    #[test]
    fn lines_and_total_come_from_the_order_a_charge_would_send() {
        let catalog = catalog(TWO_ITEMS);
        let mut cart = Cart::default();
        cart.add("latte");
        cart.add("cookie");
        cart.add("latte");
        cart.add_custom(250, "Gift card").unwrap();
        let view = CartView::of(&cart, &catalog, &TaxSettings::default());
        let order = cart.order(&catalog).unwrap();
        assert!(view.chargeable);
        assert_eq!(view.total, order.total());
        assert_eq!(view.total.minor_units, 2 * 320 + 185 + 250);
        let shown: Vec<(&str, u32, i64)> = view
            .lines
            .iter()
            .map(|l| (l.name.as_str(), l.quantity, l.amount.minor_units))
            .collect();
        assert_eq!(
            shown,
            [("Latte", 2, 640), ("Cookie", 1, 185), ("Gift card", 1, 250)]
        );
    }

    #[test]
    fn an_empty_cart_shows_nothing_and_cannot_be_charged() {
        let view = CartView::of(
            &Cart::default(),
            &catalog(TWO_ITEMS),
            &TaxSettings::default(),
        );
        assert!(view.lines.is_empty());
        assert_eq!(view.total.minor_units, 0);
        assert!(!view.chargeable);
    }

    #[test]
    fn an_item_gone_after_a_reload_blocks_charge_but_the_rest_stays_listed() {
        let mut cart = Cart::default();
        cart.add("latte");
        cart.add("cookie");
        let reloaded = catalog("[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=320\n");
        let view = CartView::of(&cart, &reloaded, &TaxSettings::default());
        assert!(!view.chargeable);
        assert_eq!(view.total.minor_units, 0);
        assert_eq!(view.lines.len(), 1);
        assert_eq!(view.lines[0].name, "Latte");
    }

    #[test]
    fn a_line_whose_item_sold_out_after_it_was_tapped_is_flagged_and_holds_charge() {
        let mut cart = Cart::default();
        cart.add("latte");
        cart.add("cookie");
        let stock = Stock::new(vec![crate::journal::StockLevel {
            item_id: "cookie".into(),
            remaining: None,
            sold_out: true,
            oversold: 0,
        }]);
        let view =
            CartView::of(&cart, &catalog(TWO_ITEMS), &TaxSettings::default()).with_stock(&stock);
        assert!(!view.chargeable);
        assert_eq!(
            view.lines.iter().map(|l| l.sold_out).collect::<Vec<_>>(),
            [false, true]
        );
        cart.remove("cookie");
        assert!(
            CartView::of(&cart, &catalog(TWO_ITEMS), &TaxSettings::default())
                .with_stock(&stock)
                .chargeable
        );
    }

    #[test]
    fn where_prices_exclude_tax_the_tax_is_its_own_line_and_in_the_total() {
        let mut cart = Cart::default();
        cart.add("latte");
        cart.add("cookie");
        let us = TaxSettings {
            default_rate: Some(crate::tax::TaxRate::parse("8.25").unwrap()),
            name: "Sales tax".into(),
            pricing: crate::tax::Pricing::TaxAdded,
        };
        let view = CartView::of(&cart, &catalog(TWO_ITEMS), &us);
        // 8.25 % of 5.05 is 41.6625 cents: 42.
        assert_eq!(view.added_tax.map(|m| m.minor_units), Some(42));
        assert_eq!(view.total.minor_units, 505 + 42);
        assert_eq!(view.lines.len(), 2, "the tax is not an item line");
        let included = TaxSettings {
            pricing: crate::tax::Pricing::TaxIncluded,
            ..us
        };
        let view = CartView::of(&cart, &catalog(TWO_ITEMS), &included);
        assert_eq!((view.added_tax, view.total.minor_units), (None, 505));
    }
}
