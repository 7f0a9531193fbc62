//! The `[wooshpay]` section, and the key and API host it leads to: where the secret key is found (never in the
//! configuration file itself) and which WooshPay host it belongs to.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

use super::{
    CREDENTIAL_NAME, Config, ConfigError, LIVE_BASE_URL, SECRET_KEY_ENV, TEST_BASE_URL,
    parse_base_url,
};
use crate::secret::{KeyMode, SecretKey};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WooshpaySection {
    base_url: Option<String>,
    secret_key_file: Option<PathBuf>,
    success_url: String,
    cancel_url: String,
}

#[derive(Clone, Debug)]
pub struct WooshpaySettings {
    /// `None`: chosen from the key's prefix by [`Config::api_base_url`].
    pub base_url: Option<Url>,
    pub secret_key_file: Option<PathBuf>,
    pub success_url: String,
    pub cancel_url: String,
}

pub(super) fn wooshpay_settings(
    raw: WooshpaySection,
    file: &str,
    dir: &Path,
) -> Result<WooshpaySettings, ConfigError> {
    let base_url = raw
        .base_url
        .as_deref()
        .map(|url| {
            parse_base_url(url)
                .map_err(|e| ConfigError(format!("{file}: [wooshpay] base_url: {e}")))
        })
        .transpose()?;
    for (key, value) in [
        ("success_url", &raw.success_url),
        ("cancel_url", &raw.cancel_url),
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
    Ok(WooshpaySettings {
        base_url,
        secret_key_file: raw.secret_key_file.map(|p| dir.join(p)),
        success_url: raw.success_url,
        cancel_url: raw.cancel_url,
    })
}

impl Config {
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
