//! Where the configuration's catalog comes from: the `catalog` file, or with `catalog_url` the feed's last good
//! copy (the file until one exists), or a catalog the start-up fetch has just brought.

use std::path::Path;

use super::{CatalogFeedSettings, ConfigError};
use crate::catalog::Catalog;
use crate::money::Currency;

/// Where [`Config`]'s catalog comes from.
pub enum CatalogChoice {
    /// The file, or the feed's kept copy.
    Load,
    /// Fetched just now from `catalog_url`.
    Fetched(Catalog),
    /// None: an empty catalog.
    Skip,
}

/// The local file alone; or, with a feed, its last good copy, else the local file until a fetch succeeds.
pub(super) fn choose_catalog(
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
