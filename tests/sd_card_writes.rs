//! What the kiosk writes to its storage: an SD card wears out from writes, and a kiosk is idle most of the day.
//! The state directory here is on a real disk, the runtime directory on a tmpfs, as the unit sets them up; the
//! kernel's own accounting of what a process sends to storage (`/proc/PID/io` `write_bytes`, and a child's
//! `ru_oublock` from `wait4`) is the measure. Figures: docs/performance.md.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Shop, simulator};
use tokio::io::AsyncBufReadExt;

/// What the issue allows one paid sale to write, WAL and checkpoints included.
const MAX_BYTES_PER_SALE: u64 = 64 * 1024;

fn is_tmpfs(path: &Path) -> bool {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: statfs writes into the zeroed struct we own; the path is a valid C string.
    unsafe {
        let mut stat: libc::statfs = std::mem::zeroed();
        libc::statfs(c_path.as_ptr(), &mut stat) == 0 && stat.f_type == libc::TMPFS_MAGIC
    }
}

/// Bytes the process has caused to be sent to storage so far (tmpfs pages never count).
fn write_bytes(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap();
    io.lines()
        .find_map(|line| line.strip_prefix("write_bytes: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn status_written_ms(runtime: &Path) -> Option<i64> {
    let text = std::fs::read_to_string(runtime.join("status.json")).ok()?;
    let status: serde_json::Value = serde_json::from_str(&text).ok()?;
    status["written_ms"].as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kiosk_writes_nothing_to_disk_and_logs_nothing() {
    let shm = Path::new("/dev/shm");
    if !is_tmpfs(shm) || is_tmpfs(Path::new(env!("CARGO_TARGET_TMPDIR"))) {
        eprintln!("skipped: needs a tmpfs at /dev/shm and a real disk under the target directory");
        return;
    }
    let sim = simulator().await;
    let shop = Shop::on_disk(&sim.api_base_url(), "");
    let runtime = tempfile::tempdir_in(shm).unwrap();
    let textfile = runtime.path().join("wooshpay_kiosk.prom");
    let mut config = std::fs::read_to_string(shop.config_path()).unwrap();
    config.push_str(&format!(
        "[metrics]\nlisten = \"0\"\ntextfile = \"{}\"\ntextfile_interval_s = 1\n",
        textfile.display()
    ));
    std::fs::write(shop.config_path(), config).unwrap();
    let mut kiosk = shop
        .command(&["--headless"])
        .env("RUNTIME_DIRECTORY", runtime.path())
        .spawn()
        .unwrap();
    let pid = kiosk.id().unwrap();
    let lines: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
    let mut stderr = tokio::io::BufReader::new(kiosk.stderr.take().unwrap()).lines();
    let log = lines.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = stderr.next_line().await {
            log.lock().unwrap().push((Instant::now(), line));
        }
    });

    // Started: the first frame is drawn, the status file written, WooshPay probed (start-up may write: the
    // journal is created, recovery looks at it).
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let started = lines
            .lock()
            .unwrap()
            .iter()
            .any(|(_, line)| line.contains("first frame shown"));
        if started && status_written_ms(runtime.path()).is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the kiosk did not start: {:?}",
            lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The start-up's own writes and log lines are done once the status file has been rewritten after them.
    let first = status_written_ms(runtime.path()).unwrap();
    while status_written_ms(runtime.path()) == Some(first) {
        assert!(
            Instant::now() < deadline,
            "the status file is not rewritten"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Idle on the catalog: measure over two rewrites of the status file and several of the metrics textfile,
    // every timer the idle kiosk runs having fired in between.
    let window_start = Instant::now();
    let written_before = write_bytes(pid);
    let mut rewrites = 0;
    let mut last = status_written_ms(runtime.path());
    while rewrites < 2 {
        assert!(
            Instant::now() < deadline,
            "the status file is not rewritten"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = status_written_ms(runtime.path());
        if now != last {
            rewrites += 1;
            last = now;
        }
    }
    let written = write_bytes(pid) - written_before;
    let window = window_start.elapsed();
    let logged: Vec<String> = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|(at, _)| *at >= window_start)
        .map(|(_, line)| line.clone())
        .collect();
    let _ = kiosk.start_kill();
    let _ = kiosk.wait().await;
    eprintln!("idle for {window:?}: {written} bytes written to disk");
    assert_eq!(
        written, 0,
        "an idle kiosk wrote {written} bytes to disk in {window:?}"
    );
    assert!(
        textfile.exists(),
        "the textfile is in the runtime directory"
    );
    assert!(
        !shop.dir.path().join("state").join("status.json").exists(),
        "the status file is not in the state directory"
    );
    assert!(logged.is_empty(), "logged while idle: {logged:#?}");
}

/// Runs the real binary to its end and returns its exit status and the bytes it sent to storage, from the
/// kernel's accounting of that one child.
// The child is waited for with `wait4`, which std's `wait` does not offer: it also gives that child's rusage.
#[allow(clippy::zombie_processes)]
fn run_measured(mut command: std::process::Command) -> (i32, u64, String) {
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr.unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    let mut status = 0;
    // SAFETY: waits for our own child and fills the zeroed rusage we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::wait4(pid, &mut status, 0, &mut usage), pid);
        usage
    };
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage.ru_oublock as u64 * 512, reader.join().unwrap())
}

/// Sales measured after the one that creates the journal. One sale's figure moves by a page or two with where
/// its WAL frames fall across the file system's 4 KiB pages and with when ext4 writes a page back between two
/// commits; the mean over this many sales does not, so the limit is checked on the mean and every figure printed.
const STEADY_SALES: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_sale_writes_at_most_64_kib_to_disk() {
    if is_tmpfs(Path::new(env!("CARGO_TARGET_TMPDIR"))) {
        eprintln!("skipped: the target directory is on a tmpfs, where nothing counts as written");
        return;
    }
    let sim = simulator().await;
    let shop = Shop::on_disk(&sim.api_base_url(), "");
    let std_command = |shop: &Shop| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_wooshpay-kiosk"));
        command
            .arg("--config")
            .arg(shop.config_path())
            .args(["charge", "latte"])
            .env_remove("WOOSHPAY_KIOSK_CONFIG")
            .env_remove("RUST_LOG")
            .env_remove("JOURNAL_STREAM")
            .env("WOOSHPAY_SECRET_KEY", &shop.key)
            .env("STATE_DIRECTORY", shop.dir.path().join("state"))
            .stdin(Stdio::null());
        command
    };
    let mut figures = Vec::new();
    for sale in 0..=STEADY_SALES {
        common::after_retrieves(&sim, 1, wooshpay_kiosk::simulator::SessionAction::Pay);
        let command = std_command(&shop);
        let (code, written, stderr) = tokio::task::spawn_blocking(move || run_measured(command))
            .await
            .unwrap();
        sim.set_auto_action(None);
        assert_eq!(code, 0, "sale {sale} was not paid: {stderr}");
        figures.push(written);
    }
    let first = figures.remove(0);
    let mut sorted = figures.clone();
    sorted.sort_unstable();
    let mean = figures.iter().sum::<u64>() / figures.len() as u64;
    eprintln!(
        "bytes written per paid `charge`: first (creates the journal) {first}; the next {STEADY_SALES}: \
         {figures:?}, mean {mean}, median {}, min {}, max {}",
        sorted[sorted.len() / 2],
        sorted[0],
        sorted[sorted.len() - 1]
    );
    assert!(
        mean <= MAX_BYTES_PER_SALE,
        "a paid sale wrote {mean} bytes to disk on average, more than {MAX_BYTES_PER_SALE}: {figures:?}"
    );
}
