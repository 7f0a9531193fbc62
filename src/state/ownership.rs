//! Whose the state directory is, checked before anything in it is opened for writing (the way ssh checks
//! `~/.ssh`): a directory others may write to could hold anything, and root writing into the kiosk user's
//! directory would leave files that user can no longer open.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::StateError;

/// Creates `dir` 0700 when missing, then refuses it when it is writable by its group or by others, or when
/// it belongs to someone other than the caller. Root on another user's directory gets the command to use.
pub fn prepare_dir(dir: &Path) -> Result<(), StateError> {
    super::ensure_dir(dir)?;
    let meta = std::fs::metadata(dir).map_err(|e| StateError::new(dir, e))?;
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    check(dir, meta.uid(), meta.mode(), me)
}

fn check(dir: &Path, owner: u32, mode: u32, me: u32) -> Result<(), StateError> {
    if mode & 0o022 != 0 {
        return Err(StateError::new(
            dir,
            format!(
                "the state directory is writable by {} (mode {:04o}); the kiosk refuses it, since anyone who \
                 can write there can replace its journal: `chmod 700 {}`",
                if mode & 0o002 != 0 {
                    "everyone"
                } else {
                    "its group"
                },
                mode & 0o7777,
                dir.display()
            ),
        ));
    }
    if owner == me {
        return Ok(());
    }
    let name = user_name(owner).unwrap_or_else(|| owner.to_string());
    let message = if me == 0 {
        format!(
            "the state directory belongs to {name}; run this as that user so every file stays {name}'s: \
             `sudo -u {name} wooshpay-kiosk …`"
        )
    } else {
        format!("the state directory belongs to {name}, not to the user running this (uid {me})")
    };
    Err(StateError::new(dir, message))
}

/// The login name of `uid`, from the system's user database.
fn user_name(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: passwd is plain data, filled in by getpwuid_r.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and buf's length is passed with it.
    let rc = unsafe { libc::getpwuid_r(uid, &mut entry, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points at a NUL-terminated string inside buf.
    let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
    Some(name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_others_can_write_is_refused_with_the_fix() {
        let error = check(Path::new("/srv/k"), 1000, 0o40777, 1000).unwrap_err();
        assert_eq!(
            error.to_string(),
            "/srv/k: the state directory is writable by everyone (mode 0777); the kiosk refuses it, since \
             anyone who can write there can replace its journal: `chmod 700 /srv/k`"
        );
        assert!(check(Path::new("/srv/k"), 1000, 0o40770, 1000).is_err());
        check(Path::new("/srv/k"), 1000, 0o40750, 1000).expect("read by the group is fine");
    }

    #[test]
    fn root_on_the_kiosk_users_directory_is_told_which_user_to_be() {
        let error = check(Path::new("/var/lib/k"), 0, 0o40700, 0);
        assert!(error.is_ok(), "root's own directory");
        let error = check(Path::new("/var/lib/k"), 65534, 0o40700, 0).unwrap_err();
        let nobody = user_name(65534).unwrap_or_else(|| "65534".into());
        assert!(
            error
                .to_string()
                .contains(&format!("`sudo -u {nobody} wooshpay-kiosk …`")),
            "{error}"
        );
    }
}
