//! The only place engine types become Slint types.

use slint::{Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel};

use super::{CartLine, CatalogTile, ResultKind, SaleRow, Screen, StatusRow, Strings};
use crate::catalog::{Catalog, CatalogItem};
use crate::checkout::{Cart, FailureReason, Outcome};
use crate::kiosk::CartView;
use crate::money::Money;

/// A category tab's text: the catalog's own name, or "Other" for items without one.
pub fn category_label(category: &str, strings: &Strings<'_>) -> SharedString {
    if category.is_empty() {
        strings.invoke_other_category()
    } else {
        category.into()
    }
}

/// An amount as the kiosk's current language writes it.
pub fn money(amount: Money) -> String {
    crate::i18n::current().format_money(amount)
}

/// The tiles of `items`, priced from `catalog`.
pub fn tiles<'a>(
    catalog: &Catalog,
    items: impl Iterator<Item = &'a CatalogItem>,
    stock: &crate::kiosk::Stock,
) -> ModelRc<CatalogTile> {
    let tiles: Vec<CatalogTile> = items
        .map(|item| {
            let image = item
                .image
                .as_deref()
                .and_then(|path| Image::load_from_path(path).ok());
            CatalogTile {
                id: item.id.as_str().into(),
                name: item.name.as_str().into(),
                price: money(catalog.price_of(item)).into(),
                has_image: image.is_some(),
                image: image.unwrap_or_default(),
                sold_out: stock.sold_out(&item.id),
            }
        })
        .collect();
    ModelRc::new(VecModel::from(tiles))
}

pub fn cart_lines(cart: &Cart, catalog: &Catalog) -> ModelRc<CartLine> {
    cart_view_lines(&CartView::of(
        cart,
        catalog,
        &crate::tax::TaxSettings::default(),
    ))
}

/// The cart panel's lines, as the UI draws them.
pub fn cart_view_lines(view: &CartView) -> ModelRc<CartLine> {
    let lines: Vec<CartLine> = view
        .lines
        .iter()
        .map(|line| CartLine {
            id: line.id.as_str().into(),
            name: line.name.as_str().into(),
            quantity: i32::try_from(line.quantity).unwrap_or(i32::MAX),
            amount: money(line.amount).into(),
            sold_out: line.sold_out,
        })
        .collect();
    ModelRc::new(VecModel::from(lines))
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
    pub title: SharedString,
    pub detail: SharedString,
}

/// The catalog screen's notice: why new sales are paused, and since when WooshPay has not answered.
pub fn gateway_notice(
    offline: bool,
    last_contact_ms: Option<i64>,
    unconfirmed: usize,
    strings: &Strings<'_>,
) -> String {
    let mut parts = Vec::new();
    if offline {
        let last_contact = last_contact_ms
            .map(|ms| local_time(ms, "%H:%M:%S"))
            .unwrap_or_default();
        parts.push(strings.invoke_offline_notice(last_contact.into()));
    }
    if unconfirmed > 0 {
        parts.push(strings.invoke_unconfirmed_notice(count(unconfirmed)));
    }
    parts.join(" ")
}

/// A count as Slint's `int`; counts beyond two billion do not happen at a till, but never wrap.
fn count(n: impl TryInto<i32>) -> i32 {
    n.try_into().unwrap_or(i32::MAX)
}

pub fn result_text(outcome: &Outcome, strings: &Strings<'_>) -> ResultText {
    let (kind, by_kiosk, detail) = match outcome {
        Outcome::Paid { .. } => (ResultKind::Paid, false, strings.invoke_thank_you()),
        Outcome::Expired { by_kiosk, .. } => (
            ResultKind::Expired,
            *by_kiosk,
            strings.invoke_nothing_charged(),
        ),
        Outcome::Cancelled { .. } => (
            ResultKind::Cancelled,
            false,
            strings.invoke_nothing_charged(),
        ),
        Outcome::Failed {
            reason: FailureReason::Declined(message),
            ..
        } => (
            ResultKind::Declined,
            false,
            strings.invoke_declined_detail(message.as_str().into()),
        ),
        Outcome::Failed {
            reason: FailureReason::Unconfirmed(_),
            ..
        } => (
            ResultKind::Unconfirmed,
            false,
            strings.invoke_unconfirmed_detail(),
        ),
        Outcome::Failed {
            reason: FailureReason::CreateFailed(message) | FailureReason::Unusable(message),
            ..
        } => (ResultKind::Failed, false, message.as_str().into()),
    };
    ResultText {
        kind,
        title: strings.invoke_result_title(kind, by_kiosk),
        detail,
    }
}

pub(super) fn local_time(ms: i64, pattern: &str) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime(pattern)
                .to_string()
        })
        .unwrap_or_default()
}

/// A day and time on the staff screen, written as the kiosk's language writes them.
pub fn local_day_and_time(ms: i64) -> String {
    local_time(ms, crate::i18n::current().day_and_time_pattern())
}

fn money_text(minor_units: i64, currency: &str) -> String {
    match crate::money::Currency::from_code(currency) {
        Ok(currency) => money(Money::new(minor_units, currency)),
        Err(_) => format!("{minor_units} {currency}"),
    }
}

