//! A print job and its file. A job file is a short text header, a blank
//! line, then the raw ESC/POS bytes; the header's length line lets a
//! truncated file be recognised.
//!
//! ```text
//! escpos-job 1
//! id: sale-17-receipt
//! sale_id: 17
//! kind: receipt
//! length: 1234
//!
//! <1234 bytes>
//! ```

use super::error::PrinterError;

const MAGIC: &str = "escpos-job 1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Receipt,
    Ticket,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Receipt => "receipt",
            JobKind::Ticket => "ticket",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintJob {
    /// Caller's identifier, for logs and the file header; one line of text.
    pub id: String,
    pub sale_id: i64,
    pub kind: JobKind,
    /// Complete ESC/POS output, from `encode`.
    pub bytes: Vec<u8>,
}

impl PrintJob {
    pub fn new(sale_id: i64, kind: JobKind, bytes: Vec<u8>) -> PrintJob {
        PrintJob {
            id: format!("sale-{sale_id}-{}", kind.as_str()),
            sale_id,
            kind,
            bytes,
        }
    }

    pub(crate) fn to_file_bytes(&self) -> Result<Vec<u8>, PrinterError> {
        if self.id.is_empty() || self.id.chars().any(char::is_control) {
            return Err(PrinterError::InvalidJob(format!(
                "id must be one non-empty line of text, got {:?}",
                self.id
            )));
        }
        let header = format!(
            "{MAGIC}\nid: {}\nsale_id: {}\nkind: {}\nlength: {}\n\n",
            self.id,
            self.sale_id,
            self.kind.as_str(),
            self.bytes.len()
        );
        let mut out = header.into_bytes();
        out.extend_from_slice(&self.bytes);
        Ok(out)
    }

    /// The id in a job file's first lines, without reading its bytes; `None` if they are not a job's header.
    pub(crate) fn id_in_header(start: &[u8]) -> Option<&str> {
        let rest = start
            .strip_prefix(MAGIC.as_bytes())?
            .strip_prefix(b"\nid: ")?;
        let end = rest.iter().position(|&b| b == b'\n')?;
        std::str::from_utf8(&rest[..end]).ok()
    }

    /// Parses a job file; the error says what is wrong with it.
    pub(crate) fn from_file_bytes(data: &[u8]) -> Result<PrintJob, String> {
        let split = data
            .windows(2)
            .position(|w| w == b"\n\n")
            .ok_or("no end of header (file cut short?)")?;
        let header = std::str::from_utf8(&data[..split]).map_err(|_| "header is not text")?;
        let body = &data[split + 2..];
        let mut lines = header.lines();
        if lines.next() != Some(MAGIC) {
            return Err(format!("does not start with {MAGIC:?}"));
        }
        let mut field = |name: &str| -> Result<&str, String> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(": "))
                .ok_or_else(|| format!("missing {name} line"))
        };
        let id = field("id")?.to_owned();
        let sale_id = field("sale_id")?;
        let sale_id: i64 = sale_id
            .parse()
            .map_err(|_| format!("bad sale_id {sale_id:?}"))?;
        let kind = match field("kind")? {
            "receipt" => JobKind::Receipt,
            "ticket" => JobKind::Ticket,
            other => return Err(format!("unknown kind {other:?}")),
        };
        let length = field("length")?;
        let length: usize = length
            .parse()
            .map_err(|_| format!("bad length {length:?}"))?;
        if body.len() != length {
            return Err(format!(
                "header says {length} bytes but {} follow (file cut short?)",
                body.len()
            ));
        }
        Ok(PrintJob {
            id,
            sale_id,
            kind,
            bytes: body.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> PrintJob {
        PrintJob::new(-3, JobKind::Ticket, b"\x1b@hi\n\n\x00\xff".to_vec())
    }

    #[test]
    fn round_trip() {
        let bytes = job().to_file_bytes().unwrap();
        assert!(bytes.starts_with(
            b"escpos-job 1\nid: sale--3-ticket\nsale_id: -3\nkind: ticket\nlength: 8\n\n"
        ));
        assert_eq!(PrintJob::from_file_bytes(&bytes).unwrap(), job());
        assert_eq!(PrintJob::id_in_header(&bytes[..40]), Some("sale--3-ticket"));
        assert_eq!(
            PrintJob::id_in_header(&bytes[..20]),
            None,
            "cut inside the id"
        );
        assert_eq!(PrintJob::id_in_header(b"hello\nid: x\n"), None);
        let empty = PrintJob::new(1, JobKind::Receipt, Vec::new());
        let bytes = empty.to_file_bytes().unwrap();
        assert_eq!(PrintJob::from_file_bytes(&bytes).unwrap(), empty);
    }

    #[test]
    fn damage_is_described() {
        let good = job().to_file_bytes().unwrap();
        let cut = PrintJob::from_file_bytes(&good[..good.len() - 1]).unwrap_err();
        assert_eq!(cut, "header says 8 bytes but 7 follow (file cut short?)");
        let header_cut = PrintJob::from_file_bytes(&good[..20]).unwrap_err();
        assert_eq!(header_cut, "no end of header (file cut short?)");
        assert!(
            PrintJob::from_file_bytes(b"hello\n\n")
                .unwrap_err()
                .contains("does not start")
        );
        let bad_kind = String::from_utf8_lossy(&good).replace("ticket\n", "memo\n");
        assert!(PrintJob::from_file_bytes(bad_kind.as_bytes()).is_err());
        assert!(PrintJob::from_file_bytes(b"").is_err());
    }

    #[test]
    fn ids_must_be_one_line() {
        let mut j = job();
        j.id = "a\nlength: 0".into();
        assert!(matches!(
            j.to_file_bytes(),
            Err(PrinterError::InvalidJob(_))
        ));
    }
}
