// Each test binary uses a different part of these helpers.
#![allow(dead_code)]

pub mod escpos_text;

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
