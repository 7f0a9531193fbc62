//! `wooshpay-kiosk sales [--since DATE] [--json | --csv]`: the sale journal, one sale per line.
//!
//! Reads only the journal in the state directory: no configuration, key or network needed, so staff and
//! accounting can run it on a kiosk that is offline.

use std::io::Write;

use clap::Args;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::json;

use super::{Failure, exit};
use crate::journal::{JOURNAL_FILE, RefundRecord, SaleRecord, refunded_and_left};

#[derive(Args, Debug)]
pub struct SalesArgs {
    /// Only sales begun at or after DATE: `2026-11-24` (local midnight), `today`, or an RFC 3339 time
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// One JSON object per line (fields `id`, `amount_total`, `currency`, `outcome`, …)
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,

    /// CSV with a header row, for spreadsheets
    #[arg(long)]
    pub csv: bool,
}

pub fn run(args: &SalesArgs) -> Result<u8, Failure> {
    let since_ms = match &args.since {
        None => 0,
        Some(text) => parse_since(text, &TimeZone::system()).map_err(Failure::usage)?,
    };
    let state_dir = crate::state::state_dir();
    let journal_path = state_dir.join(JOURNAL_FILE);
    let sales: Vec<(SaleRecord, Vec<RefundRecord>)> = if journal_path.exists() {
        // Read-only and without the state lock: works beside a running kiosk, on a read-only state directory and
        // for another user who may only read it.
        let journal = crate::journal::Journal::open_read_only(&journal_path)
            .map_err(|e| Failure::runtime(e.to_string()))?;
        let sales = journal
            .sales_since(since_ms)
            .map_err(|e| Failure::runtime(e.to_string()))?;
        let mut with_refunds = Vec::with_capacity(sales.len());
        for sale in sales {
            let refunds = journal
                .refunds_of(sale.row_id)
                .map_err(|e| Failure::runtime(e.to_string()))?;
            with_refunds.push((sale, refunds));
        }
        with_refunds
    } else {
        Vec::new()
    };
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        sales
            .iter()
            .try_for_each(|(sale, refunds)| writeln!(out, "{}", json_of(sale, refunds)))
    } else if args.csv {
        write_csv(&mut out, &sales)
    } else {
        write_table(&mut out, &sales, &journal_path)
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Failure::runtime(format!("cannot write the sales list: {e}")))?;
    Ok(exit::OK)
}

/// `YYYY-MM-DD` (midnight in `zone`), `today`, or an RFC 3339 timestamp, to milliseconds since the epoch.
pub fn parse_since(text: &str, zone: &TimeZone) -> Result<i64, String> {
    let text = text.trim();
    let date = if text.eq_ignore_ascii_case("today") {
        Some(Timestamp::now().to_zoned(zone.clone()).date())
    } else {
        text.parse::<jiff::civil::Date>().ok()
    };
    if let Some(date) = date {
        return date
            .to_zoned(zone.clone())
            .map(|start| start.timestamp().as_millisecond())
            .map_err(|e| format!("--since {text:?}: {e}"));
    }
    text.parse::<Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            format!(
                "--since {text:?}: expected a date like 2026-11-24, `today`, or a time like 2026-11-24T09:00:00Z"
            )
        })
}

/// Milliseconds since the epoch as an RFC 3339 time; `None` out of range. Shared by the commands that print times.
pub(super) fn rfc3339(ms: i64) -> Option<String> {
    Timestamp::from_millisecond(ms).ok().map(|t| t.to_string())
}

fn local_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(TimeZone::system())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| ms.to_string())
}

/// `2 × Latte; 1 × Butter croissant`
fn lines_text(sale: &SaleRecord) -> String {
    sale.items_summary("; ")
}

/// One refund as `sales --json` and `refund --json` print it, with its share of the sale's tax per rate.
pub fn refund_json(refund: &RefundRecord, sale: &SaleRecord) -> serde_json::Value {
    let tax = crate::tax::refund_share(&sale.order().tax(), refund.amount, sale.amount_total);
    json!({
        "id": refund.refund_id,
        "amount": refund.amount,
        "currency": refund.currency,
        "reason": refund.reason,
        "status": refund.state.as_str(),
        "created": rfc3339(refund.created_ms),
        "finished": refund.finished_ms.and_then(rfc3339),
        "goods_returned": refund.goods_returned,
        "detail": refund.detail,
        "tax": tax,
    })
}

