//! What the kiosk opens in its state directory is what it expects (issue 24, point 4): the real binary, run
//! the way an administrator would, against a directory an attacker prepared.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use common::{Shop, sell_one_latte, simulator};

/// `charge` with the given umask (what a shell's `umask 000` would give it).
async fn charge_with_umask(shop: &Shop, mask: libc::mode_t) -> std::process::Output {
    let mut command = shop.command(&["charge", "latte"]);
    // SAFETY: umask is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(move || {
            libc::umask(mask);
            Ok(())
        });
    }
    command.output().await.unwrap()
}

fn every_entry(dir: &Path, found: &mut Vec<(String, u32, bool)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = std::fs::symlink_metadata(entry.path()).unwrap();
        found.push((
            entry.path().display().to_string(),
            meta.mode() & 0o7777,
            meta.is_dir(),
        ));
        if meta.is_dir() {
            every_entry(&entry.path(), found);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_file_is_private_whatever_the_umask() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    common::after_retrieves(&sim, 1, wooshpay_kiosk::simulator::SessionAction::Pay);
    let paid = charge_with_umask(&shop, 0).await;
    assert!(
        paid.status.success(),
        "{}",
        String::from_utf8_lossy(&paid.stderr)
    );

    let state = shop.dir.path().join("state");
    let mut found = vec![(
        state.display().to_string(),
        std::fs::metadata(&state).unwrap().mode() & 0o7777,
        true,
    )];
    every_entry(&state, &mut found);
    assert!(found.len() > 3, "the sale left its files: {found:?}");
    for (path, mode, is_dir) in found {
        let wanted = if is_dir { 0o700 } else { 0o600 };
        assert_eq!(mode, wanted, "{path} is {mode:04o}, wanted {wanted:04o}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlinked_lock_or_journal_is_refused_and_its_target_untouched() {
    let sim = simulator().await;
    for planted in ["lock", wooshpay_kiosk::journal::JOURNAL_FILE] {
        let shop = Shop::new(&sim.api_base_url(), "");
        let state = shop.dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
        let precious = shop.dir.path().join("precious");
        std::fs::write(&precious, "an administrator's file").unwrap();
        std::os::unix::fs::symlink(&precious, state.join(planted)).unwrap();

        let refused = charge_with_umask(&shop, 0o022).await;
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(1), "{planted}: {stderr}");
        assert!(
            stderr.contains(&format!("{planted} is a symbolic link")),
            "{planted}: {stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(&precious).unwrap(),
            "an administrator's file",
            "{planted}"
        );
        assert_eq!(sim.sessions().len(), 0, "{planted}: no sale was started");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_directory_others_can_write_is_refused() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    let state = shop.dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();
    let refused = charge_with_umask(&shop, 0o022).await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("writable by everyone (mode 0777)")
            && stderr.contains(&format!("`chmod 700 {}`", state.display())),
        "{stderr}"
    );
    assert!(!state.join(wooshpay_kiosk::journal::JOURNAL_FILE).exists());

    // Fixed as told, the same command sells.
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
    sell_one_latte(&sim, &shop).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_on_the_kiosk_users_directory_refuses_with_the_command_to_use() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: needs root (CI runs as root)");
        return;
    }
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    let state = shop.dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&state, Some(65534), Some(65534)).unwrap();

    let refused = charge_with_umask(&shop, 0o022).await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`sudo -u "), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&state).unwrap().collect();
    assert!(left.is_empty(), "root left files behind: {left:?}");
}
