//! An order: catalog items with quantities, priced in integer minor units.

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, MAX_UNIT_AMOUNT};
use crate::money::{Currency, Money};
use crate::tax::{Pricing, TaxLine, TaxRate, TaxSettings};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    pub item_id: String,
    pub name: String,
    pub description: Option<String>,
    pub unit_amount: i64,
    pub quantity: u32,
    /// The line's tax rate, resolved when the sale is charged (the item's own, else `[checkout] tax_rate`);
    /// `None` for a tip, for the added-tax line, and for sales from before tax was known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<TaxRate>,
}

impl OrderLine {
    pub fn amount(&self) -> i64 {
        self.unit_amount * i64::from(self.quantity)
    }
}

/// An order number as the counter calls it out and paper shows it: `12`, or `A-12` with `[kiosk] order_prefix`
/// (kiosks sharing a counter or a kitchen printer each have their own prefix).
pub fn order_label(prefix: Option<&str>, number: u32) -> String {
    match prefix {
        Some(prefix) => format!("{prefix}-{number}"),
        None => number.to_string(),
    }
}

/// The id of the tip's line: under the prefix no catalog item may use, so it is never mistaken for one.
/// (`RESERVED_ID_PREFIX` followed by "tip"; a test checks it, as `concat!` takes only literals.)
pub const TIP_ITEM_ID: &str = "custom-tip";

/// The id of the line that adds tax at checkout (`[checkout] prices_include_tax = false`), under the same
/// reserved prefix. Its presence says the sale's prices excluded tax.
pub const TAX_ITEM_ID: &str = "custom-tax";

#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("the cart is empty")]
    Empty,
    #[error("no catalog item has id {0:?}")]
    UnknownItem(String),
    #[error("quantity for {0:?} must be at least 1")]
    ZeroQuantity(String),
    #[error(
        "the total is more than one payment can take ({} minor units at most)",
        MAX_UNIT_AMOUNT
    )]
    TooLarge,
    #[error("the total is zero: there is nothing to charge")]
    ZeroTotal,
}

impl Order {
    /// Builds an order from `(item id, quantity)` pairs; repeated items are merged in first-seen order.
    pub fn from_quantities(
        catalog: &Catalog,
        quantities: &[(String, u32)],
    ) -> Result<Self, OrderError> {
        let mut lines: Vec<OrderLine> = Vec::new();
        for (item_id, quantity) in quantities {
            if *quantity == 0 {
                return Err(OrderError::ZeroQuantity(item_id.clone()));
            }
            let item = catalog
                .item(item_id)
                .ok_or_else(|| OrderError::UnknownItem(item_id.clone()))?;
            match lines.iter_mut().find(|line| &line.item_id == item_id) {
                Some(line) => line.quantity = line.quantity.saturating_add(*quantity),
                None => lines.push(OrderLine {
                    item_id: item.id.clone(),
                    name: item.name.clone(),
                    description: item.description.clone(),
                    unit_amount: item.unit_amount,
                    quantity: *quantity,
                    tax_rate: item.tax_rate,
                }),
            }
        }
        let order = Self {
            currency: catalog.currency,
            lines,
        };
        order.validate()?;
        Ok(order)
    }

    /// A chargeable order: not empty, total above zero and within one payment's limit.
    pub fn validate(&self) -> Result<(), OrderError> {
        if self.lines.is_empty() {
            return Err(OrderError::Empty);
        }
        match self.checked_total() {
            None => Err(OrderError::TooLarge),
            Some(0) => Err(OrderError::ZeroTotal),
            Some(total) if total > MAX_UNIT_AMOUNT => Err(OrderError::TooLarge),
            Some(_) => Ok(()),
        }
    }

    fn checked_total(&self) -> Option<i64> {
        self.lines.iter().try_fold(0i64, |sum, line| {
            line.unit_amount
                .checked_mul(i64::from(line.quantity))
                .and_then(|amount| sum.checked_add(amount))
        })
    }

    /// Resolves every line's tax rate (the item's own, else the default; never a tip's) and, where prices
    /// exclude tax, adds the tax as a line of its own, worked out per rate over the whole cart, so WooshPay's pay
    /// page shows it and the session's total includes it. Applying it twice changes nothing.
    pub fn with_tax(mut self, settings: &TaxSettings) -> Self {
        self.lines.retain(|line| line.item_id != TAX_ITEM_ID);
        for line in &mut self.lines {
            if line.item_id != TIP_ITEM_ID && line.tax_rate.is_none() {
                line.tax_rate = settings.default_rate;
            }
        }
        if settings.pricing == Pricing::TaxAdded {
            let tax = crate::tax::total_tax(&self.tax_lines(Pricing::TaxAdded));
            if tax > 0 {
                self.lines.push(OrderLine {
                    item_id: TAX_ITEM_ID.to_owned(),
                    name: settings.name.clone(),
                    description: None,
                    unit_amount: tax,
                    quantity: 1,
                    tax_rate: None,
                });
            }
        }
        self
    }