pub fn json_of(sale: &SaleRecord, refunds: &[RefundRecord]) -> serde_json::Value {
    let (refunded, refundable) = refunded_and_left(sale, refunds);
    let tax = sale.order().tax();
    let lines: Vec<serde_json::Value> = sale
        .lines
        .iter()
        .map(|line| {
            json!({
                "item_id": line.item_id, "name": line.name,
                "quantity": line.quantity, "unit_amount": line.unit_amount,
                "tax_rate": line.tax_rate,
            })
        })
        .collect();
    json!({
        "id": sale.session_id,
        "client_reference_id": sale.client_reference_id,
        "created": rfc3339(sale.created_ms),
        "finished": sale.finished_ms.and_then(rfc3339),
        "lines": lines,
        "amount_total": sale.amount_total,
        "currency": sale.currency.code(),
        "outcome": sale.outcome.as_str(),
        "order_number": sale.order_number,
        "tip_amount": sale.tip_amount,
        "refunded": refunded,
        "refundable": if sale.outcome == crate::journal::SaleOutcome::Paid { refundable } else { 0 },
        "refunds": refunds.iter().map(|r| refund_json(r, sale)).collect::<Vec<_>>(),
        "tax": tax,
        "tax_total": crate::tax::total_tax(&tax),
    })
}

fn write_csv(
    out: &mut impl Write,
    sales: &[(SaleRecord, Vec<RefundRecord>)],
) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "id",
        "client_reference_id",
        "created",
        "finished",
        "lines",
        "amount_total",
        "currency",
        "amount",
        "outcome",
        "order_number",
        "tip_amount",
        "refunded",
        "tax_total",
        "tax",
    ])?;
    for (sale, refunds) in sales {
        let cells = [
            sale.session_id.clone().unwrap_or_default(),
            sale.client_reference_id.clone(),
            rfc3339(sale.created_ms).unwrap_or_default(),
            sale.finished_ms.and_then(rfc3339).unwrap_or_default(),
            lines_text(sale),
            sale.amount_total.to_string(),
            sale.currency.code().to_owned(),
            sale.amount().format_plain(),
            sale.outcome.as_str().to_owned(),
            sale.order_number.map(|n| n.to_string()).unwrap_or_default(),
            sale.tip_amount.to_string(),
            refunded_and_left(sale, refunds).0.to_string(),
            crate::tax::total_tax(&sale.order().tax()).to_string(),
            tax_text(&sale.order().tax()),
        ];
        writer.write_record(
            cells
                .iter()
                .map(|cell| spreadsheet_safe(&super::terminal_safe(cell)).into_owned()),
        )?;
    }
    writer.flush()
}

/// `20% net 417 tax 83 gross 500; 5% net 95 tax 5 gross 100`: the CSV's per-rate cell, in minor units.
fn tax_text(lines: &[crate::tax::TaxLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{}% net {} tax {} gross {}", l.rate, l.net, l.tax, l.gross))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and some with a tab or carriage return) as a
/// formula: such a cell gets a leading apostrophe, which shows the text as it is.
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

fn write_table(
    out: &mut impl Write,
    sales: &[(SaleRecord, Vec<RefundRecord>)],
    journal: &std::path::Path,
) -> std::io::Result<()> {
    if sales.is_empty() {
        return writeln!(out, "No sales recorded in {}", journal.display());
    }
    for (sale, refunds) in sales {
        let refunded = refunded_and_left(sale, refunds).0;
        let refunded = if refunded > 0 {
            format!(
                "  refunded {}",
                crate::money::Money::new(refunded, sale.currency)
            )
        } else {
            String::new()
        };
        let finished = sale
            .finished_ms
            .map(local_time)
            .unwrap_or_else(|| "-".into());
        let order = sale
            .order_number
            .map(|n| format!("  (order {n})"))
            .unwrap_or_default();
        writeln!(
            out,
            "{}  {:<28}  {:<9}  {:>12}  finished {}  {}{order}{refunded}",
            local_time(sale.created_ms),
            super::terminal_safe(sale.session_id.as_deref().unwrap_or("(no session)")),
            sale.outcome.as_str(),
            sale.amount().to_string(),
            finished,
            super::terminal_safe(&lines_text(sale))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(spreadsheet_safe("-2-3-k7q2-1"), "'-2-3-k7q2-1");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("+1"), "'+1");
        assert_eq!(spreadsheet_safe("1 × Latte"), "1 × Latte");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[test]
    fn since_accepts_a_local_date_and_an_rfc3339_time() {
        let utc = TimeZone::UTC;
        assert_eq!(parse_since("2026-11-24", &utc), Ok(1_795_478_400_000));
        assert_eq!(
            parse_since("2026-11-24T09:00:00Z", &utc),
            Ok(1_795_478_400_000 + 9 * 3_600_000)
        );
        let berlin = TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::fixed(jiff::tz::offset(1)));
        assert_eq!(
            parse_since("2026-11-24", &berlin),
            Ok(1_795_478_400_000 - 3_600_000),
            "midnight where the kiosk is"
        );
        let error = parse_since("yesterday-ish", &utc).unwrap_err();
        assert!(error.contains("expected a date like 2026-11-24"), "{error}");
    }
}
