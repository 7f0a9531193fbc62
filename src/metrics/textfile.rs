//! `[metrics] textfile`: the metrics as a `.prom` file for node_exporter's textfile collector, replaced whole
//! (a temporary file in the same directory, then a rename) so the collector never reads half of one.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Set when something worth publishing at once happened (a sale ended); the writer thread waits on it between
/// its ticks, so the file shows a sale as soon as it is recorded, not up to an interval later.
static NUDGED: Mutex<bool> = Mutex::new(false);
static NUDGE: Condvar = Condvar::new();

/// Asks the writer (if one runs) to rewrite the file now.
pub(super) fn nudge() {
    *NUDGED.lock().unwrap_or_else(|e| e.into_inner()) = true;
    NUDGE.notify_all();
}

/// Waits until nudged or until `interval` has passed, whichever is first, and takes the nudge.
fn wait_for_tick_or_nudge(interval: Duration) {
    let nudged = NUDGED.lock().unwrap_or_else(|e| e.into_inner());
    let (mut nudged, _) = NUDGE
        .wait_timeout_while(nudged, interval, |nudged| !*nudged)
        .unwrap_or_else(|e| e.into_inner());
    *nudged = false;
}

/// Writes the file now; the temporary file's name does not end in `.prom`, so the collector ignores it.
pub fn write_textfile(path: &Path) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let text = super::prometheus_text();
    let mut file = tempfile::Builder::new()
        .prefix(".wooshpay_kiosk.")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    // node_exporter runs as its own user: the file must be readable by others (it holds no secret). Set
    // explicitly, because the unit's UMask=0077 would take any mode given at creation down to 0600.
    file.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    file.write_all(text.as_bytes())?;
    // No fsync: the file is rewritten every interval and stale after a power cut anyway; the rename alone
    // keeps a reader from ever seeing half of one.
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes the file at once, then again every interval and whenever a sale ends, on a thread of its own (the
/// live gauges read the journal). The interval is the fleet's heartbeat: the file's age is what
/// `WooshpayKioskMetricsStale` watches, so it is rewritten even when nothing changed (put it on a tmpfs, where
/// that costs the SD card nothing: docs/monitoring.md).
pub struct TextfileWriter {
    path: PathBuf,
    interval: Duration,
}

impl TextfileWriter {
    pub fn new(path: PathBuf, interval: Duration) -> Self {
        Self { path, interval }
    }

    pub fn start(self) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new()
            .name("metrics-textfile".into())
            .spawn(move || {
                let mut failing = false;
                loop {
                    match write_textfile(&self.path) {
                        Ok(()) if failing => {
                            failing = false;
                            tracing::info!(path = %self.path.display(), "writing the metrics file again");
                        }
                        Ok(()) => {}
                        // Said once, not every interval; the file's age shows it to monitoring.
                        Err(error) if !failing => {
                            failing = true;
                            tracing::error!(path = %self.path.display(), %error, "cannot write the metrics file");
                        }
                        Err(_) => {}
                    }
                    wait_for_tick_or_nudge(self.interval);
                }
            })
    }
}
