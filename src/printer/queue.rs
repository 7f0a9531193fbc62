//! The `Printer` handle: jobs go to disk at once and one worker thread
//! prints them oldest first, retrying with backoff while the printer is
//! away. Nothing here waits on the printer, so callers (async code
//! included) never block on paper, cables or the network.

use super::config::PrinterConfig;
use super::error::PrinterError;
use super::job::PrintJob;
use super::jobdir::JobDir;
use super::status::{Inner, PrinterState, PrinterStatus, Shared, Timing};
use super::worker::Worker;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

/// The queue's folder inside the kiosk's state directory.
pub fn queue_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("print-queue")
}

pub struct Printer {
    config: PrinterConfig,
    jobs: Arc<JobDir>,
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
    grace: Duration,
}

/// Writes `job` into the queue at `queue_dir` without printing it: for a command run beside the kiosk (a refund
/// from a terminal), whose printer worker prints it when it next looks at the queue. A command never drives the
/// printer itself, so two processes never print from one queue. `false`: a job with this id is already queued.
pub fn queue_for_kiosk(queue_dir: &Path, job: &PrintJob) -> Result<bool, PrinterError> {
    JobDir::new(queue_dir.to_owned())
        .add(job)
        .map(|added| added.is_some())
}

impl Printer {
    pub fn start(config: PrinterConfig, queue_dir: impl Into<PathBuf>) -> Printer {
        Printer::start_with(config, queue_dir, Timing::default())
    }

    pub fn start_with(
        config: PrinterConfig,
        queue_dir: impl Into<PathBuf>,
        timing: Timing,
    ) -> Printer {
        let jobs = Arc::new(JobDir::new(queue_dir.into()));
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                state: PrinterState {
                    status: PrinterStatus::Idle,
                    waiting_jobs: 0,
                    last_error: None,
                    queue_error: None,
                },
                new_job: false,
                retry: false,
                queue_unreadable: false,
                stop: false,
                exited: false,
            }),
            changed: Condvar::new(),
        });
        let worker = Worker {
            jobs: jobs.clone(),
            shared: shared.clone(),
            target: config.target.clone(),
            columns: config.columns(),
            timing,
        };
        let spawned = std::thread::Builder::new()
            .name("print-queue".into())
            .spawn(move || worker.run());
        let worker = match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                let mut inner = shared.lock();
                let error = format!("cannot start print worker: {e}");
                inner.state.last_error = Some(error.clone());
                inner.state.status = PrinterStatus::Failing {
                    error,
                    since: SystemTime::now(),
                };
                None
            }
        };
        Printer {
            config,
            jobs,
            shared,
            worker,
            grace: timing.shutdown_grace,
        }
    }

    pub fn config(&self) -> &PrinterConfig {
        &self.config
    }

    pub fn queue_dir(&self) -> &Path {
        self.jobs.path()
    }

    /// Returns once the job is safely on disk (written and fsynced, a few
    /// milliseconds); printing happens later. From async code, call it in
    /// `spawn_blocking` if an SD card's fsync latency matters. A job whose
    /// id the queue holds already (waiting, printing or printed recently)
    /// is not queued again: a sale's first print queued anew after a crash
    /// reaches paper once. Jobs meant to print again need ids of their own.
    /// A job that cannot be written is named in the state (`queue_error`, what the staff screen and `status`
    /// show) and counted in the metrics until a later job is written.
    pub fn enqueue(&self, job: PrintJob) -> Result<(), PrinterError> {
        let added = match self.jobs.add(&job) {
            Ok(added) => added,
            Err(error) => {
                crate::metrics::print_queue_error();
                let mut inner = self.shared.lock();
                inner.state.queue_error = Some(error.to_string());
                inner.state.last_error = Some(error.to_string());
                return Err(error);
            }
        };
        let mut inner = self.shared.lock();
        inner.state.queue_error = None;
        if added.is_none() {
            return Ok(());
        }
        inner.state.waiting_jobs += 1;
        inner.new_job = true;
        // A worker backing off because it could not list the queue would leave this job for its whole backoff
        // (minutes): the job just written proves the queue works again, so it looks now.
        if inner.queue_unreadable {
            inner.retry = true;
        }
        self.shared.changed.notify_all();
        Ok(())
    }

    pub fn state(&self) -> PrinterState {
        self.shared.lock().state.clone()
    }

    /// Ends the current backoff wait and tries again now, e.g. after staff
    /// reloaded paper.
    pub fn retry_now(&self) {
        self.shared.lock().retry = true;
        self.shared.changed.notify_all();
    }

    /// Stops the worker; unprinted jobs stay on disk for the next start.
    /// Waits at most `Timing::shutdown_grace` (also on drop).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let Some(handle) = self.worker.take() else {
            return;
        };
        let mut inner = self.shared.lock();
        inner.stop = true;
        self.shared.changed.notify_all();
        let (inner, _) = self
            .shared
            .changed
            .wait_timeout_while(inner, self.grace, |i| !i.exited)
            .unwrap_or_else(|e| e.into_inner());
        let exited = inner.exited;
        drop(inner);
        // A worker stuck in a send is left to finish alone rather than
        // hanging the caller; it exits as soon as the send returns.
        if exited {
            let _ = handle.join();
        }
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_can_be_shared_with_async_code() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Printer>();
    }

    #[test]
    fn summaries() {
        let mut state = PrinterState {
            status: PrinterStatus::Idle,
            waiting_jobs: 0,
            last_error: None,
            queue_error: None,
        };
        assert_eq!(state.summary(), "Printer ready");
        state.status = PrinterStatus::Printing;
        state.waiting_jobs = 1;
        assert_eq!(state.summary(), "Printing (1 job waiting)");
        state.status = PrinterStatus::Failing {
            error: "cannot connect to printer 10.0.0.5:9100: connection refused".into(),
            since: SystemTime::now(),
        };
        state.waiting_jobs = 2;
        assert_eq!(
            state.summary(),
            "Printer offline: cannot connect to printer 10.0.0.5:9100: connection refused \
             (2 jobs waiting)"
        );
    }

    #[test]
    fn queue_lives_in_the_state_directory() {
        assert_eq!(
            queue_dir(Path::new("/var/lib/kiosk")),
            Path::new("/var/lib/kiosk/print-queue")
        );
    }
}
