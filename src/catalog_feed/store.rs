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

/// `STATE/catalog-feed/`: the copy (`catalog.toml`, byte for byte as fetched) and its record (`copy.json`),
/// replaced together as one directory.
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
    /// Of `catalog.toml`. Both files are replaced as one directory (see [`save`]); a copy that does not match
    /// its record (left by an earlier version's two renames, or a damaged disk) is not used.
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

/// Replaces the stored copy in one step a power cut cannot split. The new catalog and its record are written
/// to a staging directory beside the copy (`STATE/.catalog-feed.new`, each file and then the directory
/// fsynced), which one `renameat2(RENAME_EXCHANGE)` swaps with `catalog-feed/`; the state directory is fsynced
/// and the old copy, now under the staging name, removed. A cut before the swap leaves the old copy, after it
/// the new one, each with its own record; a staging directory a cut left behind is replaced by the next save.
/// The layout inside `catalog-feed/` is the one earlier versions wrote, so an upgraded kiosk keeps its copy.
pub fn save(state_dir: &Path, text: &str, copy: &StoredCopy) -> Result<(), String> {
    save_steps(state_dir, text.as_bytes(), copy)
        .into_iter()
        .try_for_each(|step| step())
        .map_err(|e| format!("cannot keep the fetched catalog: {e}"))
}

/// One replacement as the steps a power cut can fall between (the tests cut after each).
type Step<'a> = Box<dyn FnOnce() -> std::io::Result<()> + 'a>;

fn save_steps<'a>(state_dir: &'a Path, text: &'a [u8], copy: &'a StoredCopy) -> Vec<Step<'a>> {
    let staging = state_dir.join(STAGING_DIR);
    let live = store_dir(state_dir);
    vec![
        Box::new({
            let staging = staging.clone();
            move || stage(state_dir, &staging, text, copy)
        }),
        Box::new({
            let staging = staging.clone();
            move || swap_in(state_dir, &staging, &live)
        }),
        Box::new(move || remove_dir(&staging)),
    ]
}

/// Where the next copy is put together, beside `catalog-feed/` (the same file system, so it can be swapped).
const STAGING_DIR: &str = ".catalog-feed.new";

fn stage(state_dir: &Path, staging: &Path, text: &[u8], copy: &StoredCopy) -> std::io::Result<()> {
    crate::state::files::create_private_dir(state_dir)?;
    remove_dir(staging)?;
    crate::state::files::create_private_dir(staging)?;
    let record = serde_json::to_vec_pretty(copy).expect("a record always serialises");
    for (name, bytes) in [(CATALOG_FILE, text), (RECORD_FILE, &record[..])] {
        let mut file = crate::state::files::create_new(&staging.join(name))?;
        std::io::Write::write_all(&mut file, bytes)?;
        file.sync_all()?;
    }
    std::fs::File::open(staging)?.sync_all()
}

fn swap_in(state_dir: &Path, staging: &Path, live: &Path) -> std::io::Result<()> {
    if live.exists() {
        exchange(staging, live)?;
    } else {
        std::fs::rename(staging, live)?;
    }
    std::fs::File::open(state_dir)?.sync_all()
}

fn remove_dir(dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Swaps two directories' names in one step (Linux 3.15+, ext4, f2fs, btrfs, xfs, tmpfs).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are NUL-terminated paths that outlive the call; AT_FDCWD resolves them as given.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The record alone, when only the validators changed: the kept bytes with the new record, replaced as one.
pub fn save_record(state_dir: &Path, copy: &StoredCopy) -> Result<(), String> {
    let path = catalog_file(state_dir);
    let bytes = crate::state::files::read(&path)
        .map_err(|e| format!("{}: cannot read the kept catalog: {e}", path.display()))?;
    if sha256_hex(&bytes) != copy.sha256 {
        return Err(format!(
            "{}: the kept catalog is not the one in use; its record stays as it is",
            path.display()
        ));
    }
    save_steps(state_dir, &bytes, copy)
        .into_iter()
        .try_for_each(|step| step())
        .map_err(|e| format!("cannot keep the fetched catalog's record: {e}"))
}

/// Only the record, for a status report that need not parse the catalog: `Ok(None)` when nothing is stored.
pub fn read_record(state_dir: &Path) -> Result<Option<StoredCopy>, String> {
    let path = store_dir(state_dir).join(RECORD_FILE);
    let bytes = match crate::state::files::read(&path) {
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
    let bytes =
        crate::state::files::read(&path).map_err(|e| unusable(format!("cannot read it: {e}")))?;
    if sha256_hex(&bytes) != copy.sha256 {
        return Err(unusable(
            "it does not match its record (an interrupted update)".to_owned(),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| unusable("not UTF-8 text".to_owned()))?;
    let catalog = Catalog::parse(&text, &path, image_dir, currency).map_err(|e| e.0)?;
    Ok(Some((copy, catalog)))
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
