//! `wooshpay-kiosk recover [--json]`: settles every sale the journal still holds as pending.
//!
//! The same recovery also runs at the start of `charge` and of the UI. Exit status 0 when every sale is
//! settled, 1 when some stay pending (WooshPay unreachable, or a session that could not be confirmed closed).

use std::io::Write;

use clap::Args;
use serde_json::json;

use super::setup::Setup;
use super::{Cli, Failure, exit};
use crate::checkout::{CheckoutEngine, Outcome, Recovered};
use crate::journal::{RecordedOutcome, RefundState};
use crate::money::Money;

#[derive(Args, Debug)]
pub struct RecoverArgs {
    /// One JSON object per line on stdout, each `{"event": "recovered", "id", "outcome", …}`
    #[arg(long)]
    pub json: bool,
}

pub async fn run(cli: &Cli, args: &RecoverArgs) -> Result<u8, Failure> {
    let mut setup = Setup::from_cli(cli).await?;
    let engine = setup.engine()?;
    let report = Reporter { json: args.json };
    let recovered = engine.recover().await;
    if recovered.is_empty() && !args.json {
        println!("No pending sales.");
    }
    let still_pending = report.settle_all(&engine, recovered, None).await;
    let refunds_in_flight = report.settle_refunds(&setup).await?;
    if refunds_in_flight > 0 {
        return Err(Failure::runtime(format!(
            "{refunds_in_flight} refund(s) could not be confirmed with WooshPay; run `wooshpay-kiosk recover` again              once WooshPay can be reached (a refund is never made twice)"
        )));
    }
    if still_pending > 0 {
        return Err(Failure::runtime(format!(
            "{still_pending} sale(s) are still pending; run `wooshpay-kiosk recover` again once WooshPay can be reached"
        )));
    }
    Ok(exit::OK)
}

/// Prints what recovery found, human or JSON, for `recover` and `charge`.
#[derive(Clone, Copy)]
pub struct Reporter {
    pub json: bool,
}

impl Reporter {
    /// Prints settled sales, follows resumable ones to their end (cancelled too when `stop` fires), and returns
    /// how many stay pending.
    pub async fn settle_all(
        self,
        engine: &CheckoutEngine,
        recovered: Vec<Recovered>,
        stop: Option<tokio::sync::watch::Receiver<bool>>,
    ) -> usize {
        let mut still_pending = 0;
        let mut following = Vec::new();
        for item in recovered {
            match item {
                Recovered::Settled {
                    reference,
                    session_id,
                    amount,
                    outcome,
                    late_payment,
                    ..
                } => self.settled(
                    &reference,
                    session_id.as_deref(),
                    amount,
                    outcome,
                    late_payment,
                ),
                Recovered::Unresolved {
                    reference,
                    session_id,
                    message,
                } => {
                    still_pending += 1;
                    self.unresolved(&reference, session_id.as_deref(), &message);
                }
                Recovered::Resumable(sale) => {
                    self.line(
                        json!({
                            "event": "resuming", "id": sale.session.id, "client_reference_id": sale.reference,
                            "remaining_ms": sale.remaining.as_millis() as u64,
                            "amount_total": sale.order.total().minor_units,
                            "currency": sale.order.currency.code(),
                        }),
                        format!(
                            "Sale {} (session {}, {}) is still open: watching it for {} s more",
                            sale.reference,
                            sale.session.id,
                            sale.order.total(),
                            sale.remaining.as_secs()
                        ),
                    );
                    let reference = sale.reference.clone();
                    let amount = sale.order.total();
                    let handle = engine.resume(sale);
                    following.push((reference, amount, handle));
                }
            }
        }
        let mut tasks = Vec::new();
        for (reference, amount, handle) in following {
            let canceller = handle.canceller();
            if let Some(mut stop) = stop.clone() {
                tokio::spawn(async move {
                    if stop.wait_for(|s| *s).await.is_ok() {
                        canceller.cancel();
                    }
                });
            }
            tasks.push(async move { (reference, amount, handle.outcome().await) });
        }
        for (reference, amount, outcome) in futures_util::future::join_all(tasks).await {
            let session_id = outcome.session().map(|s| s.id.clone());
            let recorded = match &outcome {
                Outcome::Paid { .. } => RecordedOutcome::Paid,
                Outcome::Expired { .. } => RecordedOutcome::Expired,
                Outcome::Cancelled { .. } => RecordedOutcome::Cancelled,
                Outcome::Failed {
                    reason: crate::checkout::FailureReason::Unconfirmed(message),
                    ..
                } => {
                    still_pending += 1;
                    self.unresolved(&reference, session_id.as_deref(), message);
                    continue;
                }
                Outcome::Failed { .. } => RecordedOutcome::Failed,
            };
            self.settled(&reference, session_id.as_deref(), amount, recorded, false);
        }
        still_pending
    }

    fn settled(
        self,
        reference: &str,
        session_id: Option<&str>,
        amount: Money,
        outcome: RecordedOutcome,
        late_payment: bool,
    ) {
        let human = match (outcome, late_payment) {
            (RecordedOutcome::Paid, true) => format!(
                "Sale {reference}: LATE PAYMENT received, {amount} paid (session {}); recorded",
                session_id.unwrap_or("-")
            ),
            (outcome, _) => format!(
                "Sale {reference}: {} (session {}, {amount}); recorded",
                outcome.as_str(),
                session_id.unwrap_or("none")
            ),
        };
        self.line(
            json!({
                "event": "recovered", "id": session_id, "client_reference_id": reference,
                "outcome": outcome.as_str(), "late_payment": late_payment,
                "amount_total": amount.minor_units, "currency": amount.currency.code(),
            }),
            human,
        );
    }

    /// Settles the refunds left in flight or pending at WooshPay; returns how many are still in flight.
    pub async fn settle_refunds(self, setup: &Setup) -> Result<usize, Failure> {
        let journal = super::setup::open_journal(&setup.state_dir)?;
        let settled = crate::refund::settle_unsettled(&setup.client, &journal)
            .await
            .map_err(|e| Failure::runtime(e.to_string()))?;
        let mut in_flight = 0;
        for refund in settled {
            let sale = journal
                .sale_reference(refund.sale_row)
                .ok()
                .flatten()
                .unwrap_or_default();
            if refund.state == RefundState::Requested {
                in_flight += 1;
            }
            let amount = crate::money::Currency::from_code(&refund.currency)
                .map(|c| Money::new(refund.amount, c).to_string())
                .unwrap_or_else(|_| format!("{} {}", refund.amount, refund.currency));
            self.line(
                json!({
                    "event": "refund", "id": refund.refund_id, "client_reference_id": sale,
                    "status": refund.state.as_str(), "amount": refund.amount, "currency": refund.currency,
                    "detail": refund.detail,
                }),
                format!(
                    "Refund of {amount} for sale {sale}: {}{}",
                    refund.state.as_str(),
                    refund.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
                ),
            );
        }
        Ok(in_flight)
    }

    fn unresolved(self, reference: &str, session_id: Option<&str>, message: &str) {
        self.line(
            json!({
                "event": "recovered", "id": session_id, "client_reference_id": reference,
                "outcome": "pending", "message": message,
            }),
            format!("Sale {reference}: still PENDING ({message})"),
        );
    }

    fn line(self, json: serde_json::Value, human: String) {
        let mut out = std::io::stdout().lock();
        let _ = if self.json {
            writeln!(out, "{json}")
        } else {
            writeln!(out, "{human}")
        };
        let _ = out.flush();
    }
}
