//! `wooshpay-kiosk status [--json]`: what a fleet tool (an Ansible or SSH loop) reads of one kiosk: version,
//! id, mode, whether WooshPay answers, pending sales, today's totals, the catalog and the printer.
//!
//! Needs no lock and no key: the journal is opened read-only and the running kiosk's live facts come from the
//! status file it rewrites every few seconds, so this works beside a running kiosk and as another user.

use clap::Args;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::{Cli, Failure, exit};
use crate::config::{Config, ConfigSource};
use crate::journal::{JOURNAL_FILE, RefundRecord, RefundState, SaleOutcome, SaleRecord};
use crate::kiosk::fleet_status::{self, LiveStatus};
use crate::money::Money;

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// One JSON object (fields `version`, `kiosk_id`, `mode`, `running`, `gateway`, `pending_sales`, `today`,
    /// `catalog`, `printer`)
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, args: &StatusArgs) -> Result<u8, Failure> {
    let source = ConfigSource::locate(cli.config.as_deref());
    // The catalog is counted when it loads; a kiosk whose catalog does not load still has a status to report.
    let (config, catalog_error) = match Config::load(source.path()) {
        Ok(config) => (config, None),
        Err(error) => (
            Config::load_without_catalog(source.path()).map_err(|e| Failure::usage(e.0))?,
            Some(error.0),
        ),
    };
    let state_dir = crate::state::state_dir();
    let now_ms = Timestamp::now().as_millisecond();
    let runtime_dir = crate::state::runtime_dir(&state_dir);
    let live = match fleet_status::read_live(&runtime_dir) {
        None => None,
        Some(Ok(live)) => Some(live),
        Some(Err(error)) => {
            tracing::warn!(%error, "ignoring the status file");
            None
        }
    };
    let zone = TimeZone::system();
    let midnight_ms = Timestamp::now()
        .to_zoned(zone.clone())
        .date()
        .to_zoned(zone)
        .map(|start| start.timestamp().as_millisecond())
        .map_err(|e| Failure::runtime(format!("cannot work out today's midnight: {e}")))?;
    let journal_path = state_dir.join(JOURNAL_FILE);
    // A journal this user may not see (the state directory is the kiosk user's alone) is an error: reporting
    // "no pending sales" for it would be a guess.
    let exists = journal_path.try_exists().map_err(|e| {
        Failure::runtime(format!(
            "{}: {e}; run as the kiosk's user or with sudo",
            journal_path.display()
        ))
    })?;
    let (pending, today, refunds) = if exists {
        let journal = crate::journal::Journal::open_read_only(&journal_path)
            .map_err(|e| Failure::runtime(e.to_string()))?;
        let pending = journal
            .pending()
            .map_err(|e| Failure::runtime(e.to_string()))?
            .len();
        let today = journal
            .sales_since(midnight_ms)
            .map_err(|e| Failure::runtime(e.to_string()))?;
        let refunds = journal
            .refunds_since(midnight_ms)
            .map_err(|e| Failure::runtime(e.to_string()))?;
        (pending, today, refunds)
    } else {
        (0, Vec::new(), Vec::new())
    };
    let mut report = report(
        &config,
        &state_dir,
        live.as_ref(),
        pending,
        &Today {
            sales: &today,
            refunds: &refunds,
            midnight_ms,
        },
        now_ms,
    );
    if let Some(error) = catalog_error
        && report["running"] != true
    {
        report["catalog"]["last_error"] = json!(error);
        report["catalog"]["items"] = json!(null);
    }
    if args.json {
        println!("{report}");
    } else {
        print_text(&report);
    }
    Ok(exit::OK)
}

/// What the journal holds for today: sales begun or settled, refunds begun or settled, since local midnight.
struct Today<'a> {
    sales: &'a [SaleRecord],
    refunds: &'a [RefundRecord],
    midnight_ms: i64,
}

