//! The only place engine types become Slint types.

use slint::{Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel};

use super::{CartLine, CatalogTile, ResultKind, SaleRow, StatusRow};
use crate::catalog::{Catalog, CatalogItem};
use crate::checkout::{Cart, FailureReason, Outcome};
use crate::money::Money;

/// Category tabs in the order categories first appear; items without one are listed under "Other".
pub fn categories(catalog: &Catalog) -> Vec<String> {
    if catalog.items.iter().all(|item| item.category.is_none()) {
        return Vec::new();
    }
    let mut names: Vec<String> = Vec::new();
    for item in &catalog.items {
        let name = category_of(item);
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

fn category_of(item: &CatalogItem) -> &str {
    item.category.as_deref().unwrap_or("Other")
}

pub fn tiles(catalog: &Catalog, category: Option<&str>) -> ModelRc<CatalogTile> {
    let tiles: Vec<CatalogTile> = catalog
        .items
        .iter()
        .filter(|item| category.is_none_or(|c| category_of(item) == c))
        .map(|item| {
            let image = item
                .image
                .as_deref()
                .and_then(|path| Image::load_from_path(path).ok());
            CatalogTile {
                id: item.id.as_str().into(),
                name: item.name.as_str().into(),
                price: catalog.price_of(item).to_string().into(),
                has_image: image.is_some(),
                image: image.unwrap_or_default(),
            }
        })
        .collect();
    ModelRc::new(VecModel::from(tiles))
}

pub fn cart_lines(cart: &Cart, catalog: &Catalog) -> ModelRc<CartLine> {
    let lines: Vec<CartLine> = cart
        .lines()
        .iter()
        .filter_map(|(id, quantity)| {
            let (name, unit_amount) = match cart.custom(id) {
                Some(custom) => (custom.description.as_str(), custom.unit_amount),
                None => {
                    let item = catalog.item(id)?;
                    (item.name.as_str(), item.unit_amount)
                }
            };
            let amount = Money::new(
                unit_amount.saturating_mul(i64::from(*quantity)),
                catalog.currency,
            );
            Some(CartLine {
                id: id.as_str().into(),
                name: name.into(),
                quantity: i32::try_from(*quantity).unwrap_or(i32::MAX),
                amount: amount.to_string().into(),
            })
        })
        .collect();
    ModelRc::new(VecModel::from(lines))
}

/// "Charge £12.50": the button always names the amount it will charge.
pub fn charge_label(total: Money) -> SharedString {
    format!("Charge {total}").into()
}

/// `m:ss` for the payment countdown.
pub fn countdown(remaining: std::time::Duration) -> SharedString {
    let seconds = remaining.as_secs();
    format!("{}:{:02}", seconds / 60, seconds % 60).into()
}

/// The QR raster (built off the UI thread) as RGB pixels the UI can show.
pub fn qr_pixels(gray: &image::GrayImage) -> SharedPixelBuffer<Rgb8Pixel> {
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(gray.width(), gray.height());
    for (pixel, value) in buffer.make_mut_slice().iter_mut().zip(gray.pixels()) {
        let v = value.0[0];
        *pixel = Rgb8Pixel { r: v, g: v, b: v };
    }
    buffer
}

pub struct ResultText {
    pub kind: ResultKind,
    pub title: String,
    pub detail: String,
}

/// The catalog screen's notice: why new sales are paused, and since when WooshPay has not answered.
pub fn gateway_notice(offline: bool, last_contact_ms: Option<i64>, unconfirmed: usize) -> String {
    let mut notice = String::new();
    if offline {
        notice.push_str("WooshPay cannot be reached, so new sales are paused. ");
        notice.push_str(&match last_contact_ms
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        {
            Some(at) => format!(
                "Last contact {}.",
                at.to_zoned(jiff::tz::TimeZone::system())
                    .strftime("%H:%M:%S")
            ),
            None => "No contact since the kiosk started.".to_owned(),
        });
    }
    if unconfirmed > 0 {
        if !notice.is_empty() {
            notice.push(' ');
        }
        notice.push_str(&format!(
            "{unconfirmed} earlier sale(s) not yet confirmed with WooshPay; still checking."
        ));
    }
    notice
}

pub fn result_text(outcome: &Outcome) -> ResultText {
    let (kind, title, detail) = match outcome {
        Outcome::Paid { .. } => (ResultKind::Paid, "Paid", "Thank you".to_owned()),
        Outcome::Expired { by_kiosk: true, .. } => {
            (ResultKind::Expired, "Payment timed out", "Nothing was charged.".to_owned())
        }
        Outcome::Expired { by_kiosk: false, .. } => {
            (ResultKind::Expired, "Payment expired", "Nothing was charged.".to_owned())
        }
        Outcome::Cancelled { .. } => (ResultKind::Cancelled, "Cancelled", "Nothing was charged.".to_owned()),
        Outcome::Failed { reason: FailureReason::Declined(message), .. } => {
            (ResultKind::Declined, "Payment declined", format!("{message} Nothing was charged."))
        }
        Outcome::Failed { reason: FailureReason::Unconfirmed(_), .. } => (
            ResultKind::Unconfirmed,
            "Payment not confirmed",
            "WooshPay could not be reached to confirm this payment. Check the WooshPay dashboard before charging again."
                .to_owned(),
        ),
        Outcome::Failed { reason: FailureReason::CreateFailed(message) | FailureReason::Unusable(message), .. } => {
            (ResultKind::Failed, "Payment failed", message.clone())
        }
    };
    ResultText {
        kind,
        title: title.to_owned(),
        detail,
    }
}

fn local_time(ms: i64, pattern: &str) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime(pattern)
                .to_string()
        })
        .unwrap_or_default()
}

