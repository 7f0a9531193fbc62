//! One catalog for many kiosks: the catalog fetched from `catalog_url`, checked (ed25519 signature when a key
//! is configured, then as a catalog in the checkout currency) before it replaces the last good copy kept in the
//! state directory. Nothing here knows the UI: the caller decides when a new catalog may be shown (never during
//! a sale).

mod fetch;
mod signature;
mod store;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use url::Url;

use crate::catalog::Catalog;
use crate::money::Currency;
pub use fetch::Limits;
use fetch::{Fetched, Fetcher, Validators};
pub use signature::{KEY_FORMS, SignatureKey, signature_url};
pub use store::{STORE_DIR, StoredCopy, read_record, sha256_hex};

/// `catalog_url`, `catalog_refresh_s` and `catalog_signature_key`, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogFeedSettings {
    pub url: Url,
    /// How often the caller should call [`CatalogFeed::refresh`].
    pub refresh: Duration,
    /// `Some`: a catalog is used only with a valid detached signature (`<url>.sig`) by this key.
    pub signature_key: Option<SignatureKey>,
    /// Where relative `image` paths of a fetched catalog are looked for: the configuration file's directory.
    pub image_dir: PathBuf,
}

/// What one [`CatalogFeed::refresh`] came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Refresh {
    /// A new catalog, checked and stored; the caller shows it once no sale is in progress.
    Updated(Catalog),
    /// The server has nothing newer than the copy in use.
    Unchanged,
    /// Nothing changed; `error` says which URL and what went wrong. The last good copy stays in use.
    Failed { error: String },
}

/// For a status screen: where the catalog comes from and how current it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedStatus {
    pub url: String,
    /// When the copy in use was downloaded (ms since the Unix epoch); `None`: no copy from the feed yet.
    pub fetched_at_ms: Option<i64>,
    /// When the server last confirmed the copy in use (a 200 or a 304), this run.
    pub checked_at_ms: Option<i64>,
    /// The last refresh, successful or not.
    pub last_attempt_ms: Option<i64>,
    /// Why the last refresh failed; `None` once one succeeds.
    pub last_error: Option<String>,
    /// Whether the copy in use carried a valid signature by `catalog_signature_key`.
    pub signature_checked: bool,
}

/// The feed: the copy in use, and how to fetch a newer one. Usable from any tokio task; one refresh at a time.
pub struct CatalogFeed {
    settings: CatalogFeedSettings,
    currency: Currency,
    state_dir: PathBuf,
    fetcher: Fetcher,
    limits: Limits,
    copy: Option<(StoredCopy, Catalog)>,
    status: FeedStatus,
    /// Whether a new copy is written to the state directory: only the kiosk itself keeps one, so a command run
    /// by another user (`sudo wooshpay-kiosk check`) never leaves files the kiosk cannot read or replace.
    keep_copy: bool,
}

/// The stored copy as [`crate::config::Config::load`] uses it: `Ok(None)` when none was fetched yet, `Err`
/// when one is there but may not be used (another URL, another key, damaged, invalid), saying why.
pub fn last_good_copy(
    settings: &CatalogFeedSettings,
    currency: Currency,
    state_dir: &Path,
) -> Result<Option<(StoredCopy, Catalog)>, String> {
    store::load(
        state_dir,
        &settings.url,
        settings.signature_key.as_ref(),
        currency,
        &settings.image_dir,
    )
}

/// Where the last good copy is kept, for messages.
pub fn stored_catalog_file(state_dir: &Path) -> PathBuf {
    store::catalog_file(state_dir)
}

impl CatalogFeed {
    /// Takes up the last good copy in `state_dir`, if this configuration may use it. Fetches nothing yet.
    pub fn open(
        settings: CatalogFeedSettings,
        currency: Currency,
        state_dir: &Path,
    ) -> Result<Self, String> {
        Self::with_limits(settings, currency, state_dir, Limits::default())
    }

