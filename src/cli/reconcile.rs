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
    /// `differences` (each with `kind`: paid_not_in_journal, journal_paid_not_paid, amount_differs, still_open)
    #[arg(long)]
    pub json: bool,
}

pub async fn run(cli: &Cli, args: &ReconcileArgs) -> Result<u8, Failure> {
    let since_ms = super::sales::parse_since(
        args.since.as_deref().unwrap_or("today"),
        &TimeZone::system(),
    )
    .map_err(Failure::usage)?;
    let source = ConfigSource::locate(cli.config.as_deref());
    let config = Config::load(source.path()).map_err(|e| Failure::usage(e.0))?;
    let key = config.load_secret_key().map_err(|e| Failure::usage(e.0))?;
    let base_url = config.api_base_url(&key).map_err(|e| Failure::usage(e.0))?;
    let client = Client::new(ClientConfig::new(base_url, key))
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let journal_path = crate::state::state_dir().join(JOURNAL_FILE);
    let sales = if journal_path.exists() {
        crate::journal::Journal::open_read_only(&journal_path)
            .and_then(|journal| journal.sales_since(since_ms))
            .map_err(|e| Failure::runtime(e.to_string()))?
    } else {
        Vec::new()
    };
    let result = reconcile::reconcile(
        &client,
        &sales,
        &config.kiosk_id,
        since_ms,
        reconcile::PAGE_SIZE,
    )
    .await
    .map_err(|e| {
        Failure::runtime(format!(
            "cannot compare with WooshPay, so nothing is known to agree: {e}"
        ))
    })?;
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

fn rfc3339(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn json_of(result: &Reconciliation) -> serde_json::Value {
    json!({
        "agrees": result.agrees(),
        "kiosk_id": result.kiosk_id,
        "since": rfc3339(result.since_ms),
        "sessions_at_wooshpay": result.sessions_at_wooshpay,
        "sales_in_journal": result.sales_in_journal,
        "differences": result.differences,
    })
}

fn print_text(result: &Reconciliation) {
    println!(
        "kiosk {}: {} sessions at WooshPay and {} sales in the journal since {}",
        super::terminal_safe(&result.kiosk_id),
        result.sessions_at_wooshpay,
        result.sales_in_journal,
        rfc3339(result.since_ms)
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
    }
}
