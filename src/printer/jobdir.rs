//! The queue directory: one file per job, named `<20-digit sequence>-<kind>`
//! so that name order is print order, with a suffix for its state:
//! `.job` waiting, `.printing` going to the printer, `.done` printed.
//! Files are written to a temporary name and renamed, so a job file is
//! always complete unless the disk itself lost data; each change of state is
//! a rename followed by an fsync of the directory, so after a power cut the
//! name says how far the job got. A `.printing` job found later was cut off
//! mid-print: it may be on paper already. Done jobs are kept for a while so
//! that a job queued again under the same id (a first print queued anew after
//! a cut) is recognised and not printed twice.

use super::error::PrinterError;
use super::job::PrintJob;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

const TEMP_PREFIX: &str = ".tmp-";
const TEMP_SUFFIX: &str = ".part";
const STALE_TEMP: Duration = Duration::from_secs(600);
const WAITING: &str = "job";
const PRINTING: &str = "printing";
const DONE: &str = "done";
/// Done jobs kept: far more than a busy hour's, the longest a paid sale's
/// first print can be queued again (`PRINT_LATE_WITHIN` in the UI) ...
pub(crate) const KEEP_DONE: usize = 500;
/// ... and for no longer than this, so the directory cannot grow for ever.
pub(crate) const KEEP_DONE_FOR: Duration = Duration::from_secs(3 * 24 * 3600);
/// More than any job header (the id is one line).
const HEADER_READ: u64 = 4096;

pub(crate) struct JobDir {
    dir: PathBuf,
    /// Next sequence number; 0 until the directory has been scanned.
    next_seq: Mutex<u64>,
    /// Held while a job is added or changes state, so that looking for an
    /// id never misses a file in the middle of a rename.
    renames: Mutex<()>,
}

pub(crate) enum Loaded {
    Job(PrintJob),
    /// Removed by someone else since it was listed.
    Gone,
    /// Unreadable; `set_aside` says whether it was moved out of the way.
    Corrupt {
        error: PrinterError,
        set_aside: bool,
    },
}

