//! `wooshpay-kiosk refund SALE [--amount AMOUNT] [--reason REASON] [--json]`: refunds a paid sale, whole or in
//! part, from a terminal.
//!
//! Works beside the running kiosk (it takes no state lock: the journal's transaction keeps the screen and a
//! terminal from refunding past what is left). Exit status: 0 refunded; 1 not refunded (WooshPay refused, could
//! not be reached, or the refund is still pending at the bank); 2 refused before any request was sent.

use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::setup::{Setup, open_journal};
use super::{Cli, Failure, exit};
use crate::journal::{RefundRecord, RefundState, SaleRecord, refunded_and_left};
use crate::money::Money;
use crate::refund::{RefundAsk, RefundContext, RefundResult, settle_refund};
use crate::wooshpay::RefundReason;

/// How often, and for how long, a pending refund is read again before the command reports it pending.
const PENDING_READS: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];

#[derive(Args, Debug)]
pub struct RefundArgs {
    /// The sale: its `id` as `sales` prints it (the checkout session), or its `client_reference_id`
    #[arg(value_name = "SALE")]
    pub sale: String,

    /// How much, as a decimal in the sale's currency (`1.50`); all that is left when not given
    #[arg(long, value_name = "AMOUNT")]
    pub amount: Option<String>,

    /// Why: requested_by_customer (the default), duplicate or fraudulent
    #[arg(long, value_name = "REASON", default_value = "requested_by_customer")]
    pub reason: String,

    /// The customer handed the goods back: once WooshPay confirms the refund, the sale's counted items go back
    /// into stock (without it, stock is left as it is)
    #[arg(long)]
    pub goods_returned: bool,

    /// One JSON object on stdout: the refund's `id`, `amount`, `currency`, `status`, and the `sale`
    #[arg(long)]
    pub json: bool,
}

pub async fn run(cli: &Cli, args: &RefundArgs) -> Result<u8, Failure> {
    let reason = RefundReason::parse(&args.reason).ok_or_else(|| {
        Failure::usage(format!(
            "--reason {:?}: expected one of {}",
            args.reason,
            RefundReason::CHOICES.map(RefundReason::as_str).join(", ")
        ))
    })?;
    let setup = Setup::from_cli(cli).await?;
    let journal = open_journal(&setup.state_dir)?;
    let sale = journal
        .find_sale(&args.sale)
        .map_err(|e| Failure::runtime(e.to_string()))?
        .ok_or_else(|| {
            Failure::usage(format!(
                "no sale {:?} in the journal: give the `id` or `client_reference_id` that `wooshpay-kiosk sales` prints",
                args.sale
            ))
        })?;
    let amount = match &args.amount {
        None => None,
        Some(text) => Some(
            Money::parse_decimal(text, sale.currency)
                .map_err(|e| Failure::usage(format!("--amount: {e}")))?
                .minor_units,
        ),
    };
    let context = RefundContext {
        client: &setup.client,
        journal: &journal,
        kiosk_id: &setup.settings.kiosk_id,
    };
    let ask = RefundAsk {
        amount,
        reason,
        goods_returned: args.goods_returned,
    };
    let result = context
        .refund(&sale, &ask)
        .await
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let (code, record, message) = match result {
        RefundResult::Refused(message) => (exit::USAGE, None, Some(message)),
        RefundResult::NotRefunded { message, record } => {
            (exit::RUNTIME_ERROR, record, Some(message))
        }
        RefundResult::Answered(mut record) => {
            // Pending: the bank has not said yet. Read it again for a few seconds before reporting it pending.
            for wait in PENDING_READS {
                if record.state != RefundState::Pending {
                    break;
                }
                tokio::time::sleep(wait).await;
                record = settle_refund(&setup.client, &journal, &record)
                    .await
                    .map_err(|e| Failure::runtime(e.to_string()))?;
            }
            match record.state {
                RefundState::Succeeded => (exit::OK, Some(record), None),
                RefundState::Pending => (
                    exit::RUNTIME_ERROR,
                    Some(record),
                    Some("the refund is pending at the bank: not refunded yet. `wooshpay-kiosk recover` (or the running kiosk) reads it again".into()),
                ),
                _ => {
                    let why = record.detail.clone().unwrap_or_else(|| "no reason given".into());
                    let message = format!("the refund {}: {why}", record.state.as_str());
                    (exit::RUNTIME_ERROR, Some(record), Some(message))
                }
            }
        }
    };
    let sale = journal
        .find_sale(&args.sale)
        .map_err(|e| Failure::runtime(e.to_string()))?
        .unwrap_or(sale);
    if let Some(record) = record
        .as_ref()
        .filter(|r| r.state == RefundState::Succeeded)
    {
        queue_slip(&setup, &sale, record);
    }
    let refunds = journal
        .refunds_of(sale.row_id)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    if args.json {
        println!(
            "{}",
            json_report(&sale, &refunds, record.as_ref(), message.as_deref())
        );
    } else {
        print_text(&sale, &refunds, record.as_ref(), code == exit::OK);
    }
    match (code, message) {
        (exit::OK, _) => Ok(exit::OK),
        (code, Some(message)) => Err(Failure { code, message }),
        (code, None) => Ok(code),
    }
}

