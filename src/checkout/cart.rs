//! The cart staff build on the touchscreen: item ids and quantities, in the order they were first tapped.

use crate::catalog::Catalog;

use super::order::{Order, OrderError};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cart {
    lines: Vec<(String, u32)>,
}

impl Cart {
    pub fn add(&mut self, item_id: &str) {
        match self.lines.iter_mut().find(|(id, _)| id == item_id) {
            Some((_, quantity)) => *quantity = quantity.saturating_add(1),
            None => self.lines.push((item_id.to_owned(), 1)),
        }
    }

    /// One fewer; the line goes when it reaches zero.
    pub fn decrease(&mut self, item_id: &str) {
        if let Some(index) = self.lines.iter().position(|(id, _)| id == item_id) {
            self.lines[index].1 -= 1;
            if self.lines[index].1 == 0 {
                self.lines.remove(index);
            }
        }
    }

    pub fn remove(&mut self, item_id: &str) {
        self.lines.retain(|(id, _)| id != item_id);
    }

    pub fn clear(&mut self) {
        self.lines.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn lines(&self) -> &[(String, u32)] {
        &self.lines
    }

    /// Drops lines whose item left the catalog (after a reload), so the cart never charges a ghost.
    pub fn retain_known(&mut self, catalog: &Catalog) {
        self.lines.retain(|(id, _)| catalog.item(id).is_some());
    }

    pub fn order(&self, catalog: &Catalog) -> Result<Order, OrderError> {
        Order::from_quantities(catalog, &self.lines)
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
