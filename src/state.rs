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

/// The lock file in the state directory: whoever holds an exclusive `flock` on it owns the directory.
pub const LOCK_FILE: &str = "lock";

/// Exclusive ownership of the state directory (the UI, `charge`, `recover`): held until dropped, and released by
/// the kernel if the process dies, so a crash never leaves a stale lock behind.
#[derive(Debug)]
pub struct StateLock {
    _file: std::fs::File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock; `pid` as that process wrote it, when readable.
    #[error("another wooshpay-kiosk (pid {}) is using {}", pid.map_or_else(|| "unknown".to_owned(), |p| p.to_string()), dir.display())]
    Busy { dir: PathBuf, pid: Option<u32> },
    #[error(transparent)]
    State(#[from] StateError),
}

impl StateLock {
    /// Takes the lock without waiting and records this process's pid in the lock file.
    pub fn acquire(dir: &Path) -> Result<Self, LockError> {
        ensure_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StateError::new(&path, format!("cannot open the lock file: {e}")))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let pid = std::fs::read_to_string(&path)
                    .ok()
                    .and_then(|text| text.trim().parse().ok());
                return Err(LockError::Busy {
                    dir: dir.to_owned(),
                    pid,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StateError::new(&path, format!("cannot lock: {e}")).into());
            }
        }
        use std::io::{Seek, SeekFrom};
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)).map(|_| ()))
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        if let Err(e) = written {
            // The lock itself holds; only the pid shown to a second process is missing.
            tracing::warn!(file = %path.display(), error = %e, "cannot record the pid in the lock file");
        }
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_directory_has_one_owner_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = StateLock::acquire(dir.path()).unwrap();
        let error = StateLock::acquire(dir.path()).unwrap_err();
        let expected = format!(
            "another wooshpay-kiosk (pid {}) is using {}",
            std::process::id(),
            dir.path().display()
        );
        assert_eq!(error.to_string(), expected);
        drop(first);
        StateLock::acquire(dir.path()).expect("free again once the owner is gone");
    }
}
