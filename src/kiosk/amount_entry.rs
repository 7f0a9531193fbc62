//! The custom-amount keypad and its description keyboard: an amount that is not on the menu, keyed in minor
//! units, with an optional description typed like on a phone.

use crate::catalog::MAX_UNIT_AMOUNT;
use crate::checkout::cart::MAX_DESCRIPTION_CHARS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmountEntry {
    /// Digits keyed so far, in minor units: `"250"` is £2.50.
    digits: String,
    description: String,
    /// Whether the next letter is a capital.
    upper: bool,
}

impl Default for AmountEntry {
    fn default() -> Self {
        Self {
            digits: String::new(),
            description: String::new(),
            upper: true,
        }
    }
}

impl AmountEntry {
    /// The digits keyed so far, in minor units.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    pub fn minor_units(&self) -> i64 {
        self.digits.parse().unwrap_or(0)
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// What the cart line is called, when staff typed anything.
    pub fn typed_description(&self) -> Option<&str> {
        Some(self.description.trim()).filter(|text| !text.is_empty())
    }

    pub fn upper(&self) -> bool {
        self.upper
    }

    /// Leading zeros add nothing; more digits than one payment can take are ignored.
    pub fn digit(&mut self, digit: &str) {
        if self.digits.is_empty() && digit == "0" {
            return;
        }
        let candidate = format!("{}{digit}", self.digits);
        if candidate.parse::<i64>().is_ok_and(|v| v <= MAX_UNIT_AMOUNT) {
            self.digits = candidate;
        }
    }

    pub fn erase_digit(&mut self) {
        self.digits.pop();
    }

    /// A key of the on-screen keyboard: its text (already a capital when ⇧ was on), or a space. No leading or
    /// double spaces (they would only be trimmed away, invisibly), nothing past the description's limit.
    pub fn key(&mut self, key: &str) {
        let text = &mut self.description;
        let pointless_space = key == " " && (text.is_empty() || text.ends_with(' '));
        if pointless_space || text.chars().count() + key.chars().count() > MAX_DESCRIPTION_CHARS {
            return;
        }
        text.push_str(key);
        // Like a phone: one capital, then small letters again.
        self.upper = false;
    }

    /// Erasing back to nothing starts the next word with a capital again.
    pub fn erase_key(&mut self) {
        self.description.pop();
        self.upper = self.description.is_empty();
    }

    pub fn shift(&mut self) {
        self.upper = !self.upper;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(digits: &[&str]) -> AmountEntry {
        let mut entry = AmountEntry::default();
        for digit in digits {
            entry.digit(digit);
        }
        entry
    }

    #[test]
    fn digits_key_minor_units_without_leading_zeros() {
        let entry = keyed(&["0", "0", "2", "5", "0"]);
        assert_eq!((entry.digits(), entry.minor_units()), ("250", 250));
        let mut entry = keyed(&["2", "0"]);
        entry.erase_digit();
        entry.erase_digit();
        entry.erase_digit();
        assert_eq!((entry.digits(), entry.minor_units()), ("", 0));
    }

    #[test]
    fn no_more_digits_than_one_payment_can_take() {
        let max = MAX_UNIT_AMOUNT.to_string();
        let mut entry = AmountEntry::default();
        for digit in max.chars() {
            entry.digit(&digit.to_string());
        }
        assert_eq!(entry.minor_units(), MAX_UNIT_AMOUNT);
        entry.digit("9");
        assert_eq!(
            entry.minor_units(),
            MAX_UNIT_AMOUNT,
            "the extra digit is ignored"
        );
    }

    #[test]
    fn the_description_starts_with_one_capital_like_a_phone() {
        let mut entry = AmountEntry::default();
        assert!(entry.upper());
        entry.key("T");
        assert!(!entry.upper());
        entry.key("i");
        entry.key("p");
        assert_eq!(entry.description(), "Tip");
        entry.shift();
        assert!(entry.upper());
        entry.shift();
        assert!(!entry.upper());
        for _ in 0..3 {
            entry.erase_key();
        }
        assert!(entry.upper(), "back to nothing: a capital again");
        assert_eq!(entry.typed_description(), None);
    }

    #[test]
    fn no_leading_or_double_spaces_and_nothing_past_the_limit() {
        let mut entry = AmountEntry::default();
        entry.key(" ");
        entry.key("A");
        entry.key(" ");
        entry.key(" ");
        entry.key("b");
        assert_eq!(entry.description(), "A b");
        for _ in 0..MAX_DESCRIPTION_CHARS {
            entry.key("x");
        }
        assert_eq!(entry.description().chars().count(), MAX_DESCRIPTION_CHARS);
        let mut entry = AmountEntry::default();
        entry.key("Cake ");
        assert_eq!(entry.typed_description(), Some("Cake"));
    }
}