    /// The sale's tax per rate: prices excluded tax when the order has an added-tax line, else included it.
    pub fn tax(&self) -> Vec<TaxLine> {
        let pricing = if self.lines.iter().any(|line| line.item_id == TAX_ITEM_ID) {
            Pricing::TaxAdded
        } else {
            Pricing::TaxIncluded
        };
        self.tax_lines(pricing)
    }

    fn tax_lines(&self, pricing: Pricing) -> Vec<TaxLine> {
        crate::tax::breakdown(
            self.lines
                .iter()
                .filter(|line| line.item_id != TAX_ITEM_ID && line.item_id != TIP_ITEM_ID)
                .map(|line| (line.tax_rate, line.amount())),
            pricing,
        )
    }

    /// The customer's tip: a line of its own, added after the items were priced.
    pub fn with_tip(mut self, tip_minor_units: i64, label: &str) -> Self {
        self.lines.retain(|line| line.item_id != TIP_ITEM_ID);
        if tip_minor_units > 0 {
            self.lines.push(OrderLine {
                item_id: TIP_ITEM_ID.to_owned(),
                name: label.to_owned(),
                description: None,
                unit_amount: tip_minor_units,
                quantity: 1,
                tax_rate: None,
            });
        }
        self
    }

    /// The tip within the total, in minor units; 0 without one.
    pub fn tip_amount(&self) -> i64 {
        self.lines
            .iter()
            .filter(|line| line.item_id == TIP_ITEM_ID)
            .map(OrderLine::amount)
            .sum()
    }

    pub fn total(&self) -> Money {
        Money::new(self.checked_total().unwrap_or(i64::MAX), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn catalog() -> Catalog {
        let text = "[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=320\n\
                    [[item]]\nid=\"cookie\"\nname=\"Cookie\"\nunit_amount=185\n\
                    [[item]]\nid=\"free\"\nname=\"Water jug\"\nunit_amount=0\n";
        Catalog::parse(
            text,
            Path::new("c.toml"),
            Path::new("."),
            Currency::from_code("GBP").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_tip_is_its_own_line_under_the_reserved_prefix() {
        assert!(TIP_ITEM_ID.starts_with(crate::catalog::RESERVED_ID_PREFIX));
        let order = Order::from_quantities(&catalog(), &[("latte".to_owned(), 1)])
            .unwrap()
            .with_tip(48, "Tip");
        assert_eq!(order.tip_amount(), 48);
        assert_eq!(order.total().minor_units, 368);
        assert_eq!(order.lines.last().unwrap().name, "Tip");
        // Choosing again replaces the tip; "No tip" removes it.
        let order = order.with_tip(64, "Tip");
        assert_eq!((order.tip_amount(), order.lines.len()), (64, 2));
        assert_eq!(order.with_tip(0, "Tip").lines.len(), 1);
    }

    #[test]
    fn totals_merge_repeated_items() {
        let quantities = [
            ("latte".to_owned(), 2),
            ("cookie".to_owned(), 1),
            ("latte".to_owned(), 1),
        ];
        let order = Order::from_quantities(&catalog(), &quantities).unwrap();
        assert_eq!(order.lines.len(), 2);
        assert_eq!(order.lines[0].quantity, 3);
        assert_eq!(order.total().to_string(), "£11.45");
    }

    #[test]
    fn refuses_orders_that_cannot_be_charged() {
        let c = catalog();
        assert_eq!(Order::from_quantities(&c, &[]), Err(OrderError::Empty));
        assert_eq!(
            Order::from_quantities(&c, &[("tea".into(), 1)]),
            Err(OrderError::UnknownItem("tea".into()))
        );
        assert_eq!(
            Order::from_quantities(&c, &[("latte".into(), 0)]),
            Err(OrderError::ZeroQuantity("latte".into()))
        );
        assert_eq!(
            Order::from_quantities(&c, &[("free".into(), 3)]),
            Err(OrderError::ZeroTotal)
        );
        assert_eq!(
            Order::from_quantities(&c, &[("latte".into(), u32::MAX)]),
            Err(OrderError::TooLarge)
        );
    }
}
