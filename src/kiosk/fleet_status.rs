//! The running kiosk's live facts, kept in `status.json` in its runtime directory (a tmpfs: see
//! [`crate::state::runtime_dir`]) so `wooshpay-kiosk status` (and a fleet tool
//! over SSH) can read them without the state directory's lock: whether WooshPay answers, the printer, where the
//! catalog came from. What the journal holds (pending sales, today's totals) is read from the journal itself.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::checkout::GatewayStatus;
use crate::printer::{PrinterState, PrinterStatus};

pub const STATUS_FILE: &str = "status.json";

/// How often the running kiosk rewrites the file; a file older than a few of these means no kiosk is running.
pub const WRITE_INTERVAL_S: u64 = 5;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogStatus {
    /// `file`, `url` or `built-in`.
    pub source: String,
    /// The file's path or the URL.
    pub location: Option<String>,
    pub items: usize,
    /// For a catalog from `catalog_url`: when the copy in use was fetched (ms since the Unix epoch).
    pub fetched_ms: Option<i64>,
    /// For a catalog from `catalog_url`: when the server last confirmed the copy in use (a 304, or a new file).
    #[serde(default)]
    pub checked_ms: Option<i64>,
    /// When the catalog in use was loaded by this kiosk process.
    pub loaded_ms: Option<i64>,
    /// Why the last refresh was not applied; `None` after a good one.
    pub last_error: Option<String>,
    /// The catalog in use's `serial`, if it has one.
    #[serde(default)]
    pub serial: Option<u64>,
    /// The catalog in use's `expires` (ms since the Unix epoch), if it has one.
    #[serde(default)]
    pub expires_ms: Option<i64>,
}

impl CatalogStatus {
    /// `serial` and `expires` of the catalog now on sale.
    pub fn describe(&mut self, catalog: &crate::catalog::Catalog) {
        self.items = catalog.items.len();
        self.serial = catalog.serial;
        self.expires_ms = catalog.expires.map(|t| t.as_millisecond());
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GatewayLive {
    pub reachable: Option<bool>,
    pub last_contact_ms: Option<i64>,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrinterLive {
    /// `idle`, `printing` or `failing`.
    pub state: String,
    pub waiting_jobs: usize,
    pub last_error: Option<String>,
    /// A job could not be written to the queue (nothing new prints until one can).
    #[serde(default)]
    pub queue_error: Option<String>,
    /// One line, as the staff screen says it.
    pub summary: String,
}

/// What the running kiosk writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveStatus {
    pub written_ms: i64,
    pub pid: u32,
    pub version: String,
    pub kiosk_id: String,
    /// `test`, `live` or `demo`.
    pub mode: String,
    pub sale_in_progress: bool,
    pub gateway: GatewayLive,
    /// `None`: no `[printer]`.
    pub printer: Option<PrinterLive>,
    pub catalog: CatalogStatus,
    /// Where `[metrics] listen` is answering (the port the system chose for a port of 0); `None`: not listening.
    #[serde(default)]
    pub metrics_listen: Option<String>,
}

impl GatewayLive {
    pub fn from_status(status: &GatewayStatus) -> Self {
        Self {
            reachable: status.reachable,
            last_contact_ms: status.last_contact_ms,
            last_error: status.last_error.clone(),
        }
    }
}

impl PrinterLive {
    pub fn from_state(state: &PrinterState) -> Self {
        Self {
            state: match state.status {
                PrinterStatus::Idle => "idle",
                PrinterStatus::Printing => "printing",
                PrinterStatus::Failing { .. } => "failing",
            }
            .to_owned(),
            waiting_jobs: state.waiting_jobs,
            last_error: state.last_error.clone(),
            queue_error: state.queue_error.clone(),
            summary: state.summary(),
        }
    }
}

pub fn status_path(runtime_dir: &Path) -> PathBuf {
    runtime_dir.join(STATUS_FILE)
}

/// Replaced whole (a temporary file renamed over it), so a reader never sees half a file. Not fsynced: it lives
/// in the runtime directory (a tmpfs, gone at a power cut along with the kiosk it described).
pub fn write_live(runtime_dir: &Path, status: &LiveStatus) -> Result<(), String> {
    use std::io::Write;
    let json = serde_json::to_vec_pretty(status).map_err(|e| e.to_string())?;
    let path = status_path(runtime_dir);
    crate::state::files::create_private_dir(runtime_dir)
        .map_err(|e| format!("{}: {e}", runtime_dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(runtime_dir)
        .map_err(|e| format!("{}: {e}", runtime_dir.display()))?;
    file.write_all(&json)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.persist(&path)
        .map_err(|e| format!("{}: {}", path.display(), e.error))?;
    Ok(())
}

/// `None`: no kiosk has written one here; `Err`: one is there but cannot be read (named).
pub fn read_live(runtime_dir: &Path) -> Option<Result<LiveStatus, String>> {
    let path = status_path(runtime_dir);
    let bytes = match crate::state::files::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return Some(Err(format!("{}: {e}", path.display()))),
    };
    Some(
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a kiosk status file: {e}", path.display())),
    )
}

/// Whether the file was written recently enough that its kiosk is still running.
pub fn is_fresh(status: &LiveStatus, now_ms: i64) -> bool {
    let limit_ms = (WRITE_INTERVAL_S as i64) * 1000 * 4;
    now_ms.saturating_sub(status.written_ms) <= limit_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(written_ms: i64) -> LiveStatus {
        LiveStatus {
            written_ms,
            pid: 42,
            version: "1.0.0".into(),
            kiosk_id: "till-1".into(),
            mode: "test".into(),
            sale_in_progress: false,
            gateway: GatewayLive {
                reachable: Some(true),
                last_contact_ms: Some(written_ms - 1000),
                last_error: None,
            },
            printer: None,
            catalog: CatalogStatus {
                source: "file".into(),
                location: Some("/etc/wooshpay-kiosk/catalog.toml".into()),
                items: 12,
                ..CatalogStatus::default()
            },
            metrics_listen: None,
        }
    }

    #[test]
    fn the_status_file_reads_back_and_goes_stale_when_no_longer_written() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_live(dir.path()).is_none());
        write_live(dir.path(), &sample(1_000_000)).unwrap();
        let read = read_live(dir.path()).unwrap().unwrap();
        assert_eq!(read, sample(1_000_000));
        assert!(is_fresh(&read, 1_000_000 + 20_000));
        assert!(!is_fresh(&read, 1_000_000 + 21_000));
        std::fs::write(status_path(dir.path()), b"{half").unwrap();
        let error = read_live(dir.path()).unwrap().unwrap_err();
        assert!(
            error.contains("status.json: not a kiosk status file"),
            "{error}"
        );
    }
}
