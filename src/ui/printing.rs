//! Printing from the kiosk: a receipt and/or kitchen ticket for every sale recorded paid (with `[printer]
//! auto`), Reprint and Send held tickets on the staff screen, and the printer's state in the staff screen's
//! status. The journal says which paid sales are still to be printed, so a sale recorded paid anywhere (on
//! screen, by recovery, by a Re-check, in the background) is printed once, also after a crash between queueing
//! and marking (a first print's jobs keep their ids, which the queue refuses twice). Jobs go onto the printer's
//! queue on disk from the runtime's blocking pool: a printer that is missing, out of paper or offline never
//! holds up the screen or the sale.
//!
//! Sales paid while nothing printed them (the kiosk was off, the printer away): the receipt prints, marked late
//! with the time of payment; a kitchen ticket older than `ticket_max_age_s` waits for staff to send it, so the
//! kitchen never gets a stale order unasked. Sales paid before the kiosk first printed, or more than a day ago,
//! are not printed unasked.

use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::kiosk::{Kiosk, with};
use super::{AdminAdapter, AppWindow};
use crate::journal::SaleRecord;
use crate::kiosk::{PrintLanguages, Shop, held_ticket_job, print_jobs, reprint_job};
use crate::printer::PrintJob;

/// A paid sale found unprinted is printed (marked late) within this long of its payment: its customer may still
/// be near; an older receipt would only confuse the counter.
const PRINT_LATE_WITHIN: Duration = Duration::from_secs(24 * 3600);

pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let adapter = window.global::<AdminAdapter>();
    adapter.set_can_print(kiosk.context.printer.is_some());
    let weak = Rc::downgrade(kiosk);
    adapter.on_reprint(move |session_id| with(&weak, |k| k.reprint(&session_id)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_send_held_tickets(move || with(&weak, |k| k.send_held_tickets()));
}

impl Kiosk {
    /// Queues every paid sale the journal has not printed yet (none unless printing is automatic).
    pub(super) fn print_unprinted(&self) {
        let Some(printer) = &self.context.printer else {
            return;
        };
        if !printer.config().auto {
            return;
        }
        let now_ms = crate::journal::now_ms();
        let sales = match self.context.engine.with_journal(|journal| {
            let printing_since = journal.printing_since(now_ms)?;
            let since = printing_since.max(now_ms - PRINT_LATE_WITHIN.as_millis() as i64);
            journal.unprinted_paid_since(since)
        }) {
            Ok(sales) => sales,
            Err(error) => {
                tracing::error!(%error, "cannot read which paid sales still need printing");
                return;
            }
        };
        let languages = PrintLanguages {
            receipt: crate::i18n::current(),
            ticket: self.state.borrow().staff_language,
        };
        for sale in sales {
            // Queued already and not yet marked in the journal: once is enough.
            if !self.state.borrow_mut().queued_prints.insert(sale.row_id) {
                continue;
            }
            match print_jobs(
                &sale,
                &self.shop(),
                printer.config(),
                languages,
                &jiff::tz::TimeZone::system(),
                now_ms,
            ) {
                Ok(first) => {
                    if first.ticket_held {
                        tracing::warn!(
                            sale = sale.row_id,
                            "the kitchen ticket is too old to print unasked; held for staff to send"
                        );
                    }
                    self.enqueue(first.jobs, Some((sale.row_id, first.ticket_held)))
                }
                Err(error) => {
                    tracing::error!(%error, sale = sale.row_id, "cannot lay out the receipt")
                }
            }
        }
    }

    /// Staff's Send held tickets: every kitchen ticket held for being too old, marked late, in the staff's
    /// language.
    fn send_held_tickets(self: &Rc<Self>) {
        let Some(printer) = self.context.printer.clone() else {
            return;
        };
        let held = match self
            .context
            .engine
            .with_journal(|journal| journal.held_tickets())
        {
            Ok(held) => held,
            Err(error) => {
                tracing::error!(%error, "cannot read the held kitchen tickets");
                return;
            }
        };
        let language = self.state.borrow().staff_language;
        let mut jobs = Vec::new();
        for sale in &held {
            match held_ticket_job(
                sale,
                &self.shop(),
                printer.config(),
                language,
                &jiff::tz::TimeZone::system(),
            ) {
                Ok(Some(job)) => jobs.push(job),
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(%error, sale = sale.row_id, "cannot lay out the kitchen ticket")
                }
            }
        }
        let engine = self.context.engine.clone();
        let queued = self.context.runtime.spawn_blocking(move || {
            for job in jobs {
                let sale = job.sale_id;
                match printer.enqueue(job) {
                    Ok(()) => {
                        if let Err(error) = engine.with_journal(|journal| journal.ticket_sent(sale))
                        {
                            tracing::error!(%error, sale, "cannot note the held ticket as sent");
                        }
                    }
                    Err(error) => tracing::error!(%error, sale, "cannot queue the held ticket"),
                }
            }
        });
        self.admin_message(
            &self.text(|t| {
                t.invoke_held_tickets_sent(i32::try_from(held.len()).unwrap_or(i32::MAX))
            }),
        );
        // The button goes once the journal says the tickets are sent.
        let weak = Rc::downgrade(self);
        let refreshed = slint::spawn_local(async move {
            let _ = queued.await;
            if let Some(kiosk) = weak.upgrade() {
                kiosk.refresh_admin();
            }
        });
        if let Err(error) = refreshed {
            tracing::error!(%error, "cannot refresh the staff screen");
        }
    }

    /// A refund WooshPay confirmed: its slip, in the language on screen now, once.
    pub(super) fn print_refund_slip(
        &self,
        sale: &SaleRecord,
        refund: &crate::journal::RefundRecord,
    ) {
        let Some(printer) = &self.context.printer else {
            return;
        };
        if !printer.config().receipt {
            return;
        }
        match crate::kiosk::refund_slip_job(
            sale,
            refund,
            &self.shop(),
            printer.config(),
            crate::i18n::current(),
            &jiff::tz::TimeZone::system(),
        ) {
            Ok(job) => self.enqueue(job.into_iter().collect(), None),
            Err(error) => {
                tracing::error!(%error, refund = refund.row_id, "cannot lay out the refund slip")
            }
        }
    }

    /// The customer's receipt again, in the language on screen now.
    pub(super) fn reprint(&self, session_id: &str) {
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
            Ok(job) => self.enqueue(job.into_iter().collect(), None),
            Err(error) => {
                tracing::error!(%error, session = session_id, "cannot lay out the receipt")
            }
        }
    }

    fn sale_by_session(&self, session_id: &str) -> Option<SaleRecord> {
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
            order_prefix: self.context.order_prefix.as_deref(),
            tax_name: &self.context.engine.settings().tax.name,
        }
    }

    /// Onto the queue's disk from the blocking pool (each job is synced to disk before it counts as queued);
    /// then, for a sale's first print, the journal notes it as printed (and whether its ticket is held). A crash
    /// between the two makes the next start queue the sale again: its jobs keep their ids, which the queue holds
    /// already, so it prints once.
    fn enqueue(&self, jobs: Vec<PrintJob>, first_print_of: Option<(i64, bool)>) {
        let Some(printer) = self.context.printer.clone() else {
            return;
        };
        let engine = self.context.engine.clone();
        self.context.runtime.spawn_blocking(move || {
            let mut queued = true;
            for job in jobs {
                let (sale, kind) = (job.sale_id, job.kind);
                match printer.enqueue(job) {
                    Ok(()) => tracing::info!(sale, ?kind, "print job queued"),
                    Err(error) => {
                        queued = false;
                        tracing::error!(%error, sale, ?kind, "cannot queue the print job");
                    }
                }
            }
            if let (true, Some((sale, ticket_held))) = (queued, first_print_of) {
                let marked = engine.with_journal(|journal| {
                    journal.mark_printed(sale, crate::journal::now_ms(), ticket_held)
                });
                if let Err(error) = marked {
                    tracing::error!(%error, sale, "cannot note the sale as printed");
                }
            }
        });
    }
}