    pub fn with_limits(
        settings: CatalogFeedSettings,
        currency: Currency,
        state_dir: &Path,
        limits: Limits,
    ) -> Result<Self, String> {
        let copy = last_good_copy(&settings, currency, state_dir).unwrap_or_else(|error| {
            tracing::warn!(%error, "ignoring the kept catalog copy; the next fetch replaces it");
            None
        });
        let status = FeedStatus {
            url: settings.url.to_string(),
            fetched_at_ms: copy.as_ref().map(|(c, _)| c.fetched_at_ms),
            signature_checked: copy
                .as_ref()
                .is_some_and(|(c, _)| c.signature_key.is_some()),
            ..FeedStatus::default()
        };
        Ok(Self {
            fetcher: Fetcher::new(limits)?,
            settings,
            currency,
            state_dir: state_dir.to_owned(),
            limits,
            copy,
            status,
            keep_copy: true,
        })
    }

    /// Fetches and checks as usual, but writes nothing to the state directory.
    pub fn without_keeping(mut self) -> Self {
        self.keep_copy = false;
        self
    }

    pub fn settings(&self) -> &CatalogFeedSettings {
        &self.settings
    }

    /// `catalog_refresh_s`: how often to call [`Self::refresh`].
    pub fn refresh_interval(&self) -> Duration {
        self.settings.refresh
    }

    pub fn status(&self) -> &FeedStatus {
        &self.status
    }

    /// The last good copy, if there is one.
    pub fn catalog(&self) -> Option<&Catalog> {
        self.copy.as_ref().map(|(_, catalog)| catalog)
    }

    /// Asks the server for a newer catalog. A new file replaces the last good copy only once its signature
    /// (when required) and its whole content have been checked; on any failure the copy stays as it was.
    pub async fn refresh(&mut self) -> Refresh {
        let started = now_ms();
        self.status.last_attempt_ms = Some(started);
        // Both requests (catalog and signature) within one bound, so a start-up never waits longer than that.
        let total = self.limits.request_timeout + self.limits.connect_timeout;
        let outcome = match tokio::time::timeout(total, self.download()).await {
            Ok(Ok(downloaded)) => self.apply(downloaded, started),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(format!(
                "{}: no complete answer within {} s",
                self.settings.url,
                total.as_secs()
            )),
        };
        match outcome {
            Ok(refresh) => {
                self.status.last_error = None;
                self.status.checked_at_ms = Some(started);
                refresh
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    kept_copy_fetched_at_ms = ?self.status.fetched_at_ms,
                    "the catalog was not updated; the last good copy stays in use"
                );
                self.status.last_error = Some(error.clone());
                Refresh::Failed { error }
            }
        }
    }

    /// The network part: the catalog (conditionally, when there is a copy to keep) and its signature.
    async fn download(&self) -> Result<Downloaded, String> {
        let url = &self.settings.url;
        let validators = self.copy.as_ref().map(|(copy, _)| copy.validators());
        let (bytes, validators) = match self.fetcher.get(url, validators.as_ref()).await? {
            Fetched::NotModified => return Ok(Downloaded::NotModified),
            Fetched::Body { bytes, validators } => (bytes, validators),
        };
        let sha256 = store::sha256_hex(&bytes);
        if self
            .copy
            .as_ref()
            .is_some_and(|(copy, _)| copy.sha256 == sha256)
        {
            // The same bytes as the copy, already checked with the same key (else no copy would be in use).
            return Ok(Downloaded::Same { validators });
        }
        if let Some(key) = &self.settings.signature_key {
            let sig_url = signature_url(url);
            let signature = match self.fetcher.get(&sig_url, None).await? {
                Fetched::Body { bytes, .. } => bytes,
                Fetched::NotModified => unreachable!("asked without validators"),
            };
            key.verify(&bytes, &signature, &sig_url)?;
        }
        Ok(Downloaded::New {
            bytes,
            validators,
            sha256,
        })
    }

    /// Checks a download as a catalog and keeps it; no await, so no cancellation can leave it half done.
    fn apply(&mut self, downloaded: Downloaded, started: i64) -> Result<Refresh, String> {
        let url = self.settings.url.clone();
        let (bytes, validators, sha256) = match downloaded {
            Downloaded::NotModified => {
                tracing::debug!(%url, "the catalog is unchanged (304)");
                return Ok(Refresh::Unchanged);
            }
            Downloaded::Same { validators } => {
                self.remember_validators(validators)?;
                tracing::debug!(%url, "the catalog is unchanged (same bytes)");
                return Ok(Refresh::Unchanged);
            }
            Downloaded::New {
                bytes,
                validators,
                sha256,
            } => (bytes, validators, sha256),
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("{url}: the catalog is not UTF-8 text"))?;
        let catalog = Catalog::parse(
            &text,
            Path::new(url.as_str()),
            &self.settings.image_dir,
            self.currency,
        )
        .map_err(|e| e.0)?;
        if self.settings.signature_key.is_some() {
            let held = self.copy.as_ref().map(|(_, held)| held);
            freshness(&url, &catalog, held, jiff::Timestamp::now())?;
        }
        let copy = StoredCopy {
            url: url.to_string(),
            etag: validators.etag,
            last_modified: validators.last_modified,
            fetched_at_ms: started,
            sha256,
            signature_key: self.settings.signature_key.map(|k| k.to_base64()),
        };
        if self.keep_copy {
            store::save(&self.state_dir, &text, &copy)?;
        }
        tracing::info!(
            %url,
            items = catalog.items.len(),
            sha256 = %copy.sha256,
            signed = copy.signature_key.is_some(),
            "fetched a new catalog"
        );
        self.status.fetched_at_ms = Some(copy.fetched_at_ms);
        self.status.signature_checked = copy.signature_key.is_some();
        self.copy = Some((copy, catalog.clone()));
        Ok(Refresh::Updated(catalog))
    }

    /// A server that answers the same bytes under a new ETag: keep the new validators, so the next request
    /// can be a 304 again.
    fn remember_validators(&mut self, validators: Validators) -> Result<(), String> {
        let Some((copy, _)) = &mut self.copy else {
            return Ok(());
        };
        if copy.validators() == validators {
            return Ok(());
        }
        copy.etag = validators.etag;
        copy.last_modified = validators.last_modified;
        if !self.keep_copy {
            return Ok(());
        }
        store::save_record(&self.state_dir, copy)
    }
}

