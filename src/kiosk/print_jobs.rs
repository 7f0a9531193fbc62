//! What goes on paper for a paid sale: the customer's receipt and the kitchen's ticket, from the sale as the
//! journal recorded it, in the kiosk's language. Only a paid sale (one with an order number) is printed.
//!
//! A sale's first print has one job id per receipt or ticket, the same however often it is laid out, so the
//! printer's queue prints it once even when a crash makes the kiosk queue it again; a reprint has an id of its
//! own each time, because staff asked for another copy.

use jiff::tz::TimeZone;

use crate::i18n::Language;
use crate::journal::{RefundRecord, RefundState, SaleOutcome, SaleRecord};
use crate::money::Money;
use crate::order::{TAX_ITEM_ID, TIP_ITEM_ID, order_label};
use crate::printer::{
    JobKind, PrintJob, PrinterConfig, PrinterError, Receipt, ReceiptLine, ReceiptTax, RefundSlip,
    Ticket, receipt_job, ticket_job,
};

/// The shop's side of a receipt.
pub struct Shop<'a> {
    pub name: &'a str,
    pub kiosk_id: &'a str,
    /// `[kiosk] order_prefix`, before every order number on paper.
    pub order_prefix: Option<&'a str>,
    /// `[checkout] tax_name`: what the receipt's tax table calls the tax.
    pub tax_name: &'a str,
}

/// The languages a sale is printed in: the receipt in the customer's (the one on screen when it was paid), the
/// kitchen's ticket in the staff's.
#[derive(Clone, Copy, Debug)]
pub struct PrintLanguages {
    pub receipt: Language,
    pub ticket: Language,
}

/// A first print queued this long after the payment is marked late on paper (normally it is queued within a
/// second of the payment being recorded).
pub const LATE_AFTER_MS: i64 = 120_000;

/// A sale's first print, as the policy for late prints decides it.
#[derive(Debug)]
pub struct FirstPrint {
    pub jobs: Vec<PrintJob>,
    /// The kitchen ticket is older than `ticket_max_age`: held for staff to send, not printed unasked.
    pub ticket_held: bool,
}

/// The jobs `config` asks for (receipt, ticket or both), for a paid sale at `now_ms`; none for any other. The
/// order's age counts from when the sale was begun (a sale recovered after the kiosk was off was ordered long
/// before it was recorded paid). A kitchen ticket for an order older than `config.ticket_max_age` is held (see
/// [`held_ticket_job`]); the receipt always prints, marked late with the time of payment when the order is that
/// old or the print comes more than [`LATE_AFTER_MS`] after the payment was recorded.
pub fn print_jobs(
    sale: &SaleRecord,
    shop: &Shop<'_>,
    config: &PrinterConfig,
    languages: PrintLanguages,
    zone: &TimeZone,
    now_ms: i64,
) -> Result<FirstPrint, PrinterError> {
    let mut jobs = Vec::new();
    let (Some(mut receipt), Some(mut ticket)) = (
        receipt_of(sale, shop, languages.receipt, zone),
        ticket_of(sale, shop, languages.ticket, zone),
    ) else {
        return Ok(FirstPrint {
            jobs,
            ticket_held: false,
        });
    };
    let max_age_ms = i64::try_from(config.ticket_max_age.as_millis()).unwrap_or(i64::MAX);
    let order_age_ms = now_ms - sale.created_ms;
    let since_paid_ms = now_ms - sale.finished_ms.unwrap_or(sale.created_ms);
    if since_paid_ms > LATE_AFTER_MS || order_age_ms > max_age_ms {
        receipt.late = Some(receipt.when.clone());
        ticket.late = Some(ticket.when.clone());
    }
    let ticket_held = config.ticket && order_age_ms > max_age_ms;
    if config.receipt {
        jobs.push(receipt_job(
            config,
            sale.row_id,
            &receipt,
            languages.receipt.code(),
        )?);
    }
    if config.ticket && !ticket_held {
        jobs.push(ticket_job(
            config,
            sale.row_id,
            &ticket,
            languages.ticket.code(),
        )?);
    }
    for job in &mut jobs {
        job.id = first_print_id(sale, job.kind);
    }
    Ok(FirstPrint { jobs, ticket_held })
}

/// A held kitchen ticket, now that staff send it: marked late, with the id of the sale's first ticket (so it
/// prints once, however often staff tap Send).
pub fn held_ticket_job(
    sale: &SaleRecord,
    shop: &Shop<'_>,
    config: &PrinterConfig,
    language: Language,
    zone: &TimeZone,
) -> Result<Option<PrintJob>, PrinterError> {
    let Some(mut ticket) = ticket_of(sale, shop, language, zone) else {
        return Ok(None);
    };
    ticket.late = Some(ticket.when.clone());
    let mut job = ticket_job(config, sale.row_id, &ticket, language.code())?;
    job.id = first_print_id(sale, job.kind);
    Ok(Some(job))
}

