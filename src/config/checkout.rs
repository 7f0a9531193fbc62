//! The `[checkout]` section: the currency, how often a sale is polled, when it times out, and the tips offered.

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use crate::money::Currency;
use crate::tax::{Pricing, TaxRate, TaxSettings};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckoutSection {
    pub(super) currency: String,
    #[serde(default = "default_poll_interval_ms")]
    poll_interval_ms: u64,
    #[serde(default = "default_timeout_s")]
    timeout_s: u64,
    /// Tip choices offered to the customer after Charge, in percent; none (the default) offers no tip.
    #[serde(default)]
    tip_percentages: Vec<i64>,
    /// What the kiosk does once the catalog in use is past its `expires`.
    #[serde(default)]
    on_catalog_expired: OnCatalogExpired,
    /// The tax rate of items without their own `tax_rate`, in percent (`20`, `7.5`, `"7.5"`).
    #[serde(default)]
    tax_rate: Option<toml::Value>,
    /// What the tax is called on screen and on paper: `VAT`, `GST`, `Sales tax`.
    #[serde(default)]
    tax_name: Option<String>,
    /// Shelf prices include tax (the default: UK, EU, Australia, Japan); `false` adds it at checkout (US).
    #[serde(default = "prices_include_tax_by_default")]
    prices_include_tax: bool,
}

fn prices_include_tax_by_default() -> bool {
    true
}

/// `[checkout] on_catalog_expired`: once the catalog in use is past its `expires` (no newer one could be
/// fetched), keep selling with a warning on screen (`warn`, the default) or stop taking sales (`stop`).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnCatalogExpired {
    #[default]
    Warn,
    Stop,
}

fn default_poll_interval_ms() -> u64 {
    2000
}

fn default_timeout_s() -> u64 {
    180
}

#[derive(Clone, Debug)]
pub struct CheckoutSettings {
    pub currency: Currency,
    pub poll_interval: Duration,
    pub timeout: Duration,
    /// `tip_percentages`: the tips offered after Charge, in percent; empty: the tip screen is off.
    pub tip_percentages: Vec<u32>,
    pub on_catalog_expired: OnCatalogExpired,
    /// `tax_rate`, `tax_name`, `prices_include_tax`.
    pub tax: TaxSettings,
}

pub(super) fn checkout_settings(
    raw: &CheckoutSection,
    currency: Currency,
    file: &str,
) -> Result<CheckoutSettings, ConfigError> {
    if raw.poll_interval_ms < 250 || raw.poll_interval_ms > 60_000 {
        return Err(ConfigError(format!(
            "{file}: [checkout] poll_interval_ms must be between 250 and 60000 milliseconds, got {}",
            raw.poll_interval_ms
        )));
    }
    if raw.timeout_s < 10 || raw.timeout_s > 3600 {
        return Err(ConfigError(format!(
            "{file}: [checkout] timeout_s must be between 10 and 3600 seconds, got {}",
            raw.timeout_s
        )));
    }
    Ok(CheckoutSettings {
        currency,
        poll_interval: Duration::from_millis(raw.poll_interval_ms),
        timeout: Duration::from_secs(raw.timeout_s),
        tip_percentages: tip_percentages(&raw.tip_percentages)
            .map_err(|e| ConfigError(format!("{file}: [checkout] tip_percentages {e}")))?,
        on_catalog_expired: raw.on_catalog_expired,
        tax: tax_settings(raw).map_err(|e| ConfigError(format!("{file}: [checkout] {e}")))?,
    })
}

fn tax_settings(raw: &CheckoutSection) -> Result<TaxSettings, String> {
    let default_rate = raw
        .tax_rate
        .as_ref()
        .map(|value| TaxRate::from_toml(value).map_err(|e| format!("tax_rate: {e}")))
        .transpose()?;
    let name = match raw.tax_name.as_deref().map(str::trim) {
        None => TaxSettings::default().name,
        Some(name)
            if name.is_empty()
                || name.chars().count() > 20
                || name.chars().any(char::is_control) =>
        {
            return Err(format!(
                "tax_name must be 1 to 20 characters without control characters, such as \"VAT\", got {name:?}"
            ));
        }
        Some(name) => name.to_owned(),
    };
    Ok(TaxSettings {
        default_rate,
        name,
        pricing: if raw.prices_include_tax {
            Pricing::TaxIncluded
        } else {
            Pricing::TaxAdded
        },
    })
}

pub(super) fn currency_of(raw: &CheckoutSection, file: &str) -> Result<Currency, ConfigError> {
    Currency::from_code(&raw.currency)
        .map_err(|e| ConfigError(format!("{file}: [checkout] currency: {e}")))
}

/// At most four distinct whole percentages from 1 to 100, kept in the order written: four choices and
/// "No tip" still fit the narrowest screen with finger-sized buttons.
pub(super) fn tip_percentages(raw: &[i64]) -> Result<Vec<u32>, String> {
    if raw.len() > 4 {
        return Err(format!(
            "must list at most 4 percentages, got {}",
            raw.len()
        ));
    }
    let mut percentages = Vec::with_capacity(raw.len());
    for &value in raw {
        let percent = u32::try_from(value)
            .ok()
            .filter(|p| (1..=100).contains(p))
            .ok_or_else(|| format!("must be whole percentages from 1 to 100, got {value}"))?;
        if percentages.contains(&percent) {
            return Err(format!("lists {percent} twice"));
        }
        percentages.push(percent);
    }
    Ok(percentages)
}
