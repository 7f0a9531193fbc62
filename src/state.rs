//! The kiosk's state directory and the small files it keeps there.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct StateError {
    pub path: PathBuf,
    pub message: String,
}

impl StateError {
    fn new(path: &Path, message: impl std::fmt::Display) -> Self {
        Self {
            path: path.to_owned(),
            message: message.to_string(),
        }
    }
}

/// `$STATE_DIRECTORY` (set by systemd's `StateDirectory=`), else `/var/lib/wooshpay-kiosk` when this user may
/// write there, else the per-user data directory.
pub fn state_dir() -> PathBuf {
    if let Some(dirs) = std::env::var_os("STATE_DIRECTORY").filter(|d| !d.is_empty()) {
        // systemd passes a colon-separated list when several directories are configured.
        let first = dirs
            .to_string_lossy()
            .split(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        return PathBuf::from(first);
    }
    let system = Path::new("/var/lib/wooshpay-kiosk");
    if is_writable_dir(system) {
        return system.to_owned();
    }
    directories::ProjectDirs::from("com", "wooshpay-kiosk", "wooshpay-kiosk")
        .map(|dirs| dirs.data_dir().to_owned())
        .unwrap_or_else(|| PathBuf::from(".wooshpay-kiosk"))
}

fn is_writable_dir(path: &Path) -> bool {
    path.is_dir() && tempfile::tempfile_in(path).is_ok()
}

pub fn ensure_dir(dir: &Path) -> Result<(), StateError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| StateError::new(dir, format!("cannot create the state directory: {e}")))
}

/// Writes via a temporary file, fsync and rename, so a power cut leaves the old or the new file, never half.
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

/// Sale numbers for `client_reference_id`, unique per kiosk across restarts.
#[derive(Debug)]
pub struct SaleCounter {
    path: PathBuf,
}

impl SaleCounter {
    pub fn new(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join("sale-counter"),
        }
    }

    /// Reserves the next number and records it before returning, so no number is ever handed out twice.
    pub fn next(&self) -> Result<u64, StateError> {
        let last = match std::fs::read_to_string(&self.path) {
            Ok(text) => text.trim().parse::<u64>().map_err(|_| {
                StateError::new(
                    &self.path,
                    format!("expected a sale number, found {:?}", text.trim()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(StateError::new(&self.path, e)),
        };
        let next = last + 1;
        write_atomically(&self.path, format!("{next}\n").as_bytes())?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sale_numbers_increase_across_instances() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(SaleCounter::new(dir.path()).next().unwrap(), 1);
        assert_eq!(SaleCounter::new(dir.path()).next().unwrap(), 2);
        std::fs::write(dir.path().join("sale-counter"), "garbage").unwrap();
        let error = SaleCounter::new(dir.path()).next().unwrap_err();
        assert!(
            error.to_string().contains("expected a sale number"),
            "{error}"
        );
    }
}
