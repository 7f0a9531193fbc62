//! The kiosk's TOML configuration: where it is found, what it may contain, and how the secret key is found.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::money::Currency;

mod catalog_choice;
mod catalog_feed;
mod checkout;
mod display;
mod draft;
mod gpio;
mod identity;
mod staff;
mod wooshpay;

pub use crate::catalog_feed::CatalogFeedSettings;
pub use catalog_choice::CatalogChoice;
pub use catalog_feed::{DEFAULT_REFRESH_S, REFRESH_S_RANGE};
pub use checkout::{CheckoutSettings, OnCatalogExpired};
pub use display::{DisplaySettings, Renderer};
pub use draft::ConfigDraft;
pub use gpio::{GpioSettings, MAX_BCM_PIN};
pub use identity::{default_kiosk_id, kiosk_id_from, parse_base_url};
pub use staff::StaffSettings;
pub use wooshpay::WooshpaySettings;

pub const DEFAULT_CONFIG_PATH: &str = "/etc/wooshpay-kiosk/config.toml";
pub const CONFIG_ENV: &str = "WOOSHPAY_KIOSK_CONFIG";
pub const SECRET_KEY_ENV: &str = "WOOSHPAY_SECRET_KEY";
pub const CREDENTIAL_NAME: &str = "wooshpay-secret-key";
pub const TEST_BASE_URL: &str = "https://apitest.wooshpay.com";
pub const LIVE_BASE_URL: &str = "https://api.wooshpay.com";

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// A validated configuration with its catalog loaded.
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    /// The `catalog` file; `None` when only `catalog_url` is set.
    pub catalog_path: Option<PathBuf>,
    /// The `catalog` file, or with `catalog_url` the last good fetched copy (else the file until one exists).
    pub catalog: Catalog,
    /// `catalog_url` and its keys; `None`: the catalog is the local file alone.
    pub catalog_feed: Option<CatalogFeedSettings>,
    pub wooshpay: WooshpaySettings,
    pub checkout: CheckoutSettings,
    pub kiosk_id: String,
    /// `[kiosk] order_prefix`: "A" makes order 12 "A-12" on screen, receipt and ticket.
    pub order_prefix: Option<String>,
    pub display: DisplaySettings,
    /// `None`: no `[gpio]` section, so no lights, buzzer or buttons.
    pub gpio: Option<GpioSettings>,
    /// `None`: no `[staff]` section, so no admin screen.
    pub staff: Option<StaffSettings>,
    /// `None`: no `[printer]` section, so nothing is printed.
    pub printer: Option<crate::printer::PrinterConfig>,
    /// `None`: no `[metrics]` section, so nothing is published.
    pub metrics: Option<crate::metrics::MetricsConfig>,
}

/// Where the configuration file is looked for: `--config`, then `$WOOSHPAY_KIOSK_CONFIG`, then `/etc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    Flag(PathBuf),
    Environment(PathBuf),
    Default(PathBuf),
}

impl ConfigSource {
    pub fn locate(flag: Option<&Path>) -> Self {
        if let Some(path) = flag {
            return Self::Flag(path.to_owned());
        }
        match std::env::var_os(CONFIG_ENV) {
            Some(path) if !path.is_empty() => Self::Environment(PathBuf::from(path)),
            _ => Self::Default(PathBuf::from(DEFAULT_CONFIG_PATH)),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Self::Flag(p) | Self::Environment(p) | Self::Default(p) => p,
        }
    }

    /// Only the default location may be absent (that means "not set up yet"); a named file must exist.
    pub fn is_explicit(&self) -> bool {
        !matches!(self, Self::Default(_))
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        ConfigDraft::read(path)?.finish(&crate::state::state_dir(), CatalogChoice::Load)
    }

    /// With `catalog_url`, the last good copy is looked for in [`crate::state::state_dir`].
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        Self::parse_with_state_dir(text, path, &crate::state::state_dir())
    }

    pub fn parse_with_state_dir(
        text: &str,
        path: &Path,
        state_dir: &Path,
    ) -> Result<Self, ConfigError> {
        ConfigDraft::parse(text, path)?.finish(state_dir, CatalogChoice::Load)
    }

    /// Everything but the catalog, which is left empty: for `status` and `reconcile`, which must answer on a
    /// kiosk whose catalog cannot be loaded (that is when a fleet's operator asks).
    pub fn load_without_catalog(path: &Path) -> Result<Self, ConfigError> {
        ConfigDraft::read(path)?.finish(&crate::state::state_dir(), CatalogChoice::Skip)
    }
}

/// What the start-up fetch needs from the configuration, before the rest of it is loaded.
#[derive(Clone, Debug)]
pub struct FeedStart {
    pub settings: CatalogFeedSettings,
    pub currency: Currency,
    /// The `catalog` file, if set: the catalog until the first fetch succeeds.
    pub bootstrap_file: Option<PathBuf>,
}

#[cfg(test)]
mod tests;
