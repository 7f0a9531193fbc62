//! Money as integer minor units with ISO 4217 exponents. Never floats.

use std::fmt;

use iso_currency::Currency as IsoCurrency;

/// An ISO 4217 currency the kiosk can charge in (one with a defined minor-unit exponent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency(IsoCurrency);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    #[error(
        "unknown currency code {0:?}: expected an ISO 4217 code in upper case, such as \"GBP\""
    )]
    Unknown(String),
    #[error(
        "currency {0:?} has no minor unit (it is not a circulating currency) and cannot be charged"
    )]
    NoMinorUnit(String),
}

impl Currency {
    /// Parses an upper-case ISO 4217 code such as `GBP`.
    pub fn from_code(code: &str) -> Result<Self, CurrencyError> {
        let iso =
            IsoCurrency::from_code(code).ok_or_else(|| CurrencyError::Unknown(code.to_owned()))?;
        if iso.exponent().is_none() {
            return Err(CurrencyError::NoMinorUnit(code.to_owned()));
        }
        Ok(Self(iso))
    }

    /// Parses a code in any case, as providers sometimes send `gbp`.
    pub fn from_code_any_case(code: &str) -> Result<Self, CurrencyError> {
        Self::from_code(&code.to_ascii_uppercase())
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Number of digits after the decimal separator: GBP 2, JPY 0, KWD 3.
    pub fn exponent(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(2))
    }

    /// The currency sign people expect in front of an amount, or `None` when the code reads better
    /// (ISO data lists signs such as "₣" for CHF that nobody in Switzerland writes).
    fn prefix_symbol(self) -> Option<String> {
        const WELL_KNOWN_SIGNS: &[&str] = &[
            "£", "$", "€", "¥", "₹", "₩", "₪", "₺", "₱", "₫", "₴", "₦", "฿",
        ];
        let symbol = self.0.symbol().symbol;
        WELL_KNOWN_SIGNS
            .contains(&symbol.as_str())
            .then_some(symbol)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount in a currency's minor units (pence, cents, yen, fils).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    pub minor_units: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor_units: i64, currency: Currency) -> Self {
        Self {
            minor_units,
            currency,
        }
    }

    /// A positive amount typed by a person in `currency`'s usual notation: `1.50`, `1.5` and `2` for GBP, `150`
    /// for JPY; never a sign, an exponent or more decimals than the currency has (a JPY amount has none).
    pub fn parse_decimal(text: &str, currency: Currency) -> Result<Self, String> {
        let text = text.trim();
        let exponent = currency.exponent() as usize;
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || (text.ends_with('.')) {
            return Err(format!(
                "{text:?} is not an amount: expected digits with an optional decimal point, such as {}",
                Money::new(150 * 10_i64.pow(exponent as u32) / 100, currency).format_plain()
            ));
        }
        if fraction.len() > exponent {
            return Err(format!(
                "{text:?} has {} decimals; {} has {exponent}",
                fraction.len(),
                currency.code()
            ));
        }
        let scale = 10_i64.pow(exponent as u32);
        let padded = format!("{fraction:0<exponent$}");
        let minor = whole
            .parse::<i64>()
            .ok()
            .and_then(|w| w.checked_mul(scale))
            .and_then(|w| w.checked_add(padded.parse::<i64>().unwrap_or(0)))
            .ok_or_else(|| format!("{text:?} is too large an amount"))?;
        if minor == 0 {
            return Err(format!("{text:?}: the amount must be more than zero"));
        }
        Ok(Money::new(minor, currency))
    }

    /// The amount without any symbol: `12.50`, `500`, `3.125`.
    pub fn format_plain(&self) -> String {
        self.digits(NumberStyle::ENGLISH)
    }

    /// The amount as a reader of `style`'s language expects it, with the currency's sign or code.
    pub fn format_with(&self, style: NumberStyle) -> String {
        let digits = self.digits(style);
        let (sign, positive) = match digits.strip_prefix('-') {
            Some(positive) => ("-", positive),
            None => ("", digits.as_str()),
        };
        let symbol = self.currency.prefix_symbol();
        match (style.symbol_after, symbol) {
            (false, Some(symbol)) => format!("{sign}{symbol}{positive}"),
            (false, None) => format!("{} {digits}", self.currency.code()),
            // A no-break space: the amount and its currency never end up on two lines.
            (true, Some(symbol)) => format!("{digits}\u{a0}{symbol}"),
            (true, None) => format!("{digits}\u{a0}{}", self.currency.code()),
        }
    }

