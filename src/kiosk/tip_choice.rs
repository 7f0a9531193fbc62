//! The tip screen's choices: each offered percentage worked out on the order's total, in whole minor units.

use crate::money::Money;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TipOption {
    pub percent: u32,
    pub amount: Money,
}

/// One choice per percentage, rounded half up to the currency's minor unit (10 % of £3.45 is 35p): the
/// customer sees the exact amount that will be charged, and it is never a fraction of a penny.
pub fn tip_options(total: Money, percentages: &[u32]) -> Vec<TipOption> {
    percentages
        .iter()
        .map(|&percent| TipOption {
            percent,
            amount: Money::new(
                (total.minor_units.saturating_mul(i64::from(percent)) + 50) / 100,
                total.currency,
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn tips_are_whole_minor_units_rounded_half_up() {
        let gbp = Currency::from_code("GBP").unwrap();
        let options = tip_options(Money::new(345, gbp), &[10, 15, 20]);
        let amounts: Vec<i64> = options.iter().map(|o| o.amount.minor_units).collect();
        // 34.5p → 35p, 51.75p → 52p, 69p.
        assert_eq!(amounts, [35, 52, 69]);
        assert_eq!(options[1].percent, 15);
        // A currency without minor units tips in whole yen.
        let jpy = Currency::from_code("JPY").unwrap();
        let yen = tip_options(Money::new(1_250, jpy), &[10]);
        assert_eq!(
            (yen[0].amount.minor_units, yen[0].amount.currency),
            (125, jpy)
        );
        assert!(tip_options(Money::new(345, gbp), &[]).is_empty());
    }
}
