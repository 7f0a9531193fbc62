//! `catalog_url`, `catalog_refresh_s` and `catalog_signature_key`: the top-level keys of a fetched catalog.

use std::path::Path;
use std::time::Duration;

use url::Url;

use super::ConfigError;
use crate::catalog_feed::{CatalogFeedSettings, SignatureKey};

pub const DEFAULT_REFRESH_S: u64 = 300;
/// Not more often than every 30 s (a fleet of kiosks must not hammer one small web server), and at least daily.
pub const REFRESH_S_RANGE: std::ops::RangeInclusive<u64> = 30..=86_400;

/// The three keys as written; `None` each when absent.
pub(super) struct FeedKeys {
    pub url: Option<String>,
    pub refresh_s: Option<u64>,
    pub signature_key: Option<String>,
}

/// `Ok(None)`: no `catalog_url`, so the catalog is the local file alone.
pub(super) fn catalog_feed_settings(
    keys: FeedKeys,
    file: &str,
    config_dir: &Path,
) -> Result<Option<CatalogFeedSettings>, ConfigError> {
    let Some(url) = keys.url else {
        for (key, set) in [
            ("catalog_refresh_s", keys.refresh_s.is_some()),
            ("catalog_signature_key", keys.signature_key.is_some()),
        ] {
            if set {
                return Err(ConfigError(format!(
                    "{file}: {key} is set but catalog_url is not: it only applies to a catalog fetched from \
                     catalog_url"
                )));
            }
        }
        return Ok(None);
    };
    let url = match Url::parse(&url) {
        // The address is shown on the staff screen, in `status` and in the log: a password in it would be too.
        // Not echoed back here either.
        Ok(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            return Err(ConfigError(format!(
                "{file}: catalog_url: must not carry a user name or password (it is shown on the staff screen, \
                 in `status` and in the log); serve the catalog without one and sign it (catalog_signature_key)"
            )));
        }
        Ok(parsed)
            if matches!(parsed.scheme(), "http" | "https")
                && parsed.host().is_some()
                && !parsed.path().ends_with('/') =>
        {
            parsed
        }
        _ => {
            // Not echoed when it may hold a password ("user:secret@…" that did not parse as a URL).
            let got = if url.contains('@') {
                "an address with '@' in it".to_owned()
            } else {
                format!("{url:?}")
            };
            return Err(ConfigError(format!(
                "{file}: catalog_url: expected the http(s) address of a catalog file such as \
                 \"https://shop.example/kiosks/catalog.toml\", got {got}"
            )));
        }
    };
    // Over plain http anyone on the shop's network can change the prices in flight; only a signature (or a
    // server on this machine) makes that impossible.
    let on_this_machine = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if url.scheme() == "http" && keys.signature_key.is_none() && !on_this_machine {
        return Err(ConfigError(format!(
            "{file}: catalog_url: {url} is plain http with no catalog_signature_key: anyone on the shop's \
             network could change the prices on the way. Sign the catalog and set catalog_signature_key \
             (docs/catalog-feed.md), or serve it over https"
        )));
    }
    let refresh_s = keys.refresh_s.unwrap_or(DEFAULT_REFRESH_S);
    if !REFRESH_S_RANGE.contains(&refresh_s) {
        return Err(ConfigError(format!(
            "{file}: catalog_refresh_s must be between {} and {} seconds, got {refresh_s}",
            REFRESH_S_RANGE.start(),
            REFRESH_S_RANGE.end()
        )));
    }
    let signature_key = keys
        .signature_key
        .map(|text| {
            SignatureKey::parse(&text)
                .map_err(|e| ConfigError(format!("{file}: catalog_signature_key: {e}")))
        })
        .transpose()?;
    Ok(Some(CatalogFeedSettings {
        url,
        refresh: Duration::from_secs(refresh_s),
        signature_key,
        image_dir: config_dir.to_owned(),
    }))
}
