//! The print worker: one thread that sends queued jobs oldest first and
//! keeps a failing job, retrying with doubling backoff. Before a job's bytes
//! go out it is marked as printing on disk, and once the printer took them
//! as done, so a crash or power cut never makes a job print again unmarked:
//! one cut off mid-print is printed again under a "DUPLICATE?" mark.

use super::config::PrinterTarget;
use super::interrupted::marked;
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
    /// The paper's width in characters, for the interrupted mark.
    pub columns: usize,
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
        // Files that could be neither printed-and-marked-done nor set aside;
        // skipping them avoids printing the same job again and again.
        let mut skipped: HashSet<PathBuf> = HashSet::new();
        loop {
            let pending = match self.jobs.pending() {
                Ok(list) => {
                    self.shared.lock().queue_unreadable = false;
                    list.into_iter()
                        .filter(|p| !skipped.contains(p))
                        .collect::<Vec<_>>()
                }
                Err(e) => {
                    self.shared.lock().queue_unreadable = true;
                    self.fail(e.to_string());
                    if self.back_off(&mut backoff) {
                        break;
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
            let interrupted = JobDir::interrupted(path);
            let (printing, bytes) = if interrupted {
                (path.clone(), marked(&job.bytes, self.columns))
            } else {
                match self.jobs.start_printing(path) {
                    Ok(printing) => (printing, job.bytes),
                    // Unmarked, a cut mid-print could print it twice unnoticed: not sent.
                    Err(e) => {
                        self.fail(e.to_string());
                        if self.back_off(&mut backoff) {
                            break;
                        }
                        continue;
                    }
                }
            };
            match transport::send(&self.target, &bytes, &self.timing.timeouts) {
                Ok(()) => {
                    backoff = self.timing.retry_first;
                    if let Err(e) = self.jobs.finish(&printing) {
                        // Left as printing, the next start prints it again, marked.
                        skipped.insert(printing);
                        let error = format!("printed {} but {e}", job.id);
                        self.shared.lock().state.last_error = Some(error);
                    }
                    let mut inner = self.shared.lock();
                    inner.state.waiting_jobs = inner.state.waiting_jobs.saturating_sub(1);
                    inner.state.status = PrinterStatus::Printing;
                }
                Err(e) => {
                    // Back in line unmarked; if that fails it stays printing and is
                    // printed marked, which is only ever too careful.
                    if !interrupted {
                        let _ = self.jobs.put_back(&printing);
                    }
                    self.fail(e.to_string());
                    if self.back_off(&mut backoff) {
                        break;
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

    /// Waits out a failure's backoff, doubling it for next time (a retry
    /// asked for starts it again); true when the worker is to stop.
    fn back_off(&self, backoff: &mut Duration) -> bool {
        match self.pause(*backoff, false) {
            Woken::Stop => return true,
            Woken::Retry => *backoff = self.timing.retry_first,
            Woken::Other => *backoff = (*backoff * 2).min(self.timing.retry_max),
        }
        false
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
