//! Printing from the kiosk: a receipt and/or kitchen ticket when a sale is recorded paid (with `[printer]
//! auto`), Reprint on the staff screen, and the printer's state in the staff screen's status. Jobs go to the
//! printer's queue on disk from the runtime's blocking pool: a printer that is missing, out of paper or offline
//! never holds up the screen or the sale.

use std::rc::Rc;

use slint::ComponentHandle;

use super::kiosk::{Kiosk, with};
use super::{AdminAdapter, AppWindow};
use crate::kiosk::{Shop, print_jobs, reprint_job};
use crate::printer::PrintJob;

pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let adapter = window.global::<AdminAdapter>();
    adapter.set_can_print(kiosk.context.printer.is_some());
    let weak = Rc::downgrade(kiosk);
    adapter.on_reprint(move |session_id| with(&weak, |k| k.reprint(&session_id)));
}

impl Kiosk {
    /// A sale was recorded paid: what `[printer]` asks for, unless printing is on request only.
    pub(super) fn print_paid(&self, session_id: &str) {
        let Some(printer) = &self.context.printer else {
            return;
        };
        if !printer.config().auto {
            return;
        }
        let Some(sale) = self.sale_by_session(session_id) else {
            return;
        };
        let jobs = print_jobs(
            &sale,
            &self.shop(),
            printer.config(),
            crate::i18n::current(),
            &jiff::tz::TimeZone::system(),
        );
        match jobs {
            Ok(jobs) => self.enqueue(jobs),
            Err(error) => {
                tracing::error!(%error, session = session_id, "cannot lay out the receipt")
            }
        }
    }

    fn reprint(&self, session_id: &str) {
        let Some(printer) = &self.context.printer else {
            return;
        };
        let Some(sale) = self.sale_by_session(session_id) else {
            return;
        };
        match reprint_job(
            &sale,
            &self.shop(),
            printer.config(),
            crate::i18n::current(),
            &jiff::tz::TimeZone::system(),
        ) {
            Ok(job) => self.enqueue(job.into_iter().collect()),
            Err(error) => {
                tracing::error!(%error, session = session_id, "cannot lay out the receipt")
            }
        }
    }

    fn sale_by_session(&self, session_id: &str) -> Option<crate::journal::SaleRecord> {
        match self
            .context
            .engine
            .with_journal(|journal| journal.by_session(session_id))
        {
            Ok(sale) => sale,
            Err(error) => {
                tracing::error!(%error, session = session_id, "cannot read the sale to print it");
                None
            }
        }
    }

    fn shop(&self) -> Shop<'_> {
        Shop {
            name: &self.context.display.shop_name,
            kiosk_id: &self.context.engine.settings().kiosk_id,
        }
    }

    /// Onto the queue's disk from the blocking pool (each job is synced to disk before it counts as queued).
    fn enqueue(&self, jobs: Vec<PrintJob>) {
        let Some(printer) = self.context.printer.clone() else {
            return;
        };
        self.context.runtime.spawn_blocking(move || {
            for job in jobs {
                let (sale, kind) = (job.sale_id, job.kind);
                match printer.enqueue(job) {
                    Ok(()) => tracing::info!(sale, ?kind, "print job queued"),
                    Err(error) => {
                        tracing::error!(%error, sale, ?kind, "cannot queue the print job")
                    }
                }
            }
        });
    }
}