    /// The amount without a currency sign, as a reader of `style`'s language writes it: `4.17`, `4,17`.
    pub fn format_digits(&self, style: NumberStyle) -> String {
        self.digits(style)
    }

    fn digits(&self, style: NumberStyle) -> String {
        let exponent = self.currency.exponent();
        let sign = if self.minor_units < 0 { "-" } else { "" };
        let abs = self.minor_units.unsigned_abs();
        if exponent == 0 {
            return format!("{sign}{}", group_thousands(abs, style.group));
        }
        let divisor = 10u64.pow(exponent);
        format!(
            "{sign}{}{}{:0width$}",
            group_thousands(abs / divisor, style.group),
            style.decimal,
            abs % divisor,
            width = exponent as usize
        )
    }
}

/// How a language writes numbers and where it puts the currency sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberStyle {
    pub decimal: char,
    pub group: char,
    /// `12,50 €` rather than `€12.50`.
    pub symbol_after: bool,
}

impl NumberStyle {
    pub const ENGLISH: NumberStyle = NumberStyle {
        decimal: '.',
        group: ',',
        symbol_after: false,
    };
    pub const GERMAN: NumberStyle = NumberStyle {
        decimal: ',',
        group: '.',
        symbol_after: true,
    };
}

fn group_thousands(value: u64, separator: char) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// `£12.50`, `¥500`, `KWD 3.125`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_with(NumberStyle::ENGLISH))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn typed_amounts_follow_the_currencys_exponent() {
        use super::{Currency, Money};
        let gbp = Currency::from_code("GBP").unwrap();
        let jpy = Currency::from_code("JPY").unwrap();
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(Money::parse_decimal("1.50", gbp).unwrap().minor_units, 150);
        assert_eq!(Money::parse_decimal("1.5", gbp).unwrap().minor_units, 150);
        assert_eq!(Money::parse_decimal("2", gbp).unwrap().minor_units, 200);
        assert_eq!(Money::parse_decimal("150", jpy).unwrap().minor_units, 150);
        assert_eq!(Money::parse_decimal("0.125", kwd).unwrap().minor_units, 125);
        let error = Money::parse_decimal("1.505", gbp).unwrap_err();
        assert!(error.contains("3 decimals; GBP has 2"), "{error}");
        let error = Money::parse_decimal("150.0", jpy).unwrap_err();
        assert!(error.contains("JPY has 0"), "{error}");
        for bad in [
            "",
            "-1",
            "+1",
            "1e3",
            "1,50",
            ".5",
            "1.",
            "abc",
            "0",
            "0.00",
            "99999999999999999999",
        ] {
            assert!(
                Money::parse_decimal(bad, gbp).is_err(),
                "{bad:?} was accepted"
            );
        }
    }

    use super::*;

    fn money(amount: i64, code: &str) -> String {
        Money::new(amount, Currency::from_code(code).unwrap()).to_string()
    }

    #[test]
    fn formats_with_iso_exponents() {
        assert_eq!(money(250, "GBP"), "£2.50");
        assert_eq!(money(1250, "GBP"), "£12.50");
        assert_eq!(money(5, "GBP"), "£0.05");
        assert_eq!(money(500, "JPY"), "¥500");
        assert_eq!(money(3125, "KWD"), "KWD 3.125");
        assert_eq!(money(123456789, "EUR"), "€1,234,567.89");
        assert_eq!(money(-250, "USD"), "-$2.50");
        assert_eq!(money(1000, "CHF"), "CHF 10.00");
    }

    #[test]
    fn rejects_unknown_and_lower_case_codes() {
        assert!(matches!(
            Currency::from_code("GBX"),
            Err(CurrencyError::Unknown(_))
        ));
        assert!(matches!(
            Currency::from_code("gbp"),
            Err(CurrencyError::Unknown(_))
        ));
        assert_eq!(Currency::from_code_any_case("gbp").unwrap().code(), "GBP");
        assert!(matches!(
            Currency::from_code("XAU"),
            Err(CurrencyError::NoMinorUnit(_))
        ));
    }
}
