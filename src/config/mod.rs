//! The kiosk's TOML configuration: where it is found, what it may contain, and how the secret key is found.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::catalog::Catalog;
use crate::money::Currency;
use crate::secret::{KeyMode, SecretKey};

mod catalog_feed;
mod display;
mod gpio;
mod identity;
mod staff;

pub use crate::catalog_feed::CatalogFeedSettings;
pub use catalog_feed::{DEFAULT_REFRESH_S, REFRESH_S_RANGE};
use catalog_feed::{FeedKeys, catalog_feed_settings};
use display::{DisplaySection, display_settings};
pub use display::{DisplaySettings, Renderer};
use gpio::{GpioSection, gpio_settings};
pub use gpio::{GpioSettings, MAX_BCM_PIN};
use identity::validate_kiosk_id;
pub use identity::{default_kiosk_id, kiosk_id_from, parse_base_url};
pub use staff::StaffSettings;
use staff::{StaffSection, staff_settings};

pub const DEFAULT_CONFIG_PATH: &str = "/etc/wooshpay-kiosk/config.toml";
pub const CONFIG_ENV: &str = "WOOSHPAY_KIOSK_CONFIG";
pub const SECRET_KEY_ENV: &str = "WOOSHPAY_SECRET_KEY";
pub const CREDENTIAL_NAME: &str = "wooshpay-secret-key";
pub const TEST_BASE_URL: &str = "https://apitest.wooshpay.com";
pub const LIVE_BASE_URL: &str = "https://api.wooshpay.com";

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WooshpaySection {
    base_url: Option<String>,
    secret_key_file: Option<PathBuf>,
    success_url: String,
    cancel_url: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckoutSection {
    currency: String,
    #[serde(default = "default_poll_interval_ms")]
    poll_interval_ms: u64,
    #[serde(default = "default_timeout_s")]
    timeout_s: u64,
    /// Tip choices offered to the customer after Charge, in percent; none (the default) offers no tip.
    #[serde(default)]
    tip_percentages: Vec<i64>,
}

fn default_poll_interval_ms() -> u64 {
    2000
}

fn default_timeout_s() -> u64 {
    180
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KioskSection {
    id: Option<String>,
}

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

#[derive(Clone, Debug)]
pub struct WooshpaySettings {
    /// `None`: chosen from the key's prefix by [`Config::api_base_url`].
    pub base_url: Option<Url>,
    pub secret_key_file: Option<PathBuf>,
    pub success_url: String,
    pub cancel_url: String,
}

#[derive(Clone, Debug)]
pub struct CheckoutSettings {
    pub currency: Currency,
    pub poll_interval: Duration,
    pub timeout: Duration,
    /// `tip_percentages`: the tips offered after Charge, in percent; empty: the tip screen is off.
    pub tip_percentages: Vec<u32>,
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
        let text = read_config_file(path)?;
        Self::parse(&text, path)
    }

    /// With `catalog_url`, the last good copy is looked for in [`crate::state::state_dir`].
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        Self::parse_with_state_dir(text, path, &crate::state::state_dir())
    }

    /// The catalog feed's settings and the checkout currency, and the `catalog` file if one is set, read
    /// before the whole configuration: the start-up fetch needs them, and [`Config::load`] its result.
    pub fn load_catalog_feed(path: &Path) -> Result<Option<FeedStart>, ConfigError> {
        let text = read_config_file(path)?;
        let raw = parse_raw(&text, path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let currency = currency_of(&raw, path)?;
        let bootstrap_file = raw.catalog.as_ref().map(|p| dir.join(p));
        Ok(feed_settings(&raw, path)?.map(|settings| FeedStart {
            settings,
            currency,
            bootstrap_file,
        }))
    }

    pub fn parse_with_state_dir(
        text: &str,
        path: &Path,
        state_dir: &Path,
    ) -> Result<Self, ConfigError> {
        Self::parse_with(text, path, state_dir, CatalogChoice::Load)
    }

    /// [`Config::load`] with the catalog just fetched from `catalog_url` (and not kept), when there is one.
    pub fn load_with_fetched(path: &Path, fetched: Option<Catalog>) -> Result<Self, ConfigError> {
        let text = read_config_file(path)?;
        let choice = match fetched {
            Some(catalog) => CatalogChoice::Fetched(catalog),
            None => CatalogChoice::Load,
        };
        Self::parse_with(&text, path, &crate::state::state_dir(), choice)
    }

    /// Everything but the catalog, which is left empty: for `status` and `reconcile`, which must answer on a
    /// kiosk whose catalog cannot be loaded (that is when a fleet's operator asks).
    pub fn load_without_catalog(path: &Path) -> Result<Self, ConfigError> {
        let text = read_config_file(path)?;
        Self::parse_with(&text, path, &crate::state::state_dir(), CatalogChoice::Skip)
    }

    fn parse_with(
        text: &str,
        path: &Path,
        state_dir: &Path,
        choice: CatalogChoice,
    ) -> Result<Self, ConfigError> {
        let file = path.display();
        let raw = parse_raw(text, path)?;
        let dir = path.parent().unwrap_or(Path::new("."));

        let currency = currency_of(&raw, path)?;
        let catalog_feed = feed_settings(&raw, path)?;
        if raw.checkout.poll_interval_ms < 250 || raw.checkout.poll_interval_ms > 60_000 {
            return Err(ConfigError(format!(
                "{file}: [checkout] poll_interval_ms must be between 250 and 60000 milliseconds, got {}",
                raw.checkout.poll_interval_ms
            )));
        }
        if raw.checkout.timeout_s < 10 || raw.checkout.timeout_s > 3600 {
            return Err(ConfigError(format!(
                "{file}: [checkout] timeout_s must be between 10 and 3600 seconds, got {}",
                raw.checkout.timeout_s
            )));
        }
        let base_url = raw
            .wooshpay
            .base_url
            .as_deref()
            .map(|url| {
                parse_base_url(url)
                    .map_err(|e| ConfigError(format!("{file}: [wooshpay] base_url: {e}")))
            })
            .transpose()?;
        for (key, value) in [
            ("success_url", &raw.wooshpay.success_url),
            ("cancel_url", &raw.wooshpay.cancel_url),
        ] {
            match Url::parse(value) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {}
                _ => {
                    return Err(ConfigError(format!(
                        "{file}: [wooshpay] {key}: expected an absolute http(s) URL such as \
                         \"https://shop.example/thanks\", got {value:?}"
                    )));
                }
            }
        }
        let kiosk_id = match raw.kiosk.id {
            Some(id) => validate_kiosk_id(&id)
                .map_err(|e| ConfigError(format!("{file}: [kiosk] id: {e}")))?,
            None => default_kiosk_id(),
        };
        let display = display_settings(raw.display, &file.to_string())?;
        let gpio = raw
            .gpio
            .map(|section| gpio_settings(section, &file.to_string()))
            .transpose()?;
        let staff = raw
            .staff
            .map(|section| staff_settings(section, &file.to_string()))
            .transpose()?;
        let printer = raw
            .printer
            .as_ref()
            .map(|section| crate::printer::validate(section, &file.to_string()))
            .transpose()
            .map_err(ConfigError)?;
        let metrics = raw
            .metrics
            .as_ref()
            .map(|section| crate::metrics::validate(section, &file.to_string()))
            .transpose()
            .map_err(ConfigError)?;
        let catalog_path = raw.catalog.as_ref().map(|p| dir.join(p));
        let catalog = match choice {
            CatalogChoice::Fetched(catalog) if catalog_feed.is_some() => catalog,
            CatalogChoice::Skip => Catalog {
                currency,
                items: Vec::new(),
                category_names: Vec::new(),
            },
            _ => choose_catalog(
                catalog_feed.as_ref(),
                catalog_path.as_deref(),
                currency,
                state_dir,
                path,
            )?,
        };
        Ok(Self {
            path: path.to_owned(),
            catalog_path,
            catalog,
            catalog_feed,
            wooshpay: WooshpaySettings {
                base_url,
                secret_key_file: raw.wooshpay.secret_key_file.map(|p| dir.join(p)),
                success_url: raw.wooshpay.success_url,
                cancel_url: raw.wooshpay.cancel_url,
            },
            checkout: CheckoutSettings {
                currency,
                poll_interval: Duration::from_millis(raw.checkout.poll_interval_ms),
                timeout: Duration::from_secs(raw.checkout.timeout_s),
                tip_percentages: tip_percentages(&raw.checkout.tip_percentages)
                    .map_err(|e| ConfigError(format!("{file}: [checkout] tip_percentages {e}")))?,
            },
            kiosk_id,
            display,
            gpio,
            staff,
            printer,
            metrics,
        })
    }

    /// The configured base URL, else the host that matches the key: test keys to the test API, live to live.
    pub fn api_base_url(&self, key: &SecretKey) -> Result<Url, ConfigError> {
        let file = self.path.display();
        match (&self.wooshpay.base_url, key.mode()) {
            (Some(url), mode) => {
                let host = url.host_str().unwrap_or_default();
                let mismatch = match mode {
                    KeyMode::Test => host == "api.wooshpay.com",
                    KeyMode::Live => host == "apitest.wooshpay.com",
                };
                if mismatch {
                    return Err(ConfigError(format!(
                        "{file}: [wooshpay] base_url {url} does not match the secret key: sk_test_ keys belong to \
                         {TEST_BASE_URL}, sk_live_ keys to {LIVE_BASE_URL}"
                    )));
                }
                Ok(url.clone())
            }
            (None, KeyMode::Test) => Ok(Url::parse(TEST_BASE_URL).expect("constant URL")),
            (None, KeyMode::Live) => Ok(Url::parse(LIVE_BASE_URL).expect("constant URL")),
        }
    }

    /// The secret key, first found wins: `$WOOSHPAY_SECRET_KEY`, the systemd credential, `secret_key_file`.
    pub fn load_secret_key(&self) -> Result<SecretKey, ConfigError> {
        if let Some(value) = std::env::var_os(SECRET_KEY_ENV).filter(|v| !v.is_empty()) {
            let text = value
                .to_str()
                .ok_or_else(|| ConfigError(format!("${SECRET_KEY_ENV} is not valid UTF-8")))?;
            return SecretKey::parse(text)
                .map_err(|e| ConfigError(format!("${SECRET_KEY_ENV}: {e}")));
        }
        if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
            let path = Path::new(&dir).join(CREDENTIAL_NAME);
            if path.exists() {
                return read_key_file(&path);
            }
        }
        if let Some(path) = &self.wooshpay.secret_key_file {
            return read_key_file(path);
        }
        Err(ConfigError(format!(
            "no WooshPay secret key: set ${SECRET_KEY_ENV}, provide the systemd credential {CREDENTIAL_NAME}, \
             or set [wooshpay] secret_key_file in {}",
            self.path.display()
        )))
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

fn read_config_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "{}: cannot read the configuration file: {e}",
            path.display()
        ))
    })
}

