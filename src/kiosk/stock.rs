//! What staff may sell: sold-out marks and stock counts from the journal, as the catalog screen and the cart
//! apply them. A sold-out tile cannot be tapped into the cart, a cart cannot hold more than is left, and a cart
//! line whose item sold out after it was tapped is flagged and holds Charge back until staff fix it.

use std::collections::HashMap;

use crate::journal::StockLevel;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stock {
    levels: HashMap<String, StockLevel>,
}

impl Stock {
    pub fn new(levels: Vec<StockLevel>) -> Self {
        Self {
            levels: levels
                .into_iter()
                .map(|level| (level.item_id.clone(), level))
                .collect(),
        }
    }

    pub fn level(&self, item_id: &str) -> Option<&StockLevel> {
        self.levels.get(item_id)
    }

    /// How many can be sold now: `None` when the item is not counted (and not marked sold out).
    pub fn left(&self, item_id: &str) -> Option<u32> {
        let level = self.level(item_id)?;
        if level.sold_out {
            Some(0)
        } else {
            level.remaining
        }
    }

    /// Nothing of it can be sold now (marked sold out, or counted down to 0).
    pub fn sold_out(&self, item_id: &str) -> bool {
        self.level(item_id).is_some_and(|level| !level.available())
    }

    /// Whether one more can go into a cart that already holds `in_cart` of it.
    pub fn can_add(&self, item_id: &str, in_cart: u32) -> bool {
        match self.level(item_id) {
            None => true,
            Some(level) => level.available() && level.remaining.is_none_or(|left| in_cart < left),
        }
    }

    /// A cart line of `quantity` that stock cannot cover: flagged, and Charge waits.
    pub fn short_of(&self, item_id: &str, quantity: u32) -> bool {
        match self.level(item_id) {
            None => false,
            Some(level) => {
                !level.available() || level.remaining.is_some_and(|left| quantity > left)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stock() -> Stock {
        Stock::new(vec![
            StockLevel {
                item_id: "latte".into(),
                remaining: Some(2),
                sold_out: false,
                oversold: 0,
            },
            StockLevel {
                item_id: "cookie".into(),
                remaining: None,
                sold_out: true,
                oversold: 0,
            },
            StockLevel {
                item_id: "tea".into(),
                remaining: Some(0),
                sold_out: false,
                oversold: 0,
            },
        ])
    }

    #[test]
    fn sold_out_items_cannot_be_added_and_counts_cap_the_cart() {
        let stock = stock();
        assert!(stock.sold_out("cookie") && stock.sold_out("tea"));
        assert!(!stock.sold_out("latte") && !stock.sold_out("espresso"));
        assert!(!stock.can_add("cookie", 0));
        assert!(!stock.can_add("tea", 0));
        assert!(stock.can_add("latte", 1));
        assert!(!stock.can_add("latte", 2), "only two are left");
        assert!(
            stock.can_add("espresso", 99),
            "an uncounted item has no limit"
        );
    }

    #[test]
    fn a_line_that_stock_no_longer_covers_is_flagged() {
        let stock = stock();
        assert!(!stock.short_of("latte", 2));
        assert!(stock.short_of("latte", 3));
        assert!(stock.short_of("cookie", 1));
        assert!(!stock.short_of("espresso", 5));
    }
}
