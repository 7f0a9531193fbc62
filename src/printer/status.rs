//! What the queue and its worker thread share: the printer's state as staff see it, the timing of sends and
//! retries, and the lock and signal between the two.

use super::transport::Timeouts;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterStatus {
    Idle,
    Printing,
    /// Jobs are waiting for the printer; `since` is the first failure.
    Failing {
        error: String,
        since: SystemTime,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterState {
    pub status: PrinterStatus,
    pub waiting_jobs: usize,
    /// Most recent error of any kind, kept after the printer recovers.
    pub last_error: Option<String>,
    /// The last job could not be written to the queue (a full or failing SD card): until one can, nothing new
    /// prints, whatever the printer's own state.
    pub queue_error: Option<String>,
}

impl PrinterState {
    /// One line for a staff screen.
    pub fn summary(&self) -> String {
        let waiting = match self.waiting_jobs {
            1 => " (1 job waiting)".to_owned(),
            n if n > 1 => format!(" ({n} jobs waiting)"),
            _ => String::new(),
        };
        if let Some(error) = &self.queue_error {
            return format!("Cannot queue print jobs: {error}{waiting}");
        }
        match &self.status {
            PrinterStatus::Idle => format!("Printer ready{waiting}"),
            PrinterStatus::Printing => format!("Printing{waiting}"),
            PrinterStatus::Failing { error, .. } => format!("Printer offline: {error}{waiting}"),
        }
    }
}

/// Timeouts and retry pacing; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub timeouts: Timeouts,
    pub retry_first: Duration,
    pub retry_max: Duration,
    /// How long `shutdown` waits for a send in progress before leaving the
    /// worker to finish on its own (its job stays on disk either way).
    pub shutdown_grace: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            timeouts: Timeouts::default(),
            retry_first: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

pub(super) struct Inner {
    pub(super) state: PrinterState,
    pub(super) new_job: bool,
    pub(super) retry: bool,
    /// The worker's last listing of the queue failed (the directory is unreadable): it is backing off from the
    /// queue, not from the printer, so a job that is written again proves the queue works and wakes it.
    pub(super) queue_unreadable: bool,
    pub(super) stop: bool,
    pub(super) exited: bool,
}

pub(super) struct Shared {
    pub(super) inner: Mutex<Inner>,
    pub(super) changed: Condvar,
}

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not take the printer down with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}