/// Only the customer's receipt: what Reprint on the staff screen asks for.
pub fn reprint_job(
    sale: &SaleRecord,
    shop: &Shop<'_>,
    config: &PrinterConfig,
    language: Language,
    zone: &TimeZone,
) -> Result<Option<PrintJob>, PrinterError> {
    let Some(receipt) = receipt_of(sale, shop, language, zone) else {
        return Ok(None);
    };
    let mut job = receipt_job(config, sale.row_id, &receipt, language.code())?;
    job.id = format!(
        "{}-reprint-{}",
        first_print_id(sale, job.kind),
        uuid::Uuid::new_v4().simple()
    );
    Ok(Some(job))
}

/// A refund slip for a refund WooshPay confirmed (none for any other): the amount, the reason, the refund's share
/// of tax per rate, and the original sale. Printed once, whoever queues it.
pub fn refund_slip_job(
    sale: &SaleRecord,
    refund: &RefundRecord,
    shop: &Shop<'_>,
    config: &PrinterConfig,
    language: Language,
    zone: &TimeZone,
) -> Result<Option<PrintJob>, PrinterError> {
    if refund.state != RefundState::Succeeded {
        return Ok(None);
    }
    let money = |minor_units: i64| language.format_money(Money::new(minor_units, sale.currency));
    let tax = crate::tax::refund_share(&sale.order().tax(), refund.amount, sale.amount_total);
    let at = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| {
                t.to_zoned(zone.clone())
                    .strftime(language.receipt_time_pattern())
                    .to_string()
            })
            .unwrap_or_default()
    };
    let slip = RefundSlip {
        shop_name: shop.name.to_owned(),
        when: at(refund.finished_ms.unwrap_or(refund.created_ms)),
        order_number: sale.order_number.map(|n| order_label(shop.order_prefix, n)),
        amount: money(refund.amount),
        reason: refund.reason.clone(),
        sale_when: when(sale, language, zone),
        sale_total: money(sale.amount_total),
        sale_reference: sale.session_id.clone().unwrap_or_default(),
        refund_id: refund.refund_id.clone().unwrap_or_default(),
        kiosk_id: shop.kiosk_id.to_owned(),
        tax_name: shop.tax_name.to_owned(),
        tax_total: (!tax.is_empty()).then(|| money(crate::tax::total_tax(&tax))),
        tax: receipt_tax(&tax, sale.currency, language),
    };
    crate::printer::refund_slip_job(config, sale.row_id, refund.row_id, &slip, language.code())
        .map(Some)
}

/// Tax lines as paper shows them: the rate and the amounts in the language's notation, without a currency sign.
fn receipt_tax(
    lines: &[crate::tax::TaxLine],
    currency: crate::money::Currency,
    language: Language,
) -> Vec<ReceiptTax> {
    let style = language.number_style();
    let plain = |minor_units: i64| Money::new(minor_units, currency).format_digits(style);
    lines
        .iter()
        .map(|line| ReceiptTax {
            rate: format!(
                "{}%",
                line.rate
                    .to_string()
                    .replace('.', &style.decimal.to_string())
            ),
            net: plain(line.net),
            tax: plain(line.tax),
            gross: plain(line.gross),
        })
        .collect()
}

/// The id of a sale's first receipt or ticket: its journal row and its session (or, lacking one, its
/// reference), so that a journal started afresh, whose row numbers begin again, never matches an older sale's
/// job still on record in the queue. Only letters, digits, `-` and `_`: the id is one line of a job file.
fn first_print_id(sale: &SaleRecord, kind: JobKind) -> String {
    let reference = sale
        .session_id
        .as_deref()
        .unwrap_or(&sale.client_reference_id);
    let reference: String = reference
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("sale-{}-{}-{reference}", sale.row_id, kind.as_str())
}