/// One line of the admin screen's recent sales.
/// A sale for the staff screen's list; `refunded`: how much of it WooshPay has refunded, in minor units.
pub fn sale_row(
    sale: &crate::journal::SaleRecord,
    order_prefix: Option<&str>,
    refunded: i64,
) -> SaleRow {
    // The outcome stays the journal's word (`paid`); the screen translates it.
    let items = sale.items_summary(", ");
    let id = sale.session_id.clone().unwrap_or_default();
    // The tail is what differs between sessions and what a dashboard search needs.
    let short_id = match id.len() {
        0 => String::new(),
        n if n > 10 => format!("…{}", &id[n - 8..]),
        _ => id.clone(),
    };
    SaleRow {
        id: id.into(),
        short_id: short_id.into(),
        time: local_day_and_time(sale.created_ms).into(),
        items: items.into(),
        amount: money(sale.amount()).into(),
        outcome: sale.outcome.as_str().into(),
        order_number: sale.order_number.map_or(0, |n| n as i32),
        order_label: sale
            .order_number
            .map(|n| crate::order::order_label(order_prefix, n))
            .unwrap_or_default()
            .into(),
        refunded: if refunded > 0 {
            money(crate::money::Money::new(refunded, sale.currency)).into()
        } else {
            SharedString::new()
        },
    }
}

