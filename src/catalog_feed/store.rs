//! The last good copy of the fetched catalog in the state directory, so a kiosk starts with the prices it
//! last had when the server is down, and reads them back exactly as they were checked.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use super::fetch::Validators;
use super::signature::SignatureKey;
use crate::catalog::Catalog;
use crate::money::Currency;

/// `STATE/catalog-feed/`: the copy (`catalog.toml`, byte for byte as fetched) and its record (`copy.json`).
pub const STORE_DIR: &str = "catalog-feed";
const CATALOG_FILE: &str = "catalog.toml";
const RECORD_FILE: &str = "copy.json";

/// What is known of the stored copy: where it came from, when, and what it was checked with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCopy {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// When these bytes were downloaded, in milliseconds since the Unix epoch.
    pub fetched_at_ms: i64,
    /// Of `catalog.toml`: the two files are renamed into place one after the other, so a power cut between
    /// the two renames leaves a record that does not match the copy, and such a copy is not used.
    pub sha256: String,
    /// The key (base64) whose signature was checked over these bytes; `None`: no signature was required.
    pub signature_key: Option<String>,
}

impl StoredCopy {
    pub fn validators(&self) -> Validators {
        Validators {
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
        }
    }
}

pub fn store_dir(state_dir: &Path) -> PathBuf {
    state_dir.join(STORE_DIR)
}

pub fn catalog_file(state_dir: &Path) -> PathBuf {
    store_dir(state_dir).join(CATALOG_FILE)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Replaces the stored copy. The catalog goes first: until the record follows, the old record does not match
/// the new bytes, so a cut between the two leaves no copy in use rather than a copy with the wrong record.
pub fn save(state_dir: &Path, text: &str, copy: &StoredCopy) -> Result<(), String> {
    crate::state::write_atomically(&catalog_file(state_dir), text.as_bytes())
        .map_err(|e| format!("cannot keep the fetched catalog: {e}"))?;
    save_record(state_dir, copy)
}

/// The record alone, when only the validators changed.
pub fn save_record(state_dir: &Path, copy: &StoredCopy) -> Result<(), String> {
    let record = serde_json::to_vec_pretty(copy).expect("a record always serialises");
    crate::state::write_atomically(&store_dir(state_dir).join(RECORD_FILE), &record)
        .map_err(|e| format!("cannot keep the fetched catalog's record: {e}"))
}

/// Only the record, for a status report that need not parse the catalog: `Ok(None)` when nothing is stored.
pub fn read_record(state_dir: &Path) -> Result<Option<StoredCopy>, String> {
    let path = store_dir(state_dir).join(RECORD_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| format!("{}: not a catalog copy record: {e}", path.display()))
}

/// The stored copy, if there is one this configuration may use: fetched from `url`, checked with `key` when a
/// key is configured, intact, and a valid catalog in `currency`. `Err` says why a copy that is there is not used.
pub fn load(
    state_dir: &Path,
    url: &Url,
    key: Option<&SignatureKey>,
    currency: Currency,
    image_dir: &Path,
) -> Result<Option<(StoredCopy, Catalog)>, String> {
    let Some(copy) = read_record(state_dir)? else {
        return Ok(None);
    };
    let path = catalog_file(state_dir);
    let unusable = |why: String| format!("{}: not used: {why}", path.display());
    if copy.url != url.as_str() {
        // Another shop's or an old address's prices must never be sold under the configured feed's name.
        return Err(unusable(format!(
            "it was fetched from {}, but catalog_url is {url}",
            copy.url
        )));
    }
    if let Some(key) = key
        && copy.signature_key.as_deref() != Some(key.to_base64().as_str())
    {
        return Err(unusable(
            "its signature was not checked with the configured catalog_signature_key".to_owned(),
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| unusable(format!("cannot read it: {e}")))?;
    if sha256_hex(&bytes) != copy.sha256 {
        return Err(unusable(
            "it does not match its record (an interrupted update)".to_owned(),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| unusable("not UTF-8 text".to_owned()))?;
    let catalog = Catalog::parse(&text, &path, image_dir, currency).map_err(|e| e.0)?;
    Ok(Some((copy, catalog)))
}
