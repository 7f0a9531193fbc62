//! Receipt and kitchen-ticket printing on ESC/POS thermal printers.
//!
//! `layout` turns a sale into a `Document` (pure, testable as text),
//! `encode` turns that into ESC/POS bytes, and a `Printer` queues the
//! bytes on disk and sends them from its own thread, so the rest of the
//! kiosk never waits on a printer.
//!
//! ```text
//! let config = printer::validate(&raw, "/etc/kiosk/kiosk.toml")?;
//! let printer = Printer::start(config.clone(), printer::queue_dir(&state_dir));
//! printer.enqueue(printer::receipt_job(&config, sale_id, &receipt, "de")?)?;
//! let line = printer.state().summary(); // "Printer offline: … (2 jobs waiting)"
//! ```

pub mod config;
pub mod encode;
mod error;
mod interrupted;
mod job;
mod jobdir;
pub mod labels;
pub mod layout;
mod queue;
mod status;
mod text;
pub mod transport;
mod worker;

pub use config::{PrinterConfig, PrinterTarget, RawPrinter, validate};
pub use encode::encode;
pub use error::PrinterError;
pub use job::{JobKind, PrintJob};
pub use labels::{Labels, labels};
pub use layout::{
    Align, Block, Document, Receipt, ReceiptLine, ReceiptTax, RefundSlip, Size, Ticket,
};
pub use queue::{Printer, queue_dir, queue_for_kiosk};
pub use status::{PrinterState, PrinterStatus, Timing};
pub use transport::Timeouts;

/// Lays out, encodes and wraps a receipt as a job for `Printer::enqueue`.
/// A receipt without its own footer gets the configured one.
pub fn receipt_job(
    config: &PrinterConfig,
    sale_id: i64,
    receipt: &Receipt,
    language_code: &str,
) -> Result<PrintJob, PrinterError> {
    let mut receipt = receipt.clone();
    if receipt.footer.is_none() {
        receipt.footer.clone_from(&config.footer);
    }
    let doc = layout::receipt(&receipt, &labels(language_code), config.columns());
    Ok(PrintJob::new(sale_id, JobKind::Receipt, encode(&doc)?))
}

/// Lays out, encodes and wraps a refund slip as a job, printed once: its id names the journal's refund.
pub fn refund_slip_job(
    config: &PrinterConfig,
    sale_id: i64,
    refund_row: i64,
    slip: &RefundSlip,
    language_code: &str,
) -> Result<PrintJob, PrinterError> {
    let doc = layout::refund_slip(slip, &labels(language_code), config.columns());
    let mut job = PrintJob::new(sale_id, JobKind::Receipt, encode(&doc)?);
    job.id = format!("refund-{refund_row}-sale-{sale_id}");
    Ok(job)
}

/// Lays out, encodes and wraps a kitchen ticket as a job.
pub fn ticket_job(
    config: &PrinterConfig,
    sale_id: i64,
    ticket: &Ticket,
    language_code: &str,
) -> Result<PrintJob, PrinterError> {
    let doc = layout::ticket(ticket, &labels(language_code), config.columns());
    Ok(PrintJob::new(sale_id, JobKind::Ticket, encode(&doc)?))
}
