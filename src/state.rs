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
    /// Another process holds the lock; `pid` as the kernel names it (`/proc/locks`), when it can.
    #[error("another wooshpay-kiosk (pid {}) is using {}", pid.map_or_else(|| "unknown".to_owned(), |p| p.to_string()), dir.display())]
    Busy { dir: PathBuf, pid: Option<u32> },
    #[error(transparent)]
    State(#[from] StateError),
}

impl StateLock {
    /// Takes the lock without waiting. The file is never written: the holder's pid comes from the kernel's
    /// table of locks, so taking the lock at every start of `charge` costs the SD card nothing.
    pub fn acquire(dir: &Path) -> Result<Self, LockError> {
        ensure_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StateError::new(&path, format!("cannot open the lock file: {e}")))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy {
                dir: dir.to_owned(),
                pid: lock_holder(&file),
            }),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(StateError::new(&path, format!("cannot lock: {e}")).into())
            }
        }
    }
}

/// The pid of the process holding a `flock` on `file`, from `/proc/locks` (`1: FLOCK ADVISORY WRITE PID
/// MAJOR:MINOR:INODE 0 EOF`, the device numbers in hex).
fn lock_holder(file: &std::fs::File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().ok()?;
    let dev = meta.dev();
    let wanted = format!(
        "{:02x}:{:02x}:{}",
        libc::major(dev),
        libc::minor(dev),
        meta.ino()
    );
    let table = std::fs::read_to_string("/proc/locks").ok()?;
    parse_lock_holder(&table, &wanted)
}

fn parse_lock_holder(table: &str, wanted: &str) -> Option<u32> {
    table.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // A waiter's line starts "1: ->"; only the holder's names the lock's kind in the second field.
        match fields.as_slice() {
            [_, "FLOCK", _, "WRITE", pid, file, ..] if *file == wanted => pid.parse().ok(),
            _ => None,
        }
    })
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

    #[test]
    fn the_holder_is_read_from_the_kernels_table_of_locks() {
        let table = "1: POSIX  ADVISORY  WRITE 77 fd:01:42 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 4242 fd:01:42 0 EOF\n\
                     2: -> FLOCK  ADVISORY  WRITE 99 fd:01:42 0 EOF\n\
                     3: FLOCK  ADVISORY  WRITE 31 08:02:42 0 EOF\n";
        assert_eq!(parse_lock_holder(table, "fd:01:42"), Some(4242));
        assert_eq!(parse_lock_holder(table, "08:02:42"), Some(31));
        assert_eq!(parse_lock_holder(table, "08:02:43"), None);
    }

    #[test]
    fn taking_the_lock_writes_nothing_to_the_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let lock = StateLock::acquire(dir.path()).unwrap();
        assert_eq!(
            std::fs::metadata(dir.path().join(LOCK_FILE)).unwrap().len(),
            0
        );
        drop(lock);
    }
}