fn report(
    config: &Config,
    state_dir: &std::path::Path,
    live: Option<&LiveStatus>,
    pending: usize,
    today: &Today<'_>,
    now_ms: i64,
) -> Value {
    let running = live.is_some_and(|l| fleet_status::is_fresh(l, now_ms));
    let time = |ms: Option<i64>| -> Value {
        ms.and_then(super::sales::rfc3339)
            .map_or(Value::Null, |t| json!(t))
    };
    let age_s = |ms: Option<i64>| -> Value {
        ms.map_or(Value::Null, |ms| {
            json!(now_ms.saturating_sub(ms).max(0) / 1000)
        })
    };
    let gateway = match live {
        // What a kiosk that stopped last knew is history, not reachability.
        Some(live) => json!({
            "reachable": if running { live.gateway.reachable } else { None },
            "last_contact_at": time(live.gateway.last_contact_ms),
            "seconds_since_last_contact": age_s(live.gateway.last_contact_ms),
            "last_error": live.gateway.last_error,
        }),
        None => json!({
            "reachable": null,
            "last_contact_at": null,
            "seconds_since_last_contact": null,
            "last_error": null,
        }),
    };
    let expired = |expires_ms: Option<i64>| expires_ms.is_some_and(|ms| ms <= now_ms);
    let mut catalog = match live.filter(|_| running) {
        Some(live) => json!({
            "source": live.catalog.source,
            "location": live.catalog.location,
            "items": live.catalog.items,
            "fetched_at": time(live.catalog.fetched_ms),
            "checked_at": time(live.catalog.checked_ms),
            "age_s": age_s(live.catalog.fetched_ms.or(live.catalog.loaded_ms)),
            "last_error": live.catalog.last_error,
            "serial": live.catalog.serial,
            "expires": time(live.catalog.expires_ms),
            "expired": expired(live.catalog.expires_ms),
        }),
        // No kiosk running: what it would start with.
        None => match &config.catalog_feed {
            Some(feed) => {
                let copy = crate::catalog_feed::read_record(state_dir).ok().flatten();
                let fetched_ms = copy.as_ref().map(|copy| copy.fetched_at_ms);
                json!({
                    "source": "url",
                    "location": feed.url.as_str(),
                    "items": config.catalog.items.len(),
                    "fetched_at": time(fetched_ms),
                    "age_s": age_s(fetched_ms),
                    "last_error": null,
                })
            }
            None => json!({
                "source": "file",
                "location": config.catalog_path.as_ref().map(|p| p.display().to_string()),
                "items": config.catalog.items.len(),
                "fetched_at": null,
                "age_s": config
                    .catalog_path
                    .as_ref()
                    .and_then(|path| std::fs::metadata(path).ok())
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok())
                    .map(|d| d.as_secs()),
                "last_error": null,
            }),
        },
    };
    if !running || live.is_none() {
        // What a kiosk would start with: the catalog the configuration loads.
        let expires_ms = config.catalog.expires.map(|t| t.as_millisecond());
        catalog["serial"] = json!(config.catalog.serial);
        catalog["expires"] = time(expires_ms);
        catalog["expired"] = json!(expired(expires_ms));
    }
    let printer = match (&config.printer, live.and_then(|l| l.printer.as_ref())) {
        (None, _) => Value::Null,
        (Some(_), Some(printer)) if running => json!({
            "configured": true,
            "state": printer.state,
            "waiting_jobs": printer.waiting_jobs,
            "last_error": printer.last_error,
            "queue_error": printer.queue_error,
            "summary": printer.summary,
        }),
        (Some(_), _) => json!({
            "configured": true,
            "state": "unknown",
            "waiting_jobs": null,
            "last_error": null,
            "summary": "no kiosk is running",
        }),
    };
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "kiosk_id": config.kiosk_id,
        "state_dir": state_dir.display().to_string(),
        "runtime_dir": crate::state::runtime_dir(state_dir).display().to_string(),
        "mode": live.map(|l| l.mode.clone()).or_else(|| {
            // No kiosk has run here yet: the key's prefix says test or live, when this user may read it.
            config.load_secret_key().ok().map(|key| match key.mode() {
                crate::secret::KeyMode::Test => "test".to_owned(),
                crate::secret::KeyMode::Live => "live".to_owned(),
            })
        }),
        "running": running,
        "pid": live.filter(|_| running).map(|l| l.pid),
        "status_written_at": time(live.map(|l| l.written_ms)),
        "sale_in_progress": live.filter(|_| running).map(|l| l.sale_in_progress),
        "gateway": gateway,
        "pending_sales": pending,
        "today": totals(today, config),
        "catalog": catalog,
        "printer": printer,
        // Where the running kiosk answers `/metrics` (the port it chose when configured with port 0).
        "metrics": json!({
            "listen": live.filter(|_| running).and_then(|l| l.metrics_listen.clone()),
        }),
    })
}