/// The customer's receipt; `None` unless the sale is paid.
fn receipt_of(
    sale: &SaleRecord,
    shop: &Shop<'_>,
    language: Language,
    zone: &TimeZone,
) -> Option<Receipt> {
    let order_number = order_label(shop.order_prefix, paid_order_number(sale)?);
    let money = |minor_units: i64| language.format_money(Money::new(minor_units, sale.currency));
    let tax = sale.order().tax();
    Some(Receipt {
        shop_name: shop.name.to_owned(),
        when: when(sale, language, zone),
        order_number,
        late: None,
        lines: sale
            .lines
            .iter()
            .filter(|line| line.item_id != TIP_ITEM_ID && line.item_id != TAX_ITEM_ID)
            .map(|line| ReceiptLine {
                quantity: line.quantity,
                name: line.name.clone(),
                amount: money(line.amount()),
            })
            .collect(),
        tip: (sale.tip_amount > 0).then(|| money(sale.tip_amount)),
        total: money(sale.amount_total),
        tax_name: shop.tax_name.to_owned(),
        tax_total: (!tax.is_empty()).then(|| money(crate::tax::total_tax(&tax))),
        tax: receipt_tax(&tax, sale.currency, language),
        reference: sale.session_id.clone().unwrap_or_default(),
        kiosk_id: shop.kiosk_id.to_owned(),
        // The printer's `footer` fills in.
        footer: None,
    })
}

/// The kitchen's ticket: the number to call, what to make, when. No prices, no tip.
fn ticket_of(
    sale: &SaleRecord,
    shop: &Shop<'_>,
    language: Language,
    zone: &TimeZone,
) -> Option<Ticket> {
    Some(Ticket {
        order_number: order_label(shop.order_prefix, paid_order_number(sale)?),
        when: when(sale, language, zone),
        kiosk_id: shop.kiosk_id.to_owned(),
        late: None,
        lines: sale
            .lines
            .iter()
            .filter(|line| line.item_id != TIP_ITEM_ID && line.item_id != TAX_ITEM_ID)
            .map(|line| (line.quantity, line.name.clone()))
            .collect(),
    })
}

fn paid_order_number(sale: &SaleRecord) -> Option<u32> {
    (sale.outcome == SaleOutcome::Paid)
        .then_some(sale.order_number)
        .flatten()
}

