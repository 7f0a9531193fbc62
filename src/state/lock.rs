//! One owner of the state directory at a time: an exclusive `flock` on `STATE/lock`.

use std::path::{Path, PathBuf};

use super::{StateError, files, prepare_dir};

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
        prepare_dir(dir)?;
        let path = dir.join(LOCK_FILE);
        // Never truncated, never followed: a symlink planted here cannot make root touch another file.
        let file = files::open_or_create(&path)
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

#[cfg(test)]
mod symlink_tests {
    use super::*;

    #[test]
    fn a_symlinked_lock_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("shadow");
        std::fs::write(&target, "root:x:0").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(LOCK_FILE)).unwrap();
        let error = StateLock::acquire(dir.path()).unwrap_err();
        assert!(error.to_string().contains("is a symbolic link"), "{error}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "root:x:0");
    }
}
