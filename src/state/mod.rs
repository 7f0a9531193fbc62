//! The kiosk's state directory and the small files it keeps there.

use std::io::Write;
use std::path::{Path, PathBuf};

pub mod files;
mod lock;
mod ownership;

pub use lock::{LOCK_FILE, LockError, StateLock};
pub use ownership::prepare_dir;

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct StateError {
    pub path: PathBuf,
    pub message: String,
}

impl StateError {
    pub(crate) fn new(path: &Path, message: impl std::fmt::Display) -> Self {
        Self {
            path: path.to_owned(),
            message: message.to_string(),
        }
    }
}

/// `$STATE_DIRECTORY` (set by systemd's `StateDirectory=`), else `/var/lib/wooshpay-kiosk` when this user may
/// write there, else the per-user data directory.
pub fn state_dir() -> PathBuf {
    if let Some(dir) = systemd_directory("STATE_DIRECTORY") {
        return dir;
    }
    let system = Path::new(SYSTEM_STATE_DIR);
    if is_writable_dir(system) {
        return system.to_owned();
    }
    directories::ProjectDirs::from("com", "wooshpay-kiosk", "wooshpay-kiosk")
        .map(|dirs| dirs.data_dir().to_owned())
        .unwrap_or_else(|| PathBuf::from(".wooshpay-kiosk"))
}

/// Where the running kiosk keeps what it rewrites while it runs (the status file, and the metrics textfile
/// where the docs put it): a tmpfs, so an idle kiosk writes nothing to its SD card. `$RUNTIME_DIRECTORY` (set by
/// the unit's `RuntimeDirectory=`, under `/run`); for the system state directory outside the unit (an
/// administrator's `status`), the unit's `/run/wooshpay-kiosk`; otherwise (development, tests without systemd)
/// `run/` inside the state directory.
pub fn runtime_dir(state_dir: &Path) -> PathBuf {
    if let Some(dir) = systemd_directory("RUNTIME_DIRECTORY") {
        return dir;
    }
    if state_dir == Path::new(SYSTEM_STATE_DIR) {
        return PathBuf::from(SYSTEM_RUNTIME_DIR);
    }
    state_dir.join("run")
}

/// A directory systemd passes in `variable`; a colon-separated list when several are configured: the first.
fn systemd_directory(variable: &str) -> Option<PathBuf> {
    let dirs = std::env::var_os(variable).filter(|d| !d.is_empty())?;
    let first = dirs.to_string_lossy().split(':').next()?.to_owned();
    Some(PathBuf::from(first))
}

/// The packaged unit's `StateDirectory=` and `RuntimeDirectory=`.
pub const SYSTEM_STATE_DIR: &str = "/var/lib/wooshpay-kiosk";
pub const SYSTEM_RUNTIME_DIR: &str = "/run/wooshpay-kiosk";

fn is_writable_dir(path: &Path) -> bool {
    path.is_dir() && tempfile::tempfile_in(path).is_ok()
}

/// Creates `dir` (and any missing parent) as 0700 whatever the caller's umask: what the kiosk keeps is its own.
pub fn ensure_dir(dir: &Path) -> Result<(), StateError> {
    files::create_private_dir(dir)
        .map_err(|e| StateError::new(dir, format!("cannot create the state directory: {e}")))
}

/// Writes via a temporary file, fsync and rename, so a power cut leaves the old or the new file, never half.
/// The temporary file is created 0600 and new (`O_EXCL`), and the rename replaces a symlink rather than
/// following it, so nothing outside the directory can be written through this.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), StateError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| StateError::new(path, e))?;
    file.write_all(contents)
        .map_err(|e| StateError::new(path, e))?;
    file.as_file()
        .sync_all()
        .map_err(|e| StateError::new(path, e))?;
    file.persist(path)
        .map_err(|e| StateError::new(path, e.error))?;
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
