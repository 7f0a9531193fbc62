//! Close shift compares the shift with WooshPay: the shift's sales next to this kiosk's sessions since it
//! opened, run on the runtime while the staff screen stays usable, the answer under the shift summary.

use std::rc::Rc;

use super::kiosk::Kiosk;
use crate::checkout::CheckoutEngine;
use crate::checkout::reconcile::{self, DifferenceKind, JournalView, Reconciliation};
use crate::journal::SaleRecord;

/// The running kiosk's journal, behind the engine's lock, taken only for each read.
struct EngineJournal(CheckoutEngine);

impl JournalView for EngineJournal {
    fn sales_since(&self, since_ms: i64) -> Result<Vec<SaleRecord>, String> {
        self.0
            .with_journal(|journal| journal.sales_since(since_ms))
            .map_err(|e| e.to_string())
    }

    fn by_session(&self, session_id: &str) -> Result<Option<SaleRecord>, String> {
        self.0
            .with_journal(|journal| journal.by_session(session_id))
            .map_err(|e| e.to_string())
    }
}

impl Kiosk {
    /// `summary`: the closed shift's sentence, kept above the comparison's answer.
    pub(super) fn reconcile_shift(self: &Rc<Self>, since_ms: i64, summary: String) {
        let running = self.text(|t| t.invoke_reconcile_running());
        self.admin_message(&format!("{summary}\n{running}"));
        let engine = self.context.engine.clone();
        let runtime = self.context.runtime.clone();
        let weak = Rc::downgrade(self);
        let spawned = slint::spawn_local(async move {
            let result = runtime
                .spawn(async move {
                    let journal = EngineJournal(engine.clone());
                    reconcile::reconcile(
                        engine.client(),
                        &journal,
                        &engine.settings().kiosk_id,
                        since_ms,
                        reconcile::PAGE_SIZE,
                    )
                    .await
                    .map_err(|e| e.to_string())
                })
                .await
                .unwrap_or_else(|e| Err(format!("the comparison stopped: {e}")));
            let Some(kiosk) = weak.upgrade() else { return };
            let answer = match &result {
                Ok(found) => kiosk.reconciliation_sentence(found),
                Err(error) => kiosk.text(|t| t.invoke_reconcile_failed(error.as_str().into())),
            };
            match &result {
                Ok(found) if found.agrees() => tracing::info!(
                    sessions = found.sessions_at_wooshpay,
                    "the shift agrees with WooshPay"
                ),
                Ok(found) => {
                    tracing::warn!(differences = ?found.differences, "the shift differs from WooshPay")
                }
                Err(error) => {
                    tracing::warn!(%error, "the shift could not be compared with WooshPay")
                }
            }
            kiosk.admin_message(&format!("{summary}\n{answer}"));
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot compare the shift with WooshPay");
        }
    }

    fn reconciliation_sentence(&self, found: &Reconciliation) -> String {
        let count = |kind| i32::try_from(found.count(kind)).unwrap_or(i32::MAX);
        if found.agrees() {
            let sessions = i32::try_from(found.sessions_at_wooshpay).unwrap_or(i32::MAX);
            return self.text(|t| t.invoke_reconcile_agrees(sessions));
        }
        let mut parts = Vec::new();
        for kind in [
            DifferenceKind::PaidNotInJournal,
            DifferenceKind::JournalPaidNotPaid,
            DifferenceKind::AmountDiffers,
            DifferenceKind::StillOpen,
            DifferenceKind::UnclearAtWooshpay,
            DifferenceKind::PendingInJournal,
        ] {
            let n = count(kind);
            if n == 0 {
                continue;
            }
            parts.push(self.text(|t| match kind {
                DifferenceKind::PaidNotInJournal => t.invoke_reconcile_paid_not_in_journal(n),
                DifferenceKind::JournalPaidNotPaid => t.invoke_reconcile_journal_paid_not_paid(n),
                DifferenceKind::AmountDiffers => t.invoke_reconcile_amount_differs(n),
                DifferenceKind::StillOpen => t.invoke_reconcile_still_open(n),
                DifferenceKind::UnclearAtWooshpay => t.invoke_reconcile_unclear(n),
                DifferenceKind::PendingInJournal => t.invoke_reconcile_pending_in_journal(n),
                // Counted together below.
                DifferenceKind::RefundNotInJournal
                | DifferenceKind::RefundNotAtWooshpay
                | DifferenceKind::RefundDiffers => slint::SharedString::default(),
            }));
        }
        let refunds = i32::try_from(
            found
                .differences
                .iter()
                .filter(|d| d.refund.is_some())
                .count(),
        )
        .unwrap_or(i32::MAX);
        if refunds > 0 {
            parts.push(self.text(|t| t.invoke_reconcile_refunds_differ(refunds)));
        }
        let details = parts.join("; ");
        self.text(|t| t.invoke_reconcile_differs(details.as_str().into()))
    }
}
