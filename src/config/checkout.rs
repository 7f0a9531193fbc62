//! The `[checkout]` section: the currency, how often a sale is polled, when it times out, and the tips offered.

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use crate::money::Currency;

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