/// Today's sales by outcome, the money paid (tips within it) and refunded, in minor units of the kiosk's
/// currency. A refund counts on the day WooshPay confirmed it, as a sale counts on the day it was paid.
fn totals(today: &Today<'_>, config: &Config) -> Value {
    let (sales, refunds, midnight_ms) = (today.sales, today.refunds, today.midnight_ms);
    let currency = config.checkout.currency;
    // In the kiosk's currency, so the count and the amount describe the same sales.
    let sales: Vec<&SaleRecord> = sales.iter().filter(|s| s.currency == currency).collect();
    let count = |outcome: SaleOutcome| sales.iter().filter(|s| s.outcome == outcome).count();
    let paid: Vec<&&SaleRecord> = sales
        .iter()
        .filter(|s| s.outcome == SaleOutcome::Paid)
        .collect();
    let amount: i64 = paid.iter().map(|s| s.amount_total).sum();
    let tips: i64 = paid.iter().map(|s| s.tip_amount).sum();
    let refunded: Vec<&RefundRecord> = refunds
        .iter()
        .filter(|r| r.state == RefundState::Succeeded && r.currency == currency.code())
        .filter(|r| r.finished_ms.is_some_and(|ms| ms >= midnight_ms))
        .collect();
    let refunded_amount: i64 = refunded.iter().map(|r| r.amount).sum();
    let date = Timestamp::from_millisecond(midnight_ms)
        .map(|t| t.to_zoned(TimeZone::system()).date().to_string())
        .unwrap_or_default();
    json!({
        "date": date,
        "currency": currency.code(),
        "paid_count": count(SaleOutcome::Paid),
        "paid_amount": amount,
        "paid_amount_text": Money::new(amount, currency).to_string(),
        "tips": tips,
        "refunded_amount": refunded_amount,
        "refunded_amount_text": Money::new(refunded_amount, currency).to_string(),
        "refund_count": refunded.len(),
        "net_amount": amount - refunded_amount,
        "expired": count(SaleOutcome::Expired),
        "cancelled": count(SaleOutcome::Cancelled),
        "failed": count(SaleOutcome::Failed),
        "pending": count(SaleOutcome::Pending),
    })
}

fn print_text(report: &Value) {
    let text = |v: &Value| match v {
        Value::String(s) => super::terminal_safe(s),
        Value::Null => "unknown".to_owned(),
        other => other.to_string(),
    };
    println!(
        "kiosk {} (version {})",
        text(&report["kiosk_id"]),
        text(&report["version"])
    );
    println!(
        "running: {}   mode: {}",
        if report["running"] == true {
            "yes"
        } else {
            "no"
        },
        text(&report["mode"])
    );
    let gateway = &report["gateway"];
    println!(
        "WooshPay: {}   last contact: {}",
        match gateway["reachable"] {
            Value::Bool(true) => "reachable",
            Value::Bool(false) => "NOT reachable",
            _ => "unknown",
        },
        text(&gateway["last_contact_at"])
    );
    println!("pending sales: {}", text(&report["pending_sales"]));
    let today = &report["today"];
    println!(
        "today ({}): {} paid, {} (tips {}), {} refunded in {} refund(s), {} expired, {} cancelled, {} failed",
        text(&today["date"]),
        text(&today["paid_count"]),
        text(&today["paid_amount_text"]),
        text(&today["tips"]),
        text(&today["refunded_amount_text"]),
        text(&today["refund_count"]),
        text(&today["expired"]),
        text(&today["cancelled"]),
        text(&today["failed"])
    );
    let catalog = &report["catalog"];
    println!(
        "catalog: {} {} ({} items, {} s old){}",
        text(&catalog["source"]),
        text(&catalog["location"]),
        text(&catalog["items"]),
        text(&catalog["age_s"]),
        match &catalog["last_error"] {
            Value::String(error) =>
                format!("; last refresh failed: {}", super::terminal_safe(error)),
            _ => String::new(),
        }
    );
    if catalog["expired"] == json!(true) {
        println!(
            "catalog: EXPIRED at {} (serial {}): publish a new one",
            text(&catalog["expires"]),
            text(&catalog["serial"])
        );
    }
    match &report["printer"] {
        Value::Null => println!("printer: none configured"),
        printer => println!("printer: {}", text(&printer["summary"])),
    }
}
