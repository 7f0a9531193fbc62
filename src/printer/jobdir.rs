//! The queue directory: one file per job, named
//! `<20-digit sequence>-<kind>.job` so that name order is print order.
//! Files are written to a temporary name and renamed, so a `.job` file is
//! always complete unless the disk itself lost data.

use super::error::PrinterError;
use super::job::PrintJob;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

const TEMP_PREFIX: &str = ".tmp-";
const TEMP_SUFFIX: &str = ".part";
const STALE_TEMP: Duration = Duration::from_secs(600);

pub(crate) struct JobDir {
    dir: PathBuf,
    /// Next sequence number; 0 until the directory has been scanned.
    next_seq: Mutex<u64>,
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

    /// Job files, oldest first.
    pub fn pending(&self) -> Result<Vec<PathBuf>, PrinterError> {
        fs::create_dir_all(&self.dir).map_err(|e| self.err(e))?;
        let mut jobs = Vec::new();
        let mut max_seq = 0;
        for entry in fs::read_dir(&self.dir).map_err(|e| self.err(e))? {
            let entry = entry.map_err(|e| self.err(e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
                // Left by a crash mid-enqueue (its job never became visible),
                // unless it is young enough to be an enqueue in progress.
                let age = entry.metadata().and_then(|m| m.modified()).ok();
                let age = age.and_then(|t| t.elapsed().ok()).unwrap_or_default();
                if age > STALE_TEMP {
                    let _ = fs::remove_file(entry.path());
                }
            } else if name.ends_with(".job") {
                max_seq = max_seq.max(sequence(name));
                jobs.push(entry.path());
            }
        }
        jobs.sort();
        let mut next = self.next_seq.lock().unwrap_or_else(|e| e.into_inner());
        *next = (*next).max(max_seq + 1);
        Ok(jobs)
    }

    /// Writes the job durably and returns once it is visible to the worker.
    pub fn add(&self, job: &PrintJob) -> Result<PathBuf, PrinterError> {
        let body = job.to_file_bytes()?;
        if *self.next_seq.lock().unwrap_or_else(|e| e.into_inner()) == 0 {
            self.pending()?;
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
                .join(format!("{seq:020}-{}.job", job.kind.as_str()));
            match tmp.persist_noclobber(&path) {
                Ok(_) => {
                    self.sync_dir()?;
                    return Ok(path);
                }
                // Another process wrote this number; take the next.
                Err(e) if e.error.kind() == ErrorKind::AlreadyExists => tmp = e.file,
                Err(e) => return Err(self.err(e.error)),
            }
        }
    }

    /// The rename must reach the disk too, or a power cut can lose the job.
    fn sync_dir(&self) -> Result<(), PrinterError> {
        fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| self.err(e))
    }

    pub fn load(&self, path: &Path) -> Loaded {
        let reason = match fs::read(path) {
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

    pub fn remove(&self, path: &Path) -> Result<(), PrinterError> {
        match fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(source) => Err(PrinterError::Queue {
                path: path.to_owned(),
                source,
            }),
        }
    }
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
            .unwrap();
        let b = first
            .add(&PrintJob::new(1, JobKind::Ticket, b"b".to_vec()))
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
            .unwrap();
        assert_eq!(second.pending().unwrap(), [a.clone(), b, c]);
        assert!(a.ends_with("00000000000000000001-receipt.job"));
        assert!(!stale.exists() && fresh.exists());
        let Loaded::Job(job) = second.load(&a) else {
            panic!()
        };
        assert_eq!(job.bytes, b"a");
        second.remove(&a).unwrap();
        assert_eq!(second.pending().unwrap().len(), 2);
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
            .unwrap();
        assert!(
            next.ends_with("00000000000000000001-receipt.job"),
            "{next:?}"
        );
    }
}
