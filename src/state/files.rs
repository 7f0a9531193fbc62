//! Opening files in the state and runtime directories without following symlinks, and creating them private
//! (0600 files, 0700 directories) whatever the caller's umask.
//!
//! Why: an administrator runs commands as root on a directory the kiosk's user can write. A symlink planted
//! there (`lock -> /etc/shadow`) must never make root open, truncate or read another file.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode bits of every file the kiosk creates in its directories.
pub const FILE_MODE: u32 = 0o600;
/// Mode bits of every directory it creates there.
pub const DIR_MODE: u32 = 0o700;

/// `O_NOFOLLOW`: a symlink is refused (`ELOOP`); `O_NONBLOCK`: a FIFO planted in its place cannot hang the open.
const NO_SURPRISES: i32 = libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;

/// Opens `path` for reading; a symlink, a FIFO or anything but a regular file is an error that names it.
pub fn open_read(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(NO_SURPRISES)
        .open(path)
        .map_err(|e| explain(path, e))?;
    regular(path, file)
}

/// Opens `path` for reading and writing, creating it 0600 when missing; never follows a symlink. A file that
/// is already there and readable by others is made 0600 (older versions created files by the umask).
pub fn open_or_create(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .custom_flags(NO_SURPRISES)
        .open(path)
        .map_err(|e| explain(path, e))?;
    let file = regular(path, file)?;
    make_private(&file)?;
    Ok(file)
}

/// A new file, 0600, that must not exist yet (`O_EXCL`, which never follows a symlink either).
pub fn create_new(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_CLOEXEC)
        .open(path)
}

/// The whole of `path`, read without following a symlink.
pub fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_read(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Creates `dir` and any missing parent 0700, whatever the umask (`DirBuilder`'s mode is masked by it, so the
/// mode is set again on each directory this call created).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    match std::fs::DirBuilder::new().mode(DIR_MODE).create(dir) {
        Ok(()) => std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes group and other bits off a file the caller owns.
fn make_private(file: &File) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata()?;
    // SAFETY: geteuid has no preconditions.
    if meta.mode() & 0o077 != 0 && meta.uid() == unsafe { libc::geteuid() } {
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    }
    Ok(())
}

fn regular(path: &Path, file: File) -> std::io::Result<File> {
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ))
    }
}

/// `ELOOP` from `O_NOFOLLOW` reads "Too many levels of symbolic links": say what it means here.
fn explain(path: &Path, error: std::io::Error) -> std::io::Error {
    if error.raw_os_error() == Some(libc::ELOOP) {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; the kiosk never follows one in its directories (remove it)",
                path.display()
            ),
        )
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn a_symlink_is_never_followed_nor_its_target_touched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious");
        std::fs::write(&target, "keep me").unwrap();
        let link = dir.path().join("lock");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let error = open_or_create(&link).unwrap_err();
        assert!(error.to_string().contains("is a symbolic link"), "{error}");
        assert!(read(&link).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    }

    #[test]
    fn a_fifo_is_refused_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("status.json");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let error = read(&fifo).unwrap_err();
        assert!(error.to_string().contains("not a regular file"), "{error}");
    }

    #[test]
    fn files_and_directories_are_private_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: umask only changes this process's mask; restored below. Tests in this binary that create
        // files meanwhile get looser modes, never an error.
        let old = unsafe { libc::umask(0) };
        let nested = dir.path().join("a/b");
        create_private_dir(&nested).unwrap();
        let file = open_or_create(&nested.join("f")).unwrap();
        // SAFETY: as above.
        unsafe { libc::umask(old) };
        assert_eq!(file.metadata().unwrap().mode() & 0o777, FILE_MODE);
        for d in [dir.path().join("a"), nested] {
            assert_eq!(std::fs::metadata(d).unwrap().mode() & 0o777, DIR_MODE);
        }
    }

    #[test]
    fn an_old_file_readable_by_others_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sales.sqlite");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_or_create(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o777, FILE_MODE);
    }
}