/// With a printer configured, the refund slip goes onto its queue; the running kiosk prints it (within a minute,
/// when it next looks at the queue). A slip that cannot be queued is logged: the refund itself is done.
fn queue_slip(setup: &Setup, sale: &SaleRecord, record: &RefundRecord) {
    let Some(printer) = setup.printer.as_ref().filter(|p| p.receipt) else {
        return;
    };
    let shop = crate::kiosk::Shop {
        name: &setup.display.shop_name,
        kiosk_id: &setup.settings.kiosk_id,
        order_prefix: setup.order_prefix.as_deref(),
        tax_name: &setup.settings.tax.name,
    };
    let zone = jiff::tz::TimeZone::system();
    let queued =
        crate::kiosk::refund_slip_job(sale, record, &shop, printer, setup.display.language, &zone)
            .and_then(|job| match job {
                Some(job) => crate::printer::queue_for_kiosk(
                    &crate::printer::queue_dir(&setup.state_dir),
                    &job,
                ),
                None => Ok(false),
            });
    match queued {
        Ok(_) => eprintln!("refund slip queued for the kiosk's printer"),
        Err(error) => {
            tracing::error!(%error, "cannot queue the refund slip");
            eprintln!("the refund is done, but its slip could not be queued for printing: {error}");
        }
    }
}

fn json_report(
    sale: &SaleRecord,
    refunds: &[RefundRecord],
    record: Option<&RefundRecord>,
    message: Option<&str>,
) -> serde_json::Value {
    let mut report = match record {
        Some(record) => super::sales::refund_json(record, sale),
        None => json!({
            "id": null,
            "amount": null,
            "currency": sale.currency.code(),
            "status": "not_sent",
        }),
    };
    report["sale"] = super::sales::json_of(sale, refunds);
    if let Some(message) = message {
        report["error"] = json!(message);
    }
    report
}

fn print_text(
    sale: &SaleRecord,
    refunds: &[RefundRecord],
    record: Option<&RefundRecord>,
    refunded: bool,
) {
    let order = sale
        .order_number
        .map(|n| format!(" (order {n})"))
        .unwrap_or_default();
    let (total_refunded, left) = refunded_and_left(sale, refunds);
    if let Some(record) = record {
        let amount = Money::new(record.amount, sale.currency);
        let verb = if refunded {
            "Refunded"
        } else {
            "Not refunded:"
        };
        println!(
            "{verb} {amount} of sale {}{order}, {} ({}), refund {} {}",
            super::terminal_safe(&sale.client_reference_id),
            sale.amount(),
            record.reason,
            record.refund_id.as_deref().unwrap_or("(no id)"),
            record.state.as_str(),
        );
    }
    println!(
        "Sale {}: paid {}, refunded {}, {} left to refund",
        super::terminal_safe(&sale.client_reference_id),
        sale.amount(),
        Money::new(total_refunded, sale.currency),
        Money::new(left, sale.currency)
    );
}
