//! `wooshpay-kiosk reconcile [--since DATE] [--json]`: this kiosk's sessions at WooshPay next to its journal.
//!
//! Exit status: 0 they agree; 1 they differ (each difference listed), or WooshPay could not be asked (the
//! message says so); 2 bad usage or configuration. Needs no lock: it reads the journal read-only and works
//! beside a running kiosk.

use clap::Args;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::json;

use super::{Cli, Failure, exit};
use crate::checkout::reconcile::{self, Reconciliation};
use crate::config::{Config, ConfigSource};
use crate::journal::JOURNAL_FILE;
use crate::wooshpay::{Client, ClientConfig};

#[derive(Args, Debug)]
pub struct ReconcileArgs {
    /// Sessions and sales from DATE on: `2026-11-24` (local midnight), `today` (the default), or an RFC 3339 time
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// One JSON object: `agrees`, `kiosk_id`, `since`, `sessions_at_wooshpay`, `sales_in_journal`,
    /// `in_progress`, `differences` (each with `kind`: paid_not_in_journal, journal_paid_not_paid, amount_differs,
    /// still_open, unclear_at_wooshpay, pending_in_journal), and `advice` (what to run, or null)
    #[arg(long)]
    pub json: bool,
}

pub async fn run(cli: &Cli, args: &ReconcileArgs) -> Result<u8, Failure> {
    let since_ms = super::sales::parse_since(
        args.since.as_deref().unwrap_or("today"),
        &TimeZone::system(),
    )
    .map_err(Failure::usage)?;
    if since_ms > Timestamp::now().as_millisecond() {
        return Err(Failure::usage(format!(
            "--since {}: that is in the future, so there would be nothing to compare",
            args.since.as_deref().unwrap_or_default()
        )));
    }
    let source = ConfigSource::locate(cli.config.as_deref());
    // The catalog plays no part in the comparison: a kiosk whose catalog cannot be loaded is compared all the same.
    let config = Config::load_without_catalog(source.path()).map_err(|e| Failure::usage(e.0))?;
    let key = config.load_secret_key().map_err(|e| Failure::usage(e.0))?;
    let base_url = config.api_base_url(&key).map_err(|e| Failure::usage(e.0))?;
    let client = Client::new(ClientConfig::new(base_url, key))
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let journal_path = crate::state::state_dir().join(JOURNAL_FILE);
    // A journal that is there but cannot be read (another user's state directory) is an error, never "no sales".
    let exists = journal_path
        .try_exists()
        .map_err(|e| Failure::runtime(format!("{}: {e}", journal_path.display())))?;
    let journal: Box<dyn reconcile::JournalView> = if exists {
        Box::new(
            crate::journal::Journal::open_read_only(&journal_path)
                .map_err(|e| Failure::runtime(e.to_string()))?,
        )
    } else {
        Box::new(NoSales)
    };
    let compared = reconcile::reconcile(
        &client,
        journal.as_ref(),
        &config.kiosk_id,
        since_ms,
        reconcile::PAGE_SIZE,
    )
    .await;
    let result = match compared {
        Ok(result) => result,
        Err(error) => {
            let message =
                format!("cannot compare with WooshPay, so nothing is known to agree: {error}");
            if args.json {
                println!("{}", json!({ "agrees": false, "error": message }));
            }
            return Err(Failure::runtime(message));
        }
    };
    if args.json {
        println!("{}", json_of(&result));
    } else {
        print_text(&result);
    }
    Ok(if result.agrees() {
        exit::OK
    } else {
        exit::RUNTIME_ERROR
    })
}

/// A kiosk that has not sold yet: every session WooshPay lists for it is a difference.
struct NoSales;

impl reconcile::JournalView for NoSales {
    fn sales_since(&self, _since_ms: i64) -> Result<Vec<crate::journal::SaleRecord>, String> {
        Ok(Vec::new())
    }

    fn by_session(&self, _session_id: &str) -> Result<Option<crate::journal::SaleRecord>, String> {
        Ok(None)
    }
}

fn json_of(result: &Reconciliation) -> serde_json::Value {
    json!({
        "agrees": result.agrees(),
        "kiosk_id": result.kiosk_id,
        "since": super::sales::rfc3339(result.since_ms).unwrap_or_default(),
        "sessions_at_wooshpay": result.sessions_at_wooshpay,
        "sales_in_journal": result.sales_in_journal,
        "in_progress": result.in_progress,
        "differences": result.differences,
        "advice": result.advice(),
    })
}

fn print_text(result: &Reconciliation) {
    println!(
        "kiosk {}: {} sessions at WooshPay and {} sales in the journal since {}",
        super::terminal_safe(&result.kiosk_id),
        result.sessions_at_wooshpay,
        result.sales_in_journal,
        super::sales::rfc3339(result.since_ms).unwrap_or_default()
    );
    if result.agrees() {
        println!("they agree");
        return;
    }
    println!("{} differences:", result.differences.len());
    for d in &result.differences {
        let or_dash =
            |v: &Option<String>| v.as_deref().map_or("-".to_owned(), super::terminal_safe);
        let amount = |a: Option<i64>| a.map_or("-".to_owned(), |a| a.to_string());
        println!(
            "  {:<22} {}  journal: {} {} {}  WooshPay: {}/{} {} {}",
            d.kind.as_str(),
            or_dash(&d.session_id),
            or_dash(&d.journal_outcome),
            amount(d.journal_amount),
            or_dash(&d.journal_currency),
            or_dash(&d.wooshpay_status),
            or_dash(&d.wooshpay_payment_status),
            amount(d.wooshpay_amount),
            or_dash(&d.wooshpay_currency),
        );
        if let Some(refund) = &d.refund {
            println!(
                "  {:<22} refund {}  journal: {} {}  WooshPay: {} {}",
                "",
                or_dash(&refund.id),
                or_dash(&refund.journal_status),
                amount(refund.journal_amount),
                or_dash(&refund.wooshpay_status),
                amount(refund.wooshpay_amount),
            );
        }
    }
    if let Some(advice) = result.advice() {
        println!("{advice}");
    }
}
