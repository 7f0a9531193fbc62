//! The cart staff build on the touchscreen: item ids and quantities, in the order they were first tapped.

use crate::catalog::{Catalog, MAX_UNIT_AMOUNT};

use crate::order::{Order, OrderError, OrderLine};

/// Lines whose id starts with this are custom amounts, not catalog items.
pub const CUSTOM_PREFIX: &str = crate::catalog::RESERVED_ID_PREFIX;
/// A custom amount's description is a cart line and a receipt line: short enough to read at a glance.
pub const MAX_DESCRIPTION_CHARS: usize = 40;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cart {
    lines: Vec<(String, u32)>,
    /// Amounts keyed in by staff: sent to WooshPay as inline `price_data`, never as a catalog price.
    custom: Vec<CustomAmount>,
    next_custom: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomAmount {
    pub id: String,
    pub description: String,
    pub unit_amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomAmountError {
    #[error("a custom amount must be more than zero")]
    Zero,
    #[error("a custom amount can be at most {MAX_UNIT_AMOUNT} minor units")]
    TooLarge,
    #[error("a custom amount's description can be at most {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionTooLong,
}

impl Cart {
    pub fn add(&mut self, item_id: &str) {
        match self.lines.iter_mut().find(|(id, _)| id == item_id) {
            Some((_, quantity)) => *quantity = quantity.saturating_add(1),
            None => self.lines.push((item_id.to_owned(), 1)),
        }
    }

    /// How many of an item the cart holds.
    pub fn quantity_of(&self, item_id: &str) -> u32 {
        self.lines
            .iter()
            .find(|(id, _)| id == item_id)
            .map_or(0, |(_, quantity)| *quantity)
    }

    /// One fewer; the line goes when it reaches zero.
    pub fn decrease(&mut self, item_id: &str) {
        if let Some(index) = self.lines.iter().position(|(id, _)| id == item_id) {
            self.lines[index].1 -= 1;
            if self.lines[index].1 == 0 {
                let (id, _) = self.lines.remove(index);
                self.custom.retain(|c| c.id != id);
            }
        }
    }

    pub fn remove(&mut self, item_id: &str) {
        self.lines.retain(|(id, _)| id != item_id);
        self.custom.retain(|c| c.id != item_id);
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.custom.clear();
    }

    /// Adds an amount that is not in the catalog as its own line; an empty description reads "Custom amount".
    pub fn add_custom(
        &mut self,
        unit_amount: i64,
        description: &str,
    ) -> Result<String, CustomAmountError> {
        if unit_amount <= 0 {
            return Err(CustomAmountError::Zero);
        }
        if unit_amount > MAX_UNIT_AMOUNT {
            return Err(CustomAmountError::TooLarge);
        }
        if description.trim().chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(CustomAmountError::DescriptionTooLong);
        }
        self.next_custom += 1;
        let id = format!("{CUSTOM_PREFIX}{}", self.next_custom);
        let description = match description.trim() {
            "" => "Custom amount".to_owned(),
            text => text.to_owned(),
        };
        self.custom.push(CustomAmount {
            id: id.clone(),
            description,
            unit_amount,
        });
        self.lines.push((id.clone(), 1));
        Ok(id)
    }

    pub fn custom(&self, id: &str) -> Option<&CustomAmount> {
        self.custom.iter().find(|c| c.id == id)
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn lines(&self) -> &[(String, u32)] {
        &self.lines
    }

    /// Drops lines whose item left the catalog (after a reload), so the cart never charges a ghost.
    pub fn retain_known(&mut self, catalog: &Catalog) {
        let custom = &self.custom;
        self.lines
            .retain(|(id, _)| catalog.item(id).is_some() || custom.iter().any(|c| &c.id == id));
    }

    /// The order in tap order: catalog items at their catalog price, custom amounts as keyed in.
    pub fn order(&self, catalog: &Catalog) -> Result<Order, OrderError> {
        let mut lines = Vec::with_capacity(self.lines.len());
        for (id, quantity) in &self.lines {
            match self.custom(id) {
                Some(custom) => lines.push(OrderLine {
                    item_id: custom.id.clone(),
                    name: custom.description.clone(),
                    description: None,
                    unit_amount: custom.unit_amount,
                    quantity: *quantity,
                    tax_rate: None,
                }),
                None => {
                    let item = catalog
                        .item(id)
                        .ok_or_else(|| OrderError::UnknownItem(id.clone()))?;
                    lines.push(OrderLine {
                        item_id: item.id.clone(),
                        name: item.name.clone(),
                        description: item.description.clone(),
                        unit_amount: item.unit_amount,
                        quantity: *quantity,
                        tax_rate: item.tax_rate,
                    });
                }
            }
        }
        let order = Order {
            currency: catalog.currency,
            lines,
        };
        order.validate()?;
        Ok(order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_go_up_and_down_and_lines_vanish_at_zero() {
        let mut cart = Cart::default();
        cart.add("latte");
        cart.add("bun");
        cart.add("latte");
        assert_eq!(
            cart.lines(),
            [("latte".to_owned(), 2), ("bun".to_owned(), 1)]
        );
        cart.decrease("bun");
        assert_eq!(cart.lines(), [("latte".to_owned(), 2)]);
        cart.remove("latte");
        assert!(cart.is_empty());
    }
}

#[cfg(test)]
mod custom_tests {
    use super::*;
    use crate::money::Currency;

    fn catalog() -> Catalog {
        Catalog::parse(
            "[[item]]\nid=\"latte\"\nname=\"Latte\"\nunit_amount=340\n",
            "c".as_ref(),
            ".".as_ref(),
            Currency::from_code("GBP").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn a_custom_amount_is_its_own_line_and_counts_in_the_total() {
        let mut cart = Cart::default();
        cart.add("latte");
        let id = cart.add_custom(1250, "  Cake of the day ").unwrap();
        let second = cart.add_custom(99, "").unwrap();
        assert_ne!(id, second);
        let order = cart.order(&catalog()).unwrap();
        assert_eq!(order.total().minor_units, 340 + 1250 + 99);
        assert_eq!(order.lines[1].name, "Cake of the day");
        assert_eq!(order.lines[2].name, "Custom amount");
        assert!(order.lines[1].item_id.starts_with(CUSTOM_PREFIX));
        cart.add(&id);
        assert_eq!(
            cart.order(&catalog()).unwrap().total().minor_units,
            340 + 2 * 1250 + 99
        );
        cart.retain_known(&catalog());
        assert_eq!(cart.lines().len(), 3, "a catalog reload keeps custom lines");
        cart.remove(&second);
        cart.decrease(&id);
        cart.decrease(&id);
        assert!(cart.custom(&id).is_none());
        assert_eq!(cart.order(&catalog()).unwrap().total().minor_units, 340);
    }

    #[test]
    fn custom_amounts_must_be_positive_and_within_one_payment() {
        let mut cart = Cart::default();
        assert_eq!(cart.add_custom(0, ""), Err(CustomAmountError::Zero));
        assert_eq!(cart.add_custom(-5, ""), Err(CustomAmountError::Zero));
        assert_eq!(
            cart.add_custom(MAX_UNIT_AMOUNT + 1, ""),
            Err(CustomAmountError::TooLarge)
        );
        let long = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(
            cart.add_custom(100, &long),
            Err(CustomAmountError::DescriptionTooLong)
        );
        assert!(cart.is_empty());
        let exactly = "ü".repeat(MAX_DESCRIPTION_CHARS);
        assert!(
            cart.add_custom(100, &exactly).is_ok(),
            "characters count, not bytes"
        );
    }
}
