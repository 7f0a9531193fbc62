// Each test binary uses a different part of these helpers.
#![allow(dead_code)]

pub mod escpos_text;
pub mod paper;

use std::path::Path;
use std::time::{Duration, Instant};
use wooshpay_kiosk::printer::{PrinterConfig, PrinterTarget, Receipt, ReceiptLine, Ticket};

pub fn line(quantity: u32, name: &str, amount: &str) -> ReceiptLine {
    ReceiptLine {
        quantity,
        name: name.into(),
        amount: amount.into(),
    }
}

/// A receipt per language; the German one has no tip.
fn tax(rate: &str, net: &str, tax: &str, gross: &str) -> wooshpay_kiosk::printer::ReceiptTax {
    wooshpay_kiosk::printer::ReceiptTax {
        rate: rate.into(),
        net: net.into(),
        tax: tax.into(),
        gross: gross.into(),
    }
}

pub fn receipt(language: &str) -> Receipt {
    let reference = "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsT".to_owned();
    match language {
        "de" => Receipt {
            shop_name: "Bäckerei Müller".into(),
            when: "01.06.2025 14:32".into(),
            order_number: "42".into(),
            late: None,
            lines: vec![
                line(2, "Käsebrötchen", "5,80 €"),
                line(1, "Heiße Schokolade mit Sahne und Marshmallows", "3,90 €"),
                line(1, "Apfelstrudel", "4,20 €"),
            ],
            tip: None,
            total: "13,90 €".into(),
            // Food at 7 %, the hot drink at 19 %, prices with tax (as on every German shelf).
            tax_name: "MwSt".into(),
            tax: vec![
                tax("7%", "9,35", "0,65", "10,00"),
                tax("19%", "3,28", "0,62", "3,90"),
            ],
            tax_total: Some("1,27 €".into()),
            reference,
            kiosk_id: "kiosk-01".into(),
            footer: Some("Vielen Dank für Ihren Besuch!".into()),
        },
        "zh-CN" => Receipt {
            shop_name: "街角咖啡馆".into(),
            when: "2025-06-01 14:32".into(),
            order_number: "42".into(),
            late: None,
            lines: vec![
                line(2, "燕麦拿铁", "¥56.00"),
                line(1, "超大杯焦糖玛奇朵加浓缩咖啡", "¥38.00"),
                line(1, "Croissant 可颂", "¥18.00"),
            ],
            tip: Some("¥10.00".into()),
            total: "¥122.00".into(),
            tax_name: String::new(),
            tax: Vec::new(),
            tax_total: None,
            reference,
            kiosk_id: "kiosk-01".into(),
            footer: Some("谢谢光临！".into()),
        },
        _ => Receipt {
            shop_name: "Corner Café".into(),
            when: "01/06/2025 14:32".into(),
            order_number: "42".into(),
            late: None,
            lines: vec![
                line(2, "Flat white", "£6.40"),
                line(1, "Almond croissant with extra butter", "£3.20"),
                line(12, "Sparkling water", "£18.00"),
            ],
            tip: Some("£1.00".into()),
            total: "£28.60".into(),
            // Water zero-rated, the rest at 20 %; the tip outside the scope of VAT.
            tax_name: "VAT".into(),
            tax: vec![
                tax("0%", "18.00", "0.00", "18.00"),
                tax("20%", "8.00", "1.60", "9.60"),
            ],
            tax_total: Some("£1.60".into()),
            reference,
            kiosk_id: "kiosk-01".into(),
            footer: Some("Thank you for visiting!\nSee you soon".into()),
        },
    }
}

/// A partial refund of the sample receipt's sale, with its share of each rate (1.50 of 28.60; 3.00 of 13.90).
pub fn refund_slip(language: &str) -> wooshpay_kiosk::printer::RefundSlip {
    let r = receipt(language);
    let (amount, tax) = match language {
        "de" => (
            "3,00 €",
            vec![
                tax("7%", "2,02", "0,14", "2,16"),
                tax("19%", "0,71", "0,13", "0,84"),
            ],
        ),
        _ => ("£1.50", vec![tax("20%", "0.42", "0.08", "0.50")]),
    };
    wooshpay_kiosk::printer::RefundSlip {
        shop_name: r.shop_name,
        when: r.when.clone(),
        order_number: Some(r.order_number),
        amount: amount.into(),
        reason: "requested_by_customer".into(),
        sale_when: r.when,
        sale_total: r.total,
        sale_reference: r.reference,
        refund_id: "re_1554351292598452224".into(),
        kiosk_id: r.kiosk_id,
        tax_name: r.tax_name,
        tax_total: Some(if language == "de" {
            "0,27 €".into()
        } else {
            "£0.08".into()
        }),
        tax,
    }
}

pub fn ticket(language: &str) -> Ticket {
    let r = receipt(language);
    Ticket {
        order_number: r.order_number,
        late: None,
        when: "14:32".into(),
        kiosk_id: r.kiosk_id,
        lines: r.lines.into_iter().map(|l| (l.quantity, l.name)).collect(),
    }
}

pub fn device_config(path: &Path) -> PrinterConfig {
    PrinterConfig {
        target: PrinterTarget::Device(path.to_owned()),
        width_mm: 80,
        receipt: true,
        ticket: true,
        auto: true,
        footer: None,
        ticket_max_age: std::time::Duration::from_secs(900),
    }
}

pub fn network_config(address: String) -> PrinterConfig {
    PrinterConfig {
        target: PrinterTarget::Network(address),
        ..device_config(Path::new("/unused"))
    }
}

/// Polls `done` until it holds; fails the test after 10 s instead of
/// hanging it.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