fn parse_raw(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError(crate::toml_errors::describe(path, text, &e)))
}

fn currency_of(raw: &ConfigFile, path: &Path) -> Result<Currency, ConfigError> {
    Currency::from_code(&raw.checkout.currency)
        .map_err(|e| ConfigError(format!("{}: [checkout] currency: {e}", path.display())))
}

fn feed_settings(
    raw: &ConfigFile,
    path: &Path,
) -> Result<Option<CatalogFeedSettings>, ConfigError> {
    catalog_feed_settings(
        FeedKeys {
            url: raw.catalog_url.clone(),
            refresh_s: raw.catalog_refresh_s,
            signature_key: raw.catalog_signature_key.clone(),
        },
        &path.display().to_string(),
        path.parent().unwrap_or(Path::new(".")),
    )
}

/// Where [`Config`]'s catalog comes from.
enum CatalogChoice {
    /// The file, or the feed's kept copy.
    Load,
    /// Fetched just now from `catalog_url`.
    Fetched(Catalog),
    /// None: an empty catalog.
    Skip,
}

/// The local file alone; or, with a feed, its last good copy, else the local file until a fetch succeeds.
fn choose_catalog(
    feed: Option<&CatalogFeedSettings>,
    file: Option<&Path>,
    currency: Currency,
    state_dir: &Path,
    config_path: &Path,
) -> Result<Catalog, ConfigError> {
    let load_file = |file: &Path| Catalog::load(file, currency).map_err(|e| ConfigError(e.0));
    let Some(feed) = feed else {
        return match file {
            Some(file) => load_file(file),
            None => Err(ConfigError(format!(
                "{}: missing key `catalog`: name the catalog file (catalog = \"catalog.toml\"), or set \
                 catalog_url to fetch it from a web server",
                config_path.display()
            ))),
        };
    };
    let not_used = match crate::catalog_feed::last_good_copy(feed, currency, state_dir) {
        Ok(Some((_, catalog))) => return Ok(catalog),
        Ok(None) => None,
        Err(why) => {
            tracing::warn!(error = %why, "the kept catalog copy is not used");
            Some(why)
        }
    };
    match (file, not_used) {
        (Some(file), _) => load_file(file),
        (None, None) => Err(ConfigError(format!(
            "no catalog yet: none has been fetched from {} (catalog_url in {}) and no `catalog` file is set; \
             the kiosk fetches it when it starts and keeps it in {}",
            feed.url,
            config_path.display(),
            crate::catalog_feed::stored_catalog_file(state_dir).display()
        ))),
        (None, Some(why)) => Err(ConfigError(format!(
            "no usable catalog: {why}; and no `catalog` file is set in {}",
            config_path.display()
        ))),
    }
}

fn read_key_file(path: &Path) -> Result<SecretKey, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "{}: cannot read the secret key file: {e}",
            path.display()
        ))
    })?;
    warn_if_readable_by_others(path);
    SecretKey::parse(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
}

fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o004 != 0
    {
        tracing::warn!(
            file = %path.display(),
            "the secret key file is readable by every user on this machine; run: chmod 600 {}",
            path.display()
        );
    }
}

#[cfg(test)]
mod tests;

/// At most four distinct whole percentages from 1 to 100, kept in the order written: four choices and
/// "No tip" still fit the narrowest screen with finger-sized buttons.
fn tip_percentages(raw: &[i64]) -> Result<Vec<u32>, String> {
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