impl JobDir {
    pub fn new(dir: PathBuf) -> JobDir {
        JobDir {
            dir,
            next_seq: Mutex::new(0),
            renames: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn err(&self, source: std::io::Error) -> PrinterError {
        PrinterError::Queue {
            path: self.dir.clone(),
            source,
        }
    }

    /// Jobs still to print: interrupted (`.printing`) ones first, then the
    /// waiting ones, each oldest first. Prunes old done jobs on the way.
    pub fn pending(&self) -> Result<Vec<PathBuf>, PrinterError> {
        crate::state::files::create_private_dir(&self.dir).map_err(|e| self.err(e))?;
        let (mut interrupted, mut waiting, mut done) = (Vec::new(), Vec::new(), Vec::new());
        let mut max_seq = 0;
        for entry in fs::read_dir(&self.dir).map_err(|e| self.err(e))? {
            let entry = entry.map_err(|e| self.err(e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
                // Left by a crash mid-enqueue (its job never became visible),
                // unless it is young enough to be an enqueue in progress.
                if age(&entry) > STALE_TEMP {
                    let _ = fs::remove_file(entry.path());
                }
                continue;
            }
            let list = match state(name) {
                Some(PRINTING) => &mut interrupted,
                Some(WAITING) => &mut waiting,
                Some(_) => &mut done,
                None => continue,
            };
            max_seq = max_seq.max(sequence(name));
            list.push(entry);
        }
        self.prune(done);
        let mut jobs = Vec::new();
        for mut list in [interrupted, waiting] {
            list.sort_by_key(|e| e.file_name());
            jobs.extend(list.iter().map(|e| e.path()));
        }
        let mut next = self.next_seq.lock().unwrap_or_else(|e| e.into_inner());
        *next = (*next).max(max_seq + 1);
        Ok(jobs)
    }

    /// Removes done jobs beyond the newest `KEEP_DONE` and older than
    /// `KEEP_DONE_FOR`. Not synced: one coming back after a cut is harmless.
    fn prune(&self, mut done: Vec<fs::DirEntry>) {
        done.sort_by_key(|e| std::cmp::Reverse(e.file_name()));
        for (rank, entry) in done.iter().enumerate() {
            if rank >= KEEP_DONE || age(entry) > KEEP_DONE_FOR {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Whether the job was cut off while going to the printer.
    pub fn interrupted(path: &Path) -> bool {
        path.extension() == Some(PRINTING.as_ref())
    }

    /// Writes the job durably and returns once it is visible to the worker,
    /// with its path; `None` if a job with its id is in the queue already,
    /// waiting, printing or printed.
    pub fn add(&self, job: &PrintJob) -> Result<Option<PathBuf>, PrinterError> {
        let body = job.to_file_bytes()?;
        let _renames = self.lock_renames();
        if *self.next_seq.lock().unwrap_or_else(|e| e.into_inner()) == 0 {
            self.pending()?;
        }
        if self.holds(&job.id)? {
            return Ok(None);
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&self.dir)
            .map_err(|e| self.err(e))?;
        tmp.write_all(&body).map_err(|e| self.err(e))?;
        tmp.as_file().sync_all().map_err(|e| self.err(e))?;
        loop {
            let seq = {
                let mut next = self.next_seq.lock().unwrap_or_else(|e| e.into_inner());
                let seq = *next;
                *next += 1;
                seq
            };
            let path = self
                .dir
                .join(format!("{seq:020}-{}.{WAITING}", job.kind.as_str()));
            match tmp.persist_noclobber(&path) {
                Ok(_) => {
                    self.sync_dir()?;
                    return Ok(Some(path));
                }
                // Another process wrote this number; take the next.
                Err(e) if e.error.kind() == ErrorKind::AlreadyExists => tmp = e.file,
                Err(e) => return Err(self.err(e.error)),
            }
        }
    }

    /// Whether a waiting, printing or done job has this id.
    fn holds(&self, id: &str) -> Result<bool, PrinterError> {
        for entry in fs::read_dir(&self.dir).map_err(|e| self.err(e))? {
            let entry = entry.map_err(|e| self.err(e))?;
            let name = entry.file_name();
            if name.to_str().and_then(state).is_none() {
                continue;
            }
            let mut start = Vec::new();
            let read = fs::File::open(entry.path())
                .and_then(|f| f.take(HEADER_READ).read_to_end(&mut start));
            if read.is_ok() && PrintJob::id_in_header(&start) == Some(id) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Marks a waiting job as going to the printer, durably, before any of
    /// it is sent; returns its new path.
    pub fn start_printing(&self, path: &Path) -> Result<PathBuf, PrinterError> {
        self.set_state(path, PRINTING)
    }

    /// Marks a job the printer took as done, durably.
    pub fn finish(&self, path: &Path) -> Result<PathBuf, PrinterError> {
        self.set_state(path, DONE)
    }

    /// Puts a job whose send failed back in line; it will be printed again
    /// without the interrupted mark.
    pub fn put_back(&self, path: &Path) -> Result<PathBuf, PrinterError> {
        self.set_state(path, WAITING)
    }

    fn set_state(&self, path: &Path, to: &str) -> Result<PathBuf, PrinterError> {
        let _renames = self.lock_renames();
        let renamed = path.with_extension(to);
        fs::rename(path, &renamed).map_err(|source| PrinterError::Queue {
            path: path.to_owned(),
            source,
        })?;
        self.sync_dir()?;
        Ok(renamed)
    }

    fn lock_renames(&self) -> MutexGuard<'_, ()> {
        self.renames.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The rename must reach the disk too, or a power cut can lose the job.
    fn sync_dir(&self) -> Result<(), PrinterError> {
        fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| self.err(e))
    }

    pub fn load(&self, path: &Path) -> Loaded {
        let reason = match crate::state::files::read(path) {
            Ok(data) => match PrintJob::from_file_bytes(&data) {
                Ok(job) => return Loaded::Job(job),
                Err(reason) => reason,
            },
            Err(e) if e.kind() == ErrorKind::NotFound => return Loaded::Gone,
            Err(e) => format!("cannot read: {e}"),
        };
        let mut moved_to = path.as_os_str().to_owned();
        moved_to.push(".corrupt");
        let moved_to = PathBuf::from(moved_to);
        let set_aside = fs::rename(path, &moved_to).is_ok();
        Loaded::Corrupt {
            error: PrinterError::CorruptJob {
                path: path.to_owned(),
                moved_to,
                reason,
            },
            set_aside,
        }
    }
}

/// A job file's state (its suffix); `None` for any other file.
fn state(name: &str) -> Option<&'static str> {
    let (_, suffix) = name.rsplit_once('.')?;
    [WAITING, PRINTING, DONE].into_iter().find(|s| *s == suffix)
}

fn age(entry: &fs::DirEntry) -> Duration {
    let modified = entry.metadata().and_then(|m| m.modified()).ok();
    modified.and_then(|t| t.elapsed().ok()).unwrap_or_default()
}

fn sequence(name: &str) -> u64 {
    name.split(['-', '.'])
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::job::JobKind;
    use super::*;

    #[test]
    fn jobs_keep_their_order_across_instances() {
        let dir = tempfile::tempdir().unwrap();
        let first = JobDir::new(dir.path().join("q"));
        let a = first
            .add(&PrintJob::new(1, JobKind::Receipt, b"a".to_vec()))
            .unwrap()
            .unwrap();
        let b = first
            .add(&PrintJob::new(1, JobKind::Ticket, b"b".to_vec()))
            .unwrap()
            .unwrap();
        let stale = dir.path().join("q/.tmp-stale.part");
        let fresh = dir.path().join("q/.tmp-fresh.part");
        fs::write(&stale, b"half").unwrap();
        fs::write(&fresh, b"half").unwrap();
        let old = std::time::SystemTime::now() - Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let second = JobDir::new(dir.path().join("q"));
        let c = second
            .add(&PrintJob::new(2, JobKind::Receipt, b"c".to_vec()))
            .unwrap()
            .unwrap();
        assert_eq!(second.pending().unwrap(), [a.clone(), b, c]);
        assert!(a.ends_with("00000000000000000001-receipt.job"));
        assert!(!stale.exists() && fresh.exists());
        let Loaded::Job(job) = second.load(&a) else {
            panic!()
        };
        assert_eq!(job.bytes, b"a");
        let printing = second.start_printing(&a).unwrap();
        assert!(JobDir::interrupted(&printing));
        assert_eq!(
            second.pending().unwrap()[0],
            printing,
            "an interrupted job goes first"
        );
        let done = second.finish(&printing).unwrap();
        assert!(done.ends_with("00000000000000000001-receipt.done"));
        assert_eq!(second.pending().unwrap().len(), 2);
        // Its id is known in every state: queued again, it is not added.
        let again = PrintJob::new(1, JobKind::Receipt, b"a".to_vec());
        assert_eq!(second.add(&again).unwrap(), None);
        let c = second.pending().unwrap()[1].clone();
        second.start_printing(&c).unwrap();
        let again = PrintJob::new(2, JobKind::Receipt, b"c".to_vec());
        assert_eq!(first.add(&again).unwrap(), None);
    }

    #[test]
    fn corrupt_files_are_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = JobDir::new(dir.path().to_owned());
        let path = dir.path().join("00000000000000000007-receipt.job");
        fs::write(&path, b"escpos-job 1\nid: x").unwrap();
        let Loaded::Corrupt { error, set_aside } = jobs.load(&path) else {
            panic!()
        };
        assert!(set_aside);
        let text = error.to_string();
        assert!(
            text.contains("00000000000000000007-receipt.job set aside as"),
            "{text}"
        );
        assert!(
            dir.path()
                .join("00000000000000000007-receipt.job.corrupt")
                .exists()
        );
        assert!(jobs.pending().unwrap().is_empty());
        assert!(matches!(jobs.load(&path), Loaded::Gone));
        // A set-aside file no longer takes part in numbering.
        let next = jobs
            .add(&PrintJob::new(1, JobKind::Receipt, vec![]))
            .unwrap()
            .unwrap();
        assert!(
            next.ends_with("00000000000000000001-receipt.job"),
            "{next:?}"
        );
    }

    #[test]
    fn done_jobs_are_pruned_to_the_newest_few_hundred_and_the_last_days() {
        let dir = tempfile::tempdir().unwrap();
        let jobs = JobDir::new(dir.path().to_owned());
        let done = |seq: u64| dir.path().join(format!("{seq:020}-receipt.done"));
        for seq in 1..=(KEEP_DONE as u64 + 10) {
            fs::write(done(seq), b"x").unwrap();
        }
        // One of the newest, but older than the days kept.
        let old = std::time::SystemTime::now() - KEEP_DONE_FOR - Duration::from_secs(60);
        let newest_but_old = done(KEEP_DONE as u64 + 5);
        fs::File::options()
            .write(true)
            .open(&newest_but_old)
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert!(
            jobs.pending().unwrap().is_empty(),
            "done jobs are not pending"
        );
        let kept = (1..=(KEEP_DONE as u64 + 10))
            .filter(|&seq| done(seq).exists())
            .collect::<Vec<_>>();
        assert_eq!(kept.len(), KEEP_DONE - 1, "{kept:?}");
        assert_eq!(kept[0], 11, "the oldest go first");
        assert!(!newest_but_old.exists());
        // Numbering goes on after the newest done job, so name order stays print order.
        let next = jobs
            .add(&PrintJob::new(1, JobKind::Receipt, vec![]))
            .unwrap()
            .unwrap();
        assert!(next.ends_with(format!("{:020}-receipt.job", KEEP_DONE as u64 + 11)));
    }
}