/// When it was paid (or begun, for a row from before outcomes had times), where the kiosk is.
fn when(sale: &SaleRecord, language: Language, zone: &TimeZone) -> String {
    jiff::Timestamp::from_millisecond(sale.finished_ms.unwrap_or(sale.created_ms))
        .map(|t| {
            t.to_zoned(zone.clone())
                .strftime(language.receipt_time_pattern())
                .to_string()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::order::OrderLine;

    fn sale(outcome: SaleOutcome, order_number: Option<u32>) -> SaleRecord {
        let line = |id: &str, name: &str, unit_amount: i64, quantity: u32| OrderLine {
            item_id: id.into(),
            name: name.into(),
            description: None,
            unit_amount,
            quantity,
            tax_rate: None,
        };
        SaleRecord {
            row_id: 7,
            session_id: Some("cs_2125082531412836358".into()),
            url: None,
            client_reference_id: "front-k7q2-7".into(),
            idempotency_key: "k".into(),
            lines: vec![
                line("flat-white", "Flat white", 330, 2),
                line(TIP_ITEM_ID, "Tip", 66, 1),
            ],
            amount_total: 726,
            currency: Currency::from_code("GBP").unwrap(),
            // 2026-11-24 12:41:00 UTC
            created_ms: 1_795_524_060_000,
            finished_ms: Some(1_795_524_060_000),
            outcome,
            detail: None,
            create_params: None,
            order_number,
            tip_amount: 66,
        }
    }

    const SHOP: Shop<'static> = Shop {
        name: "Demo Café",
        kiosk_id: "front",
        order_prefix: None,
        tax_name: "VAT",
    };

    #[test]
    fn a_paid_sale_prints_its_number_lines_tip_and_total_in_the_kiosks_language() {
        let receipt = receipt_of(
            &sale(SaleOutcome::Paid, Some(42)),
            &SHOP,
            Language::German,
            &TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(receipt.order_number, "42");
        assert_eq!(receipt.when, "24.11.2026 12:41");
        assert_eq!(
            receipt.lines,
            [ReceiptLine {
                quantity: 2,
                name: "Flat white".into(),
                amount: "6,60\u{a0}£".into()
            }],
            "the tip is its own line on paper, not an item"
        );
        assert_eq!(receipt.tip.as_deref(), Some("0,66\u{a0}£"));
        assert_eq!(receipt.total, "7,26\u{a0}£");
        assert_eq!(receipt.reference, "cs_2125082531412836358");
        assert_eq!(receipt.kiosk_id, "front");
        let ticket = ticket_of(
            &sale(SaleOutcome::Paid, Some(42)),
            &SHOP,
            Language::English,
            &TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(ticket.lines, [(2, "Flat white".to_owned())]);
        assert_eq!(ticket.when, "24 Nov 2026 12:41");
        assert_eq!(
            (ticket.order_number.as_str(), ticket.kiosk_id.as_str()),
            ("42", "front")
        );
    }

    #[test]
    fn an_order_prefix_tells_kiosks_apart_on_receipt_and_ticket() {
        let shop = Shop {
            order_prefix: Some("B"),
            ..SHOP
        };
        let sale = sale(SaleOutcome::Paid, Some(1000));
        let receipt = receipt_of(&sale, &shop, Language::English, &TimeZone::UTC).unwrap();
        let ticket = ticket_of(&sale, &shop, Language::English, &TimeZone::UTC).unwrap();
        assert_eq!(receipt.order_number, "B-1000");
        assert_eq!(ticket.order_number, "B-1000");
    }

    /// Receipt and ticket on 80 mm paper, printed unasked; tickets held after 15 minutes.
    fn config() -> crate::printer::PrinterConfig {
        crate::printer::PrinterConfig {
            target: crate::printer::PrinterTarget::Device("/dev/null".into()),
            width_mm: 80,
            receipt: true,
            ticket: true,
            auto: true,
            footer: None,
            ticket_max_age: std::time::Duration::from_secs(900),
        }
    }

    /// When `sale()` was paid.
    const PAID_AT: i64 = 1_795_524_060_000;

    #[test]
    fn a_late_first_print_is_marked_and_an_old_ticket_is_held_for_staff() {
        let config = config();
        let sale = sale(SaleOutcome::Paid, Some(42));
        let languages = PrintLanguages {
            receipt: Language::English,
            ticket: Language::English,
        };
        let first =
            |now_ms| print_jobs(&sale, &SHOP, &config, languages, &TimeZone::UTC, now_ms).unwrap();
        let text = |job: &PrintJob| String::from_utf8_lossy(&job.bytes).into_owned();
        // On time: both, unmarked.
        let on_time = first(PAID_AT + 1_000);
        assert!(!on_time.ticket_held);
        assert_eq!(on_time.jobs.len(), 2);
        assert!(on_time.jobs.iter().all(|job| !text(job).contains("LATE")));
        // Ten minutes late: both, marked with the time of payment.
        let late = first(PAID_AT + 600_000);
        assert_eq!(late.jobs.len(), 2);
        assert!(
            late.jobs
                .iter()
                .all(|job| text(job).contains("LATE - paid 24 Nov 2026 12:41"))
        );
        // An hour late: the receipt, marked; the ticket held for staff.
        let old = first(PAID_AT + 3_600_000);
        assert!(old.ticket_held);
        assert_eq!(
            old.jobs.iter().map(|job| job.kind).collect::<Vec<_>>(),
            [JobKind::Receipt]
        );
        let sent = held_ticket_job(&sale, &SHOP, &config, Language::English, &TimeZone::UTC)
            .unwrap()
            .unwrap();
        assert_eq!(sent.id, "sale-7-ticket-cs_2125082531412836358");
        assert!(text(&sent).contains("LATE - paid"));
    }

    #[test]
    fn a_first_print_has_the_same_id_every_time_and_a_reprint_a_new_one() {
        let config = config();
        let sale = sale(SaleOutcome::Paid, Some(42));
        let languages = PrintLanguages {
            receipt: Language::English,
            ticket: Language::German,
        };
        let ids = || {
            print_jobs(&sale, &SHOP, &config, languages, &TimeZone::UTC, PAID_AT)
                .unwrap()
                .jobs
                .into_iter()
                .map(|job| job.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(),
            [
                "sale-7-receipt-cs_2125082531412836358",
                "sale-7-ticket-cs_2125082531412836358"
            ]
        );
        assert_eq!(ids(), ids());
        let reprint = || {
            reprint_job(&sale, &SHOP, &config, Language::English, &TimeZone::UTC)
                .unwrap()
                .unwrap()
                .id
        };
        let (first, second) = (reprint(), reprint());
        assert_ne!(first, second);
        assert!(first.starts_with("sale-7-receipt-cs_2125082531412836358-reprint-"));
    }

    #[test]
    fn nothing_is_printed_for_a_sale_that_is_not_paid() {
        for (outcome, number) in [
            (SaleOutcome::Pending, None),
            (SaleOutcome::Expired, None),
            (SaleOutcome::Cancelled, None),
            // A damaged row that says paid without a number is not printed either.
            (SaleOutcome::Paid, None),
        ] {
            let sale = sale(outcome, number);
            assert!(receipt_of(&sale, &SHOP, Language::English, &TimeZone::UTC).is_none());
            assert!(ticket_of(&sale, &SHOP, Language::English, &TimeZone::UTC).is_none());
        }
    }
}
