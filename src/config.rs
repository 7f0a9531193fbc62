//! The kiosk's TOML configuration: where it is found, what it may contain, and how the secret key is found.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::catalog::Catalog;
use crate::money::Currency;
use crate::secret::{KeyMode, SecretKey};

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
    catalog: PathBuf,
    wooshpay: WooshpaySection,
    checkout: CheckoutSection,
    #[serde(default)]
    kiosk: KioskSection,
    #[serde(default)]
    display: DisplaySection,
    gpio: Option<GpioSection>,
    staff: Option<StaffSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffSection {
    pin_hash: String,
    #[serde(default = "default_admin_lock_after_s")]
    admin_lock_after_s: u64,
}

fn default_admin_lock_after_s() -> u64 {
    60
}

/// The `[staff]` section: who may open the admin screen, and when it locks itself again.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffSettings {
    pub pin_hash: crate::staff::PinHash,
    pub admin_lock_after: Duration,
}

fn staff_settings(raw: StaffSection, file: &str) -> Result<StaffSettings, ConfigError> {
    let pin_hash = crate::staff::PinHash::parse(&raw.pin_hash)
        .map_err(|e| ConfigError(format!("{file}: [staff] pin_hash: {e}")))?;
    if !(10..=3600).contains(&raw.admin_lock_after_s) {
        return Err(ConfigError(format!(
            "{file}: [staff] admin_lock_after_s must be between 10 and 3600 seconds, got {}",
            raw.admin_lock_after_s
        )));
    }
    Ok(StaffSettings {
        pin_hash,
        admin_lock_after: Duration::from_secs(raw.admin_lock_after_s),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GpioSection {
    #[serde(default)]
    active_low: bool,
    /// Buzzer on or off (a quiet shop can keep the wiring and silence it).
    #[serde(default = "default_true")]
    buzzer: bool,
    led_ready: Option<u8>,
    led_waiting: Option<u8>,
    led_paid: Option<u8>,
    led_error: Option<u8>,
    buzzer_pin: Option<u8>,
    button_cancel: Option<u8>,
    button_wake: Option<u8>,
    debounce_ms: Option<u64>,
}

fn default_true() -> bool {
    true
}

/// The `[gpio]` section, validated: BCM pin numbers a Pi's 40-pin header has, each used once.
#[derive(Clone, Debug, PartialEq)]
pub struct GpioSettings {
    pub active_low: bool,
    pub buzzer_enabled: bool,
    pub led_ready: Option<u8>,
    pub led_waiting: Option<u8>,
    pub led_paid: Option<u8>,
    pub led_error: Option<u8>,
    pub buzzer_pin: Option<u8>,
    pub button_cancel: Option<u8>,
    pub button_wake: Option<u8>,
    pub debounce: Duration,
}

/// BCM GPIO 0–27 are the ones on the 40-pin header of every Pi from the B+ to the 5 and the Zero 2 W.
pub const MAX_BCM_PIN: u8 = 27;

fn gpio_settings(raw: GpioSection, file: &str) -> Result<GpioSettings, ConfigError> {
    let pins = [
        ("led_ready", raw.led_ready),
        ("led_waiting", raw.led_waiting),
        ("led_paid", raw.led_paid),
        ("led_error", raw.led_error),
        ("buzzer_pin", raw.buzzer_pin),
        ("button_cancel", raw.button_cancel),
        ("button_wake", raw.button_wake),
    ];
    let mut used: Vec<(&str, u8)> = Vec::new();
    for (key, pin) in pins {
        let Some(pin) = pin else { continue };
        if pin > MAX_BCM_PIN {
            return Err(ConfigError(format!(
                "{file}: [gpio] {key} = {pin}: a Raspberry Pi has BCM GPIO 0 to {MAX_BCM_PIN} on its header"
            )));
        }
        if let Some((other, _)) = used.iter().find(|(_, p)| *p == pin) {
            return Err(ConfigError(format!(
                "{file}: [gpio] {key} and {other} both use GPIO {pin}"
            )));
        }
        used.push((key, pin));
    }
    let debounce = raw.debounce_ms.unwrap_or(50);
    if !(5..=1000).contains(&debounce) {
        return Err(ConfigError(format!(
            "{file}: [gpio] debounce_ms must be between 5 and 1000, got {debounce}"
        )));
    }
    Ok(GpioSettings {
        active_low: raw.active_low,
        buzzer_enabled: raw.buzzer,
        led_ready: raw.led_ready,
        led_waiting: raw.led_waiting,
        led_paid: raw.led_paid,
        led_error: raw.led_error,
        buzzer_pin: raw.buzzer_pin,
        button_cancel: raw.button_cancel,
        button_wake: raw.button_wake,
        debounce: Duration::from_millis(debounce),
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DisplaySection {
    renderer: Option<Renderer>,
    result_screen_s: Option<u64>,
    idle_after_s: Option<u64>,
    shop_name: Option<String>,
    high_contrast: Option<bool>,
    large_text: Option<bool>,
    idle_brightness_percent: Option<u8>,
    language: Option<String>,
    fullscreen: Option<bool>,
}

/// How the touchscreen UI draws: `femtovg` on a GPU (Pi 4/5), `software` where there is none (Zero 2 W).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Renderer {
    Software,
    Femtovg,
}

impl Renderer {
    pub fn slint_name(self) -> &'static str {
        match self {
            Renderer::Software => "software",
            Renderer::Femtovg => "femtovg",
        }
    }
}

/// The `[display]` section: how the touchscreen UI looks and behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplaySettings {
    /// `None`: Slint's choice (or `SLINT_BACKEND`).
    pub renderer: Option<Renderer>,
    /// How long the result screen stays before the kiosk returns to the catalog.
    pub result_screen: Duration,
    /// Idle time with an empty cart before the attract screen.
    pub idle_after: Duration,
    pub shop_name: String,
    pub high_contrast: bool,
    /// Every text a step larger, for customers and staff who need it.
    pub large_text: bool,
    /// Backlight level on the attract screen, in percent of the maximum; `None`: never dim.
    pub idle_brightness_percent: Option<u8>,
    /// The language the kiosk starts in; staff can switch it on the admin screen.
    pub language: crate::i18n::Language,
    /// Fill the screen in a desktop session (winit); `None`: not said, so a configured kiosk fills it and the
    /// demo stays a window (`ui::fullscreen::window_mode`). linuxkms always fills the screen.
    pub fullscreen: Option<bool>,
}

impl Default for DisplaySettings {
    fn default() -> Self {
        Self {
            renderer: None,
            result_screen: Duration::from_secs(6),
            idle_after: Duration::from_secs(90),
            shop_name: "Welcome".to_owned(),
            high_contrast: false,
            large_text: false,
            idle_brightness_percent: None,
            language: crate::i18n::Language::English,
            fullscreen: None,
        }
    }
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
    pub catalog_path: PathBuf,
    pub catalog: Catalog,
    pub wooshpay: WooshpaySettings,
    pub checkout: CheckoutSettings,
    pub kiosk_id: String,
    pub display: DisplaySettings,
    /// `None`: no `[gpio]` section, so no lights, buzzer or buttons.
    pub gpio: Option<GpioSettings>,
    /// `None`: no `[staff]` section, so no admin screen.
    pub staff: Option<StaffSettings>,
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
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!(
                "{}: cannot read the configuration file: {e}",
                path.display()
            ))
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let file = path.display();
        let raw: ConfigFile = toml::from_str(text)
            .map_err(|e| ConfigError(crate::toml_errors::describe(path, text, &e)))?;
        let dir = path.parent().unwrap_or(Path::new("."));

        let currency = Currency::from_code(&raw.checkout.currency)
            .map_err(|e| ConfigError(format!("{file}: [checkout] currency: {e}")))?;
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
        let defaults = DisplaySettings::default();
        let seconds = |key: &str,
                       value: Option<u64>,
                       default: Duration,
                       range: std::ops::RangeInclusive<u64>| {
            match value {
                None => Ok(default),
                Some(v) if range.contains(&v) => Ok(Duration::from_secs(v)),
                Some(v) => Err(ConfigError(format!(
                    "{file}: [display] {key} must be between {} and {} seconds, got {v}",
                    range.start(),
                    range.end()
                ))),
            }
        };
        let display = DisplaySettings {
            renderer: raw.display.renderer,
            result_screen: seconds(
                "result_screen_s",
                raw.display.result_screen_s,
                defaults.result_screen,
                2..=120,
            )?,
            idle_after: seconds(
                "idle_after_s",
                raw.display.idle_after_s,
                defaults.idle_after,
                10..=86_400,
            )?,
            shop_name: match raw.display.shop_name {
                Some(name) if name.trim().is_empty() => {
                    return Err(ConfigError(format!(
                        "{file}: [display] shop_name must not be empty"
                    )));
                }
                Some(name) => name.trim().to_owned(),
                None => defaults.shop_name,
            },
            high_contrast: raw.display.high_contrast.unwrap_or(false),
            large_text: raw.display.large_text.unwrap_or(false),
            idle_brightness_percent: match raw.display.idle_brightness_percent {
                Some(p) if p > 100 => {
                    return Err(ConfigError(format!(
                        "{file}: [display] idle_brightness_percent must be between 0 and 100, got {p}"
                    )));
                }
                other => other,
            },
            language: match raw.display.language {
                None => defaults.language,
                Some(code) => crate::i18n::Language::from_code(&code).ok_or_else(|| {
                    ConfigError(format!(
                        "{file}: [display] language: {code:?} has no translation; expected one of {}",
                        crate::i18n::Language::supported_codes()
                    ))
                })?,
            },
            fullscreen: raw.display.fullscreen,
        };
        let gpio = raw
            .gpio
            .map(|section| gpio_settings(section, &file.to_string()))
            .transpose()?;
        let staff = raw
            .staff
            .map(|section| staff_settings(section, &file.to_string()))
            .transpose()?;
        let catalog_path = dir.join(&raw.catalog);
        let catalog = Catalog::load(&catalog_path, currency).map_err(|e| ConfigError(e.0))?;
        Ok(Self {
            path: path.to_owned(),
            catalog_path,
            catalog,
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
            },
            kiosk_id,
            display,
            gpio,
            staff,
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

/// `https://…` anywhere; plain `http://` only to this machine (the simulator), never across a network.
pub fn parse_base_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| {
        format!("expected an absolute URL such as {TEST_BASE_URL}, got {text:?}: {e}")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not contain a user name or password; the key is read from a separate file".into(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("must not have a query or fragment, got {text:?}"));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(&url) => Ok(url),
        "http" => Err(format!(
            "plain http:// is only allowed to this machine (127.0.0.1, ::1 or localhost); use https:// for {}",
            url.host_str().unwrap_or_default()
        )),
        other => Err(format!("expected an https:// URL, got scheme {other:?}")),
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn validate_kiosk_id(id: &str) -> Result<String, String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(id.to_owned())
    } else {
        Err(format!(
            "expected 1 to 64 letters, digits, '-', '_' or '.', got {id:?}"
        ))
    }
}

/// The host name plus a short stable suffix derived from `/etc/machine-id`, so two kiosks that kept the same
/// host name (every Raspberry Pi starts as `raspberrypi`) never share a `client_reference_id`.
pub fn default_kiosk_id() -> String {
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let machine_id = std::fs::read_to_string("/etc/machine-id").ok();
    kiosk_id_from(&host, machine_id.as_deref())
}

/// `raspberrypi` + machine id → `raspberrypi-k7q2`. The suffix is a hash of the machine id (never the id itself,
/// which systemd asks applications not to expose); without a machine id the host name stands alone.
pub fn kiosk_id_from(host: &str, machine_id: Option<&str>) -> String {
    let suffix = machine_id
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(machine_suffix);
    let room = 64 - suffix.as_ref().map_or(0, |s| s.len() + 1);
    let cleaned: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(room)
        .collect();
    let host = if cleaned.is_empty() {
        "kiosk"
    } else {
        &cleaned
    };
    match suffix {
        Some(suffix) => format!("{host}-{suffix}"),
        None => host.to_owned(),
    }
}

/// Four characters of `[0-9a-z]` from SHA-256 over an application-specific prefix and the machine id.
fn machine_suffix(machine_id: &str) -> String {
    use sha2::Digest;
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let digest = sha2::Sha256::digest(format!("wooshpay-kiosk kiosk id\n{machine_id}"));
    let mut n = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    (0..4)
        .map(|_| {
            let c = ALPHABET[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests;