/// A signed catalog is current (the ideas of The Update Framework, for one file): it has a `serial`, never a
/// lower one than the copy in use (an old catalog and its signature, replayed), never the same serial with other
/// bytes (the copy in use has the same bytes, or the download would not get here), and it has not expired.
/// Each refusal says what it means for the publisher; the copy in use stays.
fn freshness(
    url: &Url,
    new: &Catalog,
    held: Option<&Catalog>,
    now: jiff::Timestamp,
) -> Result<(), String> {
    let Some(serial) = new.serial else {
        return Err(format!(
            "{url}: refused: a signed catalog must have a top-level `serial = N` (bump it with each catalog you \
             publish), and this one has none"
        ));
    };
    if let Some(held) = held.and_then(|held| held.serial) {
        if serial < held {
            return Err(format!(
                "{url}: refused as a rollback: its serial {serial} is lower than the serial {held} of the catalog \
                 in use (an older signed catalog was served; publish with a higher serial)"
            ));
        }
        if serial == held {
            return Err(format!(
                "{url}: refused: serial {serial} is the catalog in use, but these bytes differ from it (each \
                 change must be published with a higher serial)"
            ));
        }
    }
    if let Some(expires) = new.expires
        && expires <= now
    {
        return Err(format!(
            "{url}: refused: this catalog expired at {expires} (publish a new one with a later `expires`)"
        ));
    }
    Ok(())
}

enum Downloaded {
    NotModified,
    Same {
        validators: Validators,
    },
    New {
        bytes: Vec<u8>,
        validators: Validators,
        sha256: String,
    },
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