fn money_text(minor_units: i64, currency: &str) -> String {
    match crate::money::Currency::from_code(currency) {
        Ok(currency) => Money::new(minor_units, currency).to_string(),
        Err(_) => format!("{minor_units} {currency}"),
    }
}

/// One line of the admin screen's recent sales.
pub fn sale_row(sale: &crate::journal::SaleRecord) -> SaleRow {
    let items = sale
        .lines
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .map(|line| {
                    format!(
                        "{} × {}",
                        line["quantity"].as_u64().unwrap_or(0),
                        line["name"].as_str().unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let id = sale.id.clone().unwrap_or_default();
    // The tail is what differs between sessions and what a dashboard search needs.
    let short_id = match id.len() {
        0 => String::new(),
        n if n > 10 => format!("…{}", &id[n - 8..]),
        _ => id.clone(),
    };
    SaleRow {
        id: id.into(),
        short_id: short_id.into(),
        time: local_time(sale.created_ms, "%d %b %H:%M").into(),
        items: items.into(),
        amount: money_text(sale.amount_total, &sale.currency).into(),
        outcome: sale.outcome.as_str().into(),
    }
}

fn gross_text(totals: &crate::journal::ShiftTotals) -> String {
    if totals.gross_paid.is_empty() {
        return "nothing".to_owned();
    }
    totals
        .gross_paid
        .iter()
        .map(|(currency, amount)| money_text(*amount, currency))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The open shift, one fact per line.
pub fn shift_lines(totals: &crate::journal::ShiftTotals) -> Vec<String> {
    let mut lines = vec![
        format!("Since {}", local_time(totals.opened_ms, "%d %b %H:%M")),
        format!("{} sales, {} paid", totals.sales, totals.paid),
        format!("Gross paid: {}", gross_text(totals)),
        format!(
            "Expired {} · Cancelled {} · Failed {}",
            totals.expired, totals.cancelled, totals.failed
        ),
    ];
    if totals.pending > 0 {
        lines.push(format!("{} not yet confirmed", totals.pending));
    }
    lines
}

/// A stored shift report in one line.
pub fn shift_summary(report: &crate::journal::ShiftTotals) -> String {
    format!(
        "{} – {}: {} sales, {} paid, {} gross, {} expired, {} cancelled",
        local_time(report.opened_ms, "%d %b %H:%M"),
        report
            .closed_ms
            .map(|ms| local_time(ms, "%H:%M"))
            .unwrap_or_else(|| "open".into()),
        report.sales,
        report.paid,
        gross_text(report),
        report.expired,
        report.cancelled
    )
}

pub struct StatusFacts {
    pub mode: String,
    pub gateway: crate::checkout::GatewayStatus,
    pub ip_address: String,
    pub version: String,
    pub catalog: String,
}

pub fn status_rows(facts: &StatusFacts) -> Vec<StatusRow> {
    let row = |label: &str, value: String| StatusRow {
        label: label.into(),
        value: value.into(),
    };
    vec![
        row("Mode", facts.mode.clone()),
        row(
            "WooshPay",
            match facts.gateway.reachable {
                Some(true) => "reachable".into(),
                Some(false) => "NOT reachable".into(),
                None => "not contacted yet".into(),
            },
        ),
        row(
            "Last contact",
            facts
                .gateway
                .last_contact_ms
                .map(|ms| local_time(ms, "%H:%M:%S"))
                .unwrap_or_else(|| "never".into()),
        ),
        row("IP address", facts.ip_address.clone()),
        row("Version", facts.version.clone()),
        row("Catalog", facts.catalog.clone()),
    ]
}

/// The custom-amount keypad's digits as money: "1250" in GBP reads £12.50; no digits read £0.00.
pub fn keyed_amount(digits: &str, currency: crate::money::Currency) -> Option<Money> {
    let minor_units = if digits.is_empty() {
        0
    } else {
        digits.parse::<i64>().ok()?
    };
    Some(Money::new(minor_units, currency))
}
