//! The configuration file, read and parsed once: the start-up fetch of `catalog_url` takes the feed's settings
//! from it, and the whole [`Config`] is then made from the same parse (a file read twice could change between the
//! reads, and a pipe such as `--config <(decrypt config.toml)` can be read only once).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::catalog_choice::{CatalogChoice, choose_catalog};
use super::catalog_feed::{FeedKeys, catalog_feed_settings};
use super::checkout::{CheckoutSection, checkout_settings, currency_of};
use super::display::{DisplaySection, display_settings};
use super::gpio::{GpioSection, gpio_settings};
use super::identity::{default_kiosk_id, validate_kiosk_id, validate_order_prefix};
use super::staff::{StaffSection, staff_settings};
use super::wooshpay::{WooshpaySection, wooshpay_settings};
use super::{CatalogFeedSettings, Config, ConfigError, FeedStart};
use crate::catalog::Catalog;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    /// Required unless `catalog_url` is set; with it, the catalog used until the first fetch succeeds.
    catalog: Option<PathBuf>,
    catalog_url: Option<String>,
    catalog_refresh_s: Option<u64>,
    catalog_signature_key: Option<String>,
    wooshpay: WooshpaySection,
    checkout: CheckoutSection,
    #[serde(default)]
    kiosk: KioskSection,
    #[serde(default)]
    display: DisplaySection,
    gpio: Option<GpioSection>,
    staff: Option<StaffSection>,
    printer: Option<crate::printer::RawPrinter>,
    metrics: Option<crate::metrics::RawMetrics>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KioskSection {
    id: Option<String>,
    order_prefix: Option<String>,
}

/// A configuration file that parsed as TOML with only known keys; its values are checked by [`ConfigDraft::finish`].
pub struct ConfigDraft {
    path: PathBuf,
    raw: ConfigFile,
}

impl ConfigDraft {
    /// Reads `path` once.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!(
                "{}: cannot read the configuration file: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text, path)
    }

    /// `text` as the contents of `path` (which names it in errors and anchors relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let raw = toml::from_str(text)
            .map_err(|e| ConfigError(crate::toml_errors::describe(path, text, &e)))?;
        Ok(Self {
            path: path.to_owned(),
            raw,
        })
    }

    fn file(&self) -> String {
        self.path.display().to_string()
    }

    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    fn feed_settings(&self) -> Result<Option<CatalogFeedSettings>, ConfigError> {
        catalog_feed_settings(
            FeedKeys {
                url: self.raw.catalog_url.clone(),
                refresh_s: self.raw.catalog_refresh_s,
                signature_key: self.raw.catalog_signature_key.clone(),
            },
            &self.file(),
            self.dir(),
        )
    }

    /// The catalog feed's settings, the checkout currency and the `catalog` file if one is set: what the
    /// start-up fetch needs before the whole configuration can be finished with its result.
    pub fn catalog_feed(&self) -> Result<Option<FeedStart>, ConfigError> {
        let currency = currency_of(&self.raw.checkout, &self.file())?;
        let bootstrap_file = self.raw.catalog.as_ref().map(|p| self.dir().join(p));
        Ok(self.feed_settings()?.map(|settings| FeedStart {
            settings,
            currency,
            bootstrap_file,
        }))
    }

    /// Checks every value and loads the catalog as `choice` says (a feed's kept copy is looked for in
    /// `state_dir`).
    pub fn finish(self, state_dir: &Path, choice: CatalogChoice) -> Result<Config, ConfigError> {
        let file = self.file();
        let dir = self.dir().to_owned();
        let catalog_feed = self.feed_settings()?;
        let raw = self.raw;
        let currency = currency_of(&raw.checkout, &file)?;
        let checkout = checkout_settings(&raw.checkout, currency, &file)?;
        let wooshpay = wooshpay_settings(raw.wooshpay, &file, &dir)?;
        let kiosk_id = match raw.kiosk.id {
            Some(id) => validate_kiosk_id(&id)
                .map_err(|e| ConfigError(format!("{file}: [kiosk] id: {e}")))?,
            None => default_kiosk_id(),
        };
        let order_prefix = raw
            .kiosk
            .order_prefix
            .as_deref()
            .map(validate_order_prefix)
            .transpose()
            .map_err(|e| ConfigError(format!("{file}: [kiosk] order_prefix: {e}")))?;
        let display = display_settings(raw.display, &file)?;
        let gpio = raw
            .gpio
            .map(|section| gpio_settings(section, &file))
            .transpose()?;
        let staff = raw
            .staff
            .map(|section| staff_settings(section, &file))
            .transpose()?;
        let printer = raw
            .printer
            .as_ref()
            .map(|section| crate::printer::validate(section, &file))
            .transpose()
            .map_err(ConfigError)?;
        let metrics = raw
            .metrics
            .as_ref()
            .map(|section| crate::metrics::validate(section, &file))
            .transpose()
            .map_err(ConfigError)?;
        let catalog_path = raw.catalog.as_ref().map(|p| dir.join(p));
        let catalog = match choice {
            CatalogChoice::Fetched(catalog) if catalog_feed.is_some() => catalog,
            CatalogChoice::Skip => Catalog {
                currency,
                items: Vec::new(),
                category_names: Vec::new(),
                serial: None,
                expires: None,
            },
            _ => choose_catalog(
                catalog_feed.as_ref(),
                catalog_path.as_deref(),
                currency,
                state_dir,
                &self.path,
            )?,
        };
        Ok(Config {
            path: self.path,
            catalog_path,
            catalog,
            catalog_feed,
            wooshpay,
            checkout,
            kiosk_id,
            order_prefix,
            display,
            gpio,
            staff,
            printer,
            metrics,
        })
    }
}
