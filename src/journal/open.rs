//! Opening the journal: the SQLite settings that make every commit survive a power cut, the schema's
//! migrations, and the read-only way in for commands that only look.

use std::path::Path;

use rusqlite::{Connection, params};

use super::schema::MIGRATIONS;
use super::{Journal, JournalError, PREFIX_ALPHABET, PREFIX_LEN};

/// The journal's page size. A sale's commits each change a few rows, and a WAL frame is a whole page, so 1 KiB
/// pages write a quarter of what SQLite's default 4 KiB pages do to the SD card (docs/performance.md).
pub(super) const PAGE_SIZE: i64 = 1024;

/// Gives the journal [`PAGE_SIZE`] pages: a new one when it is created, an older one by rewriting it once
/// (`VACUUM`, in a rollback journal, since WAL fixes the page size), which SQLite does atomically. A journal that
/// cannot be rewritten now (another process is reading it) keeps its pages and is tried again at the next start.
fn use_small_pages(conn: &Connection, path: &Path) {
    let current: i64 = match conn.pragma_query_value(None, "page_size", |row| row.get(0)) {
        Ok(size) => size,
        Err(_) => return,
    };
    if current == PAGE_SIZE {
        return;
    }
    let rewritten = conn
        .pragma_update(None, "journal_mode", "DELETE")
        .and_then(|()| conn.pragma_update(None, "page_size", PAGE_SIZE))
        .and_then(|()| conn.execute_batch("VACUUM"));
    if let Err(error) = rewritten {
        tracing::warn!(journal = %path.display(), %error, "the journal keeps its larger pages for now");
    }
}

impl Journal {
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let name = path.display().to_string();
        let err = |source: rusqlite::Error| JournalError {
            path: name.clone(),
            source: source.into(),
        };
        // Created 0600 here (SQLite would use 0644 less the umask; its -wal and -shm copy this file's mode),
        // and never through a symlink: neither this open nor SQLite's follows one.
        crate::state::files::open_or_create(path).map_err(|e| JournalError {
            path: name.clone(),
            source: e.into(),
        })?;
        let flags = rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(err)?;
        use_small_pages(&conn, path);
        // WAL keeps readers and the writer apart; FULL makes every commit durable before it returns.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        // A refund from a terminal writes beside the running kiosk: a writer waits for the other's commit
        // (milliseconds) instead of failing with "database is locked".
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        // No checkpoint when the connection closes: every commit is already durable in the WAL, and copying the
        // WAL into the database at each exit of `charge` or `recover` would write every page a second time. The
        // automatic checkpoint (every 1000 pages) copies a page once however many sales changed it.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map_err(err)?;
        let journal = Self { conn, path: name };
        journal.migrate()?;
        journal.choose_reference_prefix()?;
        Ok(journal)
    }

    /// A second connection to the same journal, for a task that waits on the network between its steps.
    pub fn reopen(&self) -> Result<Self, JournalError> {
        Self::open(Path::new(&self.path))
    }

    /// For readers (`sales`): never writes, so it works on a read-only state directory and as another user
    /// with read access, and needs no lock while the kiosk runs.
    pub fn open_read_only(path: &Path) -> Result<Self, JournalError> {
        use rusqlite::OpenFlags;
        let name = path.display().to_string();
        let err = |source: rusqlite::Error| JournalError {
            path: name.clone(),
            source: source.into(),
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(err)?;
        let journal = Self {
            conn,
            path: name.clone(),
        };
        match journal.schema_version() {
            Ok(_) => Ok(journal),
            // A WAL database in a directory this user cannot write to, with no -shm file to share: with no -wal
            // file either, every commit is in the main file, so reading it as immutable misses nothing.
            Err(_) if !Path::new(&format!("{name}-wal")).exists() => {
                let uri = url::Url::from_file_path(path)
                    .map(|mut url| {
                        url.set_query(Some("immutable=1"));
                        url.to_string()
                    })
                    .map_err(|()| err(rusqlite::Error::InvalidPath(path.to_owned())))?;
                let conn = Connection::open_with_flags(uri, flags).map_err(err)?;
                let journal = Self { conn, path: name };
                journal.schema_version()?;
                Ok(journal)
            }
            Err(error) => Err(error),
        }
    }

    /// Picks this journal's reference prefix once, when it is created (or first upgraded).
    fn choose_reference_prefix(&self) -> Result<(), JournalError> {
        use rand::Rng;
        let mut rng = rand::rng();
        let prefix: String = (0..PREFIX_LEN)
            .map(|_| PREFIX_ALPHABET[rng.random_range(0..PREFIX_ALPHABET.len())] as char)
            .collect();
        self.conn
            .execute(
                "INSERT OR IGNORE INTO journal_meta (key, value) VALUES ('reference_prefix', ?1)",
                params![prefix],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn migrate(&self) -> Result<(), JournalError> {
        let applied: usize = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.err(e))?;
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
            tx.execute_batch(migration).map_err(|e| self.err(e))?;
            tx.pragma_update(None, "user_version", index + 1)
                .map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<usize, JournalError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.err(e))
    }
}
