//! The print worker: one thread that sends queued jobs oldest first and
//! keeps a failing job, retrying with doubling backoff.

use super::config::PrinterTarget;
use super::jobdir::{JobDir, Loaded};
use super::status::{PrinterStatus, Shared, Timing};
use super::transport;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// With nothing to print the worker still rescans now and then, in case
/// job files arrive without `enqueue`.
const IDLE_RESCAN: Duration = Duration::from_secs(60);

pub(super) struct Worker {
    pub jobs: Arc<JobDir>,
    pub shared: Arc<Shared>,
    pub target: PrinterTarget,
    pub timing: Timing,
}

enum Woken {
    Retry,
    Other,
    Stop,
}

impl Worker {
    pub fn run(self) {
        let mut backoff = self.timing.retry_first;
        // Files that could be neither printed-and-removed nor set aside;
        // skipping them avoids printing the same job again and again.
        let mut skipped: HashSet<PathBuf> = HashSet::new();
        loop {
            let pending = match self.jobs.pending() {
                Ok(list) => list
                    .into_iter()
                    .filter(|p| !skipped.contains(p))
                    .collect::<Vec<_>>(),
                Err(e) => {
                    self.fail(e.to_string());
                    match self.pause(backoff, false) {
                        Woken::Stop => break,
                        Woken::Retry => backoff = self.timing.retry_first,
                        Woken::Other => backoff = (backoff * 2).min(self.timing.retry_max),
                    }
                    continue;
                }
            };
            self.shared.lock().state.waiting_jobs = pending.len();
            let Some(path) = pending.first() else {
                self.set_status(PrinterStatus::Idle);
                match self.pause(IDLE_RESCAN, true) {
                    Woken::Stop => break,
                    _ => continue,
                }
            };
            let job = match self.jobs.load(path) {
                Loaded::Job(job) => job,
                Loaded::Gone => continue,
                Loaded::Corrupt { error, set_aside } => {
                    if !set_aside {
                        skipped.insert(path.clone());
                    }
                    self.shared.lock().state.last_error = Some(error.to_string());
                    continue;
                }
            };
            {
                let mut inner = self.shared.lock();
                if inner.stop {
                    break;
                }
                if !matches!(inner.state.status, PrinterStatus::Failing { .. }) {
                    inner.state.status = PrinterStatus::Printing;
                }
            }
            match transport::send(&self.target, &job.bytes, &self.timing.timeouts) {
                Ok(()) => {
                    backoff = self.timing.retry_first;
                    if let Err(e) = self.jobs.remove(path) {
                        skipped.insert(path.clone());
                        let error = format!("printed {} but {e}", job.id);
                        self.shared.lock().state.last_error = Some(error);
                    }
                    let mut inner = self.shared.lock();
                    inner.state.waiting_jobs = inner.state.waiting_jobs.saturating_sub(1);
                    inner.state.status = PrinterStatus::Printing;
                }
                Err(e) => {
                    self.fail(e.to_string());
                    match self.pause(backoff, false) {
                        Woken::Stop => break,
                        Woken::Retry => backoff = self.timing.retry_first,
                        Woken::Other => backoff = (backoff * 2).min(self.timing.retry_max),
                    }
                }
            }
        }
        self.shared.lock().exited = true;
        self.shared.changed.notify_all();
    }

    fn set_status(&self, status: PrinterStatus) {
        self.shared.lock().state.status = status;
    }

    fn fail(&self, error: String) {
        crate::metrics::printer_failure();
        let mut inner = self.shared.lock();
        let since = match &inner.state.status {
            PrinterStatus::Failing { since, .. } => *since,
            _ => SystemTime::now(),
        };
        inner.state.last_error = Some(error.clone());
        inner.state.status = PrinterStatus::Failing { error, since };
    }

    /// Sleeps up to `limit`; `retry_now` and shutdown always wake it, a new
    /// job only when `on_new_job` (a failing printer keeps its backoff).
    fn pause(&self, limit: Duration, on_new_job: bool) -> Woken {
        let inner = self.shared.lock();
        let (mut inner, _) = self
            .shared
            .changed
            .wait_timeout_while(inner, limit, |i| {
                !(i.stop || i.retry || (on_new_job && i.new_job))
            })
            .unwrap_or_else(|e| e.into_inner());
        let retry = std::mem::take(&mut inner.retry);
        inner.new_job = false;
        if inner.stop {
            Woken::Stop
        } else if retry {
            Woken::Retry
        } else {
            Woken::Other
        }
    }
}
