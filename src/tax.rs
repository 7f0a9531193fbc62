//! Tax (VAT, GST, sales tax) in integer minor units: rates as exact decimals, worked out per rate over the whole
//! cart and rounded half up, never per line and never with floats.
//!
//! The rule, written down (docs/tax.md has the worked examples the tests check):
//! - Lines are grouped by rate. A tip is outside the scope of tax (a voluntary tip is not a payment for goods or
//!   services in the UK, the EU or most US states) and is in no group.
//! - Prices include tax (UK, EU, Australia, Japan): per rate, `tax = gross × r / (100 + r)`, rounded half up to
//!   the minor unit, `net = gross − tax`.
//! - Prices exclude tax (a US counter): per rate, `tax = net × r / 100`, rounded half up, `gross = net + tax`; the
//!   taxes are added to the sale as a line of their own.
//! - A partial refund takes each rate's share in proportion to the amount refunded of the amount paid.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A tax rate as a percentage with at most two decimals, held exactly in hundredths of a percent
/// (20 % is 2000, 7.5 % is 750, 0 % is 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaxRate(u32);

/// The largest rate accepted: 100 %.
const MAX_HUNDREDTHS: u32 = 100 * 100;

impl TaxRate {
    pub const ZERO: TaxRate = TaxRate(0);

    pub fn from_hundredths(hundredths: u32) -> Option<Self> {
        (hundredths <= MAX_HUNDREDTHS).then_some(Self(hundredths))
    }

    pub fn hundredths(self) -> u32 {
        self.0
    }

    /// `"20"`, `"7.5"`, `"0"`, `"8.875"` refused (three decimals). A percentage from 0 to 100.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 3
            || !digits(whole)
            || !digits(fraction)
            || text.ends_with('.')
        {
            return Err(format!(
                "{text:?} is not a tax rate: expected a percentage such as 20, 7.5 or 0"
            ));
        }
        if fraction.len() > 2 {
            return Err(format!(
                "{text:?} has {} decimals; a tax rate has at most 2",
                fraction.len()
            ));
        }
        let whole: u32 = whole
            .parse()
            .map_err(|_| format!("{text:?} is not a tax rate"))?;
        let fraction: u32 = format!("{fraction:0<2}").parse().unwrap_or(0);
        Self::from_hundredths(whole * 100 + fraction)
            .ok_or_else(|| format!("{text:?} is more than 100 %"))
    }

    /// From a TOML value: a string (`"7.5"`), an integer (`20`) or a float (`7.5`). A float is read by its
    /// shortest decimal form, which is what the file says (`7.5`, never `7.4999…`).
    pub fn from_toml(value: &toml::Value) -> Result<Self, String> {
        match value {
            toml::Value::String(text) => Self::parse(text),
            toml::Value::Integer(n) if *n >= 0 => Self::parse(&n.to_string()),
            toml::Value::Float(f) if f.is_finite() && *f >= 0.0 => Self::parse(&format!("{f}")),
            other => Err(format!(
                "{other} is not a tax rate: expected a percentage such as 20, 7.5 or 0"
            )),
        }
    }
}

impl fmt::Display for TaxRate {
    /// The rate as people write it: `20`, `7.5`, `8.25`, `0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, fraction) = (self.0 / 100, self.0 % 100);
        match fraction {
            0 => write!(f, "{whole}"),
            n if n % 10 == 0 => write!(f, "{whole}.{}", n / 10),
            n => write!(f, "{whole}.{n:02}"),
        }
    }
}

impl Serialize for TaxRate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for TaxRate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        TaxRate::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// One rate's share of a sale: what `sales --json` prints as `{"rate": "20", "net": 417, "tax": 83, "gross": 500}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    pub rate: TaxRate,
    pub net: i64,
    pub tax: i64,
    pub gross: i64,
}

/// Whether shelf prices include tax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pricing {
    /// Prices include tax (the default): the tax is worked out of them.
    TaxIncluded,
    /// Prices exclude tax: the tax is added at checkout.
    TaxAdded,
}

/// `[checkout] tax_rate`, `tax_name` and `prices_include_tax`: the rate of items without their own, what the tax
/// is called on screen and on paper, and whether shelf prices include it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxSettings {
    /// The rate of an item without `tax_rate`, and of a custom amount. `None`: such lines carry no tax.
    pub default_rate: Option<TaxRate>,
    /// `VAT`, `GST`, `Sales tax`.
    pub name: String,
    pub pricing: Pricing,
}