fn gross_text(totals: &crate::journal::ShiftTotals, strings: &Strings<'_>) -> String {
    if totals.gross_paid.is_empty() {
        return strings.invoke_nothing().into();
    }
    totals
        .gross_paid
        .iter()
        .map(|(currency, amount)| money_text(*amount, currency))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The open shift, one fact per line; `tax_name` (`[checkout] tax_name`) names each rate's line.
pub fn shift_lines(
    totals: &crate::journal::ShiftTotals,
    tax_name: &str,
    strings: &Strings<'_>,
) -> Vec<SharedString> {
    let mut lines = vec![
        strings.invoke_shift_since(local_day_and_time(totals.opened_ms).into()),
        strings.invoke_shift_sales(count(totals.sales), count(totals.paid)),
        strings.invoke_shift_gross(gross_text(totals, strings).into()),
        strings.invoke_shift_counts(
            count(totals.expired),
            count(totals.cancelled),
            count(totals.failed),
        ),
    ];
    if !totals.tips.is_empty() {
        let tips = totals
            .tips
            .iter()
            .map(|(currency, amount)| money_text(*amount, currency))
            .collect::<Vec<_>>()
            .join(" + ");
        lines.push(strings.invoke_shift_tips(tips.into()));
    }
    if totals.late_paid > 0 {
        let amount = totals
            .late_paid_amount
            .iter()
            .map(|(currency, amount)| money_text(*amount, currency))
            .collect::<Vec<_>>()
            .join(" + ");
        lines.push(strings.invoke_shift_late_paid(count(totals.late_paid), amount.into()));
    }
    if totals.pending > 0 {
        lines.push(strings.invoke_shift_pending(count(totals.pending)));
    }
    if totals.refunds > 0 {
        lines.push(
            strings.invoke_shift_refunded(count(totals.refunds), joined(&totals.refunded).into()),
        );
        lines.push(strings.invoke_shift_net(joined(&totals.net).into()));
    }
    lines.extend(
        totals
            .tax
            .iter()
            .map(|tax| rate_line(totals, tax, tax_name, strings)),
    );
    lines
}

/// Amounts in several currencies, as "£1.50 + €2.00".
fn joined(amounts: &[(String, i64)]) -> String {
    amounts
        .iter()
        .map(|(currency, amount)| money_text(*amount, currency))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// One rate's net, tax and gross that the shop keeps: what was sold less the refunds' share of each.
fn rate_line(
    totals: &crate::journal::ShiftTotals,
    sold: &crate::journal::ShiftTax,
    tax_name: &str,
    strings: &Strings<'_>,
) -> SharedString {
    let refunded = totals
        .refunded_tax
        .iter()
        .find(|r| r.currency == sold.currency && r.rate == sold.rate);
    let kept = |amount: i64, part: fn(&crate::journal::ShiftTax) -> i64| {
        money_text(amount - refunded.map_or(0, part), &sold.currency).into()
    };
    strings.invoke_shift_tax(
        tax_name.into(),
        format!("{}%", sold.rate).into(),
        kept(sold.net, |r| r.net),
        kept(sold.tax, |r| r.tax),
        kept(sold.gross, |r| r.gross),
    )
}

/// A stored shift report in one line.
/// `tax_name`: `[checkout] tax_name`, naming each rate's line.
pub fn shift_summary(
    report: &crate::journal::ShiftTotals,
    tax_name: &str,
    strings: &Strings<'_>,
) -> SharedString {
    let summary = strings.invoke_shift_summary(
        local_day_and_time(report.opened_ms).into(),
        report.closed_ms.map_or_else(
            || strings.invoke_still_open(),
            |ms| local_time(ms, "%H:%M").into(),
        ),
        count(report.sales),
        count(report.paid),
        gross_text(report, strings).into(),
        count(report.expired),
        count(report.cancelled),
    );
    // Refunds and tax only where there were any, so a plain shift's line stays short.
    let mut parts = vec![summary.to_string()];
    if report.refunds > 0 {
        parts.push(
            strings
                .invoke_summary_refunded(
                    joined(&report.refunded).into(),
                    joined(&report.net).into(),
                )
                .into(),
        );
    }
    parts.extend(
        report
            .tax
            .iter()
            .map(|tax| rate_line(report, tax, tax_name, strings).to_string()),
    );
    parts.join(", ").into()
}

pub use crate::kiosk::Mode;

/// Where the catalog came from, for the status panel.
pub enum CatalogSource<'a> {
    File(&'a std::path::Path),
    /// `catalog_url`.
    Url(&'a str),
    BuiltIn,
}

pub struct StatusFacts<'a> {
    pub mode: Mode,
    pub gateway: crate::checkout::GatewayStatus,
    /// `None`: the interfaces could not be read; `Some("")`: no address besides loopback.
    pub ip_address: Option<String>,
    pub version: String,
    pub catalog_items: usize,
    pub catalog: CatalogSource<'a>,
    /// Why the last reload or refresh was not applied.
    pub catalog_error: Option<String>,
    pub language: crate::i18n::Language,
    /// `None`: no `[printer]`.
    pub printer: Option<crate::printer::PrinterState>,
}

pub fn status_rows(facts: &StatusFacts<'_>, strings: &Strings<'_>) -> Vec<StatusRow> {
    let row = |label: SharedString, value: SharedString| StatusRow { label, value };
    vec![
        row(
            strings.invoke_status_mode(),
            match facts.mode {
                Mode::Test => strings.invoke_mode_test(),
                Mode::Live => strings.invoke_mode_live(),
                Mode::Demo => strings.invoke_mode_demo(),
            },
        ),
        row(
            strings.invoke_status_gateway(),
            match facts.gateway.reachable {
                Some(true) => strings.invoke_gateway_reachable(),
                Some(false) => strings.invoke_gateway_unreachable(),
                None => strings.invoke_gateway_not_contacted(),
            },
        ),
        row(
            strings.invoke_status_last_contact(),
            facts.gateway.last_contact_ms.map_or_else(
                || strings.invoke_never(),
                |ms| local_time(ms, "%H:%M:%S").into(),
            ),
        ),
        row(
            strings.invoke_status_ip_address(),
            match facts.ip_address.as_deref() {
                None => strings.invoke_unknown(),
                Some("") => strings.invoke_none(),
                Some(address) => address.into(),
            },
        ),
        row(
            strings.invoke_status_version(),
            facts.version.as_str().into(),
        ),
        row(
            strings.invoke_status_catalog(),
            match facts.catalog {
                CatalogSource::File(path) => strings.invoke_catalog_from_file(
                    count(facts.catalog_items),
                    path.display().to_string().into(),
                ),
                CatalogSource::Url(url) => {
                    strings.invoke_catalog_from_file(count(facts.catalog_items), url.into())
                }
                CatalogSource::BuiltIn => strings.invoke_catalog_demo(count(facts.catalog_items)),
            },
        ),
        row(
            strings.invoke_status_catalog_refresh(),
            match &facts.catalog_error {
                Some(error) => error.as_str().into(),
                None => strings.invoke_catalog_refresh_ok(),
            },
        ),
        row(
            strings.invoke_status_language(),
            facts.language.native_name().into(),
        ),
        row(
            strings.invoke_status_printer(),
            match &facts.printer {
                None => strings.invoke_printer_none(),
                Some(state) => printer_text(state, strings),
            },
        ),
    ]
}

/// Whether the printer is keeping up, and if not, why and how much is waiting.
fn printer_text(state: &crate::printer::PrinterState, strings: &Strings<'_>) -> SharedString {
    use crate::printer::PrinterStatus;
    let waiting = count(state.waiting_jobs);
    if let Some(error) = &state.queue_error {
        return strings.invoke_printer_cannot_queue(error.as_str().into());
    }
    match &state.status {
        PrinterStatus::Failing { error, .. } => {
            strings.invoke_printer_failing(error.as_str().into(), waiting)
        }
        PrinterStatus::Printing => strings.invoke_printer_printing(waiting),
        PrinterStatus::Idle => strings.invoke_printer_ready(),
    }
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

/// The kiosk layer's name for a screen the UI shows.
pub fn screen_rule(screen: Screen) -> crate::kiosk::Screen {
    use crate::kiosk::Screen as Rule;
    match screen {
        Screen::Catalog => Rule::Catalog,
        Screen::Payment => Rule::Payment,
        Screen::Result => Rule::Result,
        Screen::Idle => Rule::Idle,
        Screen::Pin => Rule::Pin,
        Screen::Admin => Rule::Admin,
        Screen::Amount => Rule::Amount,
        Screen::Describe => Rule::Describe,
        Screen::Busy => Rule::Busy,
        Screen::Tip => Rule::Tip,
    }
}