impl Default for TaxSettings {
    fn default() -> Self {
        Self {
            default_rate: None,
            name: "Tax".to_owned(),
            pricing: Pricing::TaxIncluded,
        }
    }
}

/// `numerator / denominator` rounded half up (both positive, or a zero numerator).
fn div_half_up(numerator: i128, denominator: i128) -> i64 {
    let rounded = (2 * numerator + denominator) / (2 * denominator);
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// The tax of a cart, per rate, lowest rate first. `lines` are `(rate, amount)`: amounts as priced on the shelf
/// (gross with [`Pricing::TaxIncluded`], net with [`Pricing::TaxAdded`]); a line without a rate (a tip) is left
/// out.
pub fn breakdown(
    lines: impl IntoIterator<Item = (Option<TaxRate>, i64)>,
    pricing: Pricing,
) -> Vec<TaxLine> {
    let mut groups: std::collections::BTreeMap<TaxRate, i64> = std::collections::BTreeMap::new();
    for (rate, amount) in lines {
        if let Some(rate) = rate {
            *groups.entry(rate).or_default() += amount;
        }
    }
    groups
        .into_iter()
        .map(|(rate, amount)| {
            let r = i128::from(rate.0);
            let amount_wide = i128::from(amount.max(0));
            match pricing {
                Pricing::TaxIncluded => {
                    let tax = div_half_up(amount_wide * r, i128::from(MAX_HUNDREDTHS) + r);
                    TaxLine {
                        rate,
                        net: amount - tax,
                        tax,
                        gross: amount,
                    }
                }
                Pricing::TaxAdded => {
                    let tax = div_half_up(amount_wide * r, i128::from(MAX_HUNDREDTHS));
                    TaxLine {
                        rate,
                        net: amount,
                        tax,
                        gross: amount + tax,
                    }
                }
            }
        })
        .collect()
}

/// The total tax of a breakdown.
pub fn total_tax(lines: &[TaxLine]) -> i64 {
    lines.iter().map(|line| line.tax).sum()
}

/// A refund of `refunded` out of `paid` takes each rate's net, tax and gross in that proportion (half up), so a
/// refund of everything takes back exactly the sale's tax.
pub fn refund_share(lines: &[TaxLine], refunded: i64, paid: i64) -> Vec<TaxLine> {
    if paid <= 0 || refunded <= 0 {
        return Vec::new();
    }
    if refunded >= paid {
        return lines.to_vec();
    }
    let share =
        |amount: i64| div_half_up(i128::from(amount) * i128::from(refunded), i128::from(paid));
    lines
        .iter()
        .map(|line| {
            let gross = share(line.gross);
            let tax = share(line.tax);
            TaxLine {
                rate: line.rate,
                net: gross - tax,
                tax,
                gross,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(text: &str) -> Option<TaxRate> {
        Some(TaxRate::parse(text).unwrap())
    }

    fn line(r: &str, net: i64, tax: i64, gross: i64) -> TaxLine {
        TaxLine {
            rate: TaxRate::parse(r).unwrap(),
            net,
            tax,
            gross,
        }
    }

    #[test]
    fn rates_are_exact_decimals_with_at_most_two_places() {
        assert_eq!(TaxRate::parse("20").unwrap().hundredths(), 2000);
        assert_eq!(TaxRate::parse("7.5").unwrap().hundredths(), 750);
        assert_eq!(TaxRate::parse("8.25").unwrap().hundredths(), 825);
        assert_eq!(TaxRate::parse("0").unwrap(), TaxRate::ZERO);
        assert_eq!(TaxRate::parse("7.5").unwrap().to_string(), "7.5");
        assert_eq!(TaxRate::parse("7.50").unwrap().to_string(), "7.5");
        assert_eq!(TaxRate::parse("8.25").unwrap().to_string(), "8.25");
        assert_eq!(TaxRate::parse("5.05").unwrap().to_string(), "5.05");
        assert_eq!(TaxRate::parse("20.0").unwrap().to_string(), "20");
        let error = TaxRate::parse("8.875").unwrap_err();
        assert!(error.contains("3 decimals"), "{error}");
        for bad in ["", "-5", "abc", "101", "7.", ".5", "1e2", "20%"] {
            assert!(TaxRate::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            TaxRate::from_toml(&toml::Value::Float(7.5))
                .unwrap()
                .hundredths(),
            750
        );
        assert_eq!(
            TaxRate::from_toml(&toml::Value::Float(8.25))
                .unwrap()
                .hundredths(),
            825
        );
        assert_eq!(
            TaxRate::from_toml(&toml::Value::Integer(20))
                .unwrap()
                .hundredths(),
            2000
        );
        assert!(TaxRate::from_toml(&toml::Value::Float(8.875)).is_err());
        assert!(TaxRate::from_toml(&toml::Value::Boolean(true)).is_err());
    }

    /// The issue's own example: 5.00 at 20 % included is 4.17 net and 0.83 tax (83.33 rounds down).
    #[test]
    fn prices_with_tax_included_give_the_tax_out_of_the_gross() {
        assert_eq!(
            breakdown([(rate("20"), 500)], Pricing::TaxIncluded),
            vec![line("20", 417, 83, 500)]
        );
    }

    /// Mixed rates, a 0 % item and a tip: latte 3.40 and croissant 2.75 at 20 % (6.15: 102.5 rounds up to 1.03),
    /// juice 1.00 at 5 % (4.76 rounds to 0.05), bread 2.00 at 0 %, a tip of 0.50 in no group.
    #[test]
    fn mixed_rates_a_zero_rate_and_a_tip() {
        let lines = [
            (rate("20"), 340),
            (rate("5"), 100),
            (rate("20"), 275),
            (rate("0"), 200),
            (None, 50),
        ];
        let tax = breakdown(lines, Pricing::TaxIncluded);
        assert_eq!(
            tax,
            vec![
                line("0", 200, 0, 200),
                line("5", 95, 5, 100),
                line("20", 512, 103, 615)
            ]
        );
        assert_eq!(total_tax(&tax), 108);
    }

    /// Per rate over the cart, not per line: three 1.05 lines at 20 % are 3.15 gross, 52.5 tax, rounded to 0.53;
    /// rounding each line (17.5 up to 18) would have charged 0.54.
    #[test]
    fn tax_is_rounded_once_per_rate_not_per_line() {
        let lines = [(rate("20"), 105), (rate("20"), 105), (rate("20"), 105)];
        assert_eq!(
            breakdown(lines, Pricing::TaxIncluded),
            vec![line("20", 262, 53, 315)]
        );
    }

    /// A US counter: 10.00 at 7.5 % is 0.75; 2.00 at 8.88 % is 17.76, rounded to 0.18; 0.10 at 5 % is exactly
    /// half a cent, rounded up to 0.01.
    #[test]
    fn tax_added_at_checkout_is_rounded_half_up() {
        assert_eq!(
            breakdown([(rate("7.5"), 1000)], Pricing::TaxAdded),
            vec![line("7.5", 1000, 75, 1075)]
        );
        assert_eq!(
            breakdown([(rate("8.88"), 200)], Pricing::TaxAdded),
            vec![line("8.88", 200, 18, 218)]
        );
        assert_eq!(
            breakdown([(rate("5"), 10)], Pricing::TaxAdded),
            vec![line("5", 10, 1, 11)]
        );
        assert_eq!(
            breakdown([(rate("0"), 999)], Pricing::TaxAdded),
            vec![line("0", 999, 0, 999)]
        );
    }

    /// JPY has no minor unit: amounts are whole yen, so tax is rounded to the yen. 1,100 yen at 10 % included is
    /// 100 tax; 540 yen at 8 % is 40; 1,000 yen at 8 % added is 80.
    #[test]
    fn a_currency_without_minor_units_rounds_to_the_unit() {
        assert_eq!(
            breakdown([(rate("10"), 1100), (rate("8"), 540)], Pricing::TaxIncluded),
            vec![line("8", 500, 40, 540), line("10", 1000, 100, 1100)]
        );
        assert_eq!(
            breakdown([(rate("8"), 1000)], Pricing::TaxAdded),
            vec![line("8", 1000, 80, 1080)]
        );
    }

    /// A refund of 1.50 of a 5.50 sale (5.00 at 20 % and a 0.50 tip) takes 1.50/5.50 of each rate: gross 1.36,
    /// tax 0.23 (22.6 rounds up), net 1.13. A whole refund takes back exactly the sale's tax.
    #[test]
    fn a_partial_refund_takes_its_share_of_each_rate() {
        let sale = breakdown([(rate("20"), 500), (None, 50)], Pricing::TaxIncluded);
        assert_eq!(
            refund_share(&sale, 150, 550),
            vec![line("20", 113, 23, 136)]
        );
        assert_eq!(refund_share(&sale, 550, 550), sale);
        assert!(refund_share(&sale, 0, 550).is_empty());
    }
}
