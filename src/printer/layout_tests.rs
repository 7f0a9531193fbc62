use super::*;
use crate::printer::{labels::labels, text};

fn sample() -> Receipt {
    Receipt {
        shop_name: "Corner Café".into(),
        when: "2025-06-01 14:32".into(),
        order_number: "42".into(),
        late: None,
        lines: vec![
            ReceiptLine {
                quantity: 2,
                name: "Flat white".into(),
                amount: "£6.40".into(),
            },
            ReceiptLine {
                quantity: 1,
                name: "Almond croissant with extra butter".into(),
                amount: "£3.20".into(),
            },
        ],
        tip: Some("£1.00".into()),
        total: "£10.60".into(),
        tax_name: String::new(),
        tax: Vec::new(),
        tax_total: None,
        reference: "cs_test_a1b2c3d4e5f6g7h8i9j0".into(),
        kiosk_id: "kiosk-01".into(),
        footer: Some("Thank you!\nSee you soon".into()),
    }
}

#[test]
fn receipt_58mm_as_text() {
    let doc = receipt(&sample(), &labels("en"), 32);
    let want = [
        "     Corner Café",
        "        2025-06-01 14:32",
        "",
        "        Order 42",
        "--------------------------------",
        "2 × Flat white             £6.40",
        "1 × Almond croissant with  £3.20",
        "    extra butter",
        "--------------------------------",
        "Tip                        £1.00",
        "Total                     £10.60",
        "--------------------------------",
        "       Paid with WooshPay",
        "Ref:",
        "cs_test_a1b2c3d4e5f6g7h8i9j0",
        "Kiosk: kiosk-01",
        "",
        "           Thank you!",
        "          See you soon",
        "",
        "--- cut ---",
    ];
    assert_eq!(doc.lines(), want);
}

#[test]
fn styles() {
    let doc = receipt(&sample(), &labels("en"), 48);
    let find = |needle: &str| {
        doc.blocks
            .iter()
            .find_map(|b| match b {
                Block::Text {
                    text, bold, size, ..
                } if text.contains(needle) => Some((*bold, *size)),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(find("Corner"), (false, Size::Large));
    assert_eq!(find("Order 42"), (true, Size::Large));
    assert_eq!(find("Total"), (true, Size::Normal));
    assert_eq!(find("Tip"), (false, Size::Normal));
    assert_eq!(doc.blocks.last(), Some(&Block::Cut));
}

#[test]
fn no_tip_no_footer() {
    let mut r = sample();
    r.tip = None;
    r.footer = Some("  ".into());
    let lines = receipt(&r, &labels("en"), 48).lines();
    assert!(!lines.iter().any(|l| l.starts_with("Tip")));
    assert_eq!(lines[lines.len() - 3], "Kiosk: kiosk-01");
}

#[test]
fn chinese_columns_count_double() {
    let mut r = sample();
    r.lines = vec![ReceiptLine {
        quantity: 3,
        name: "超大杯燕麦拿铁加浓缩咖啡".into(),
        amount: "¥96.00".into(),
    }];
    let lines = receipt(&r, &labels("zh-CN"), 32).lines();
    assert!(
        lines.contains(&"3 × 超大杯燕麦拿铁加浓缩  ¥96.00".to_owned()),
        "{lines:#?}"
    );
    assert!(lines.contains(&"    咖啡".to_owned()));
    assert!(lines.contains(&"         订单 42".to_owned()));
    for line in &lines {
        assert!(text::width(line) <= 32, "{line}");
    }
}

#[test]
fn every_line_fits_at_both_widths_and_sizes() {
    let mut r = sample();
    r.shop_name = "The Extraordinarily Long Named Coffee Roastery of Southampton".into();
    r.lines[0].name = "Supercalifragilisticexpialidocious-latte-with-oat".into();
    r.lines[1].amount = "£1,234,567,890.00".into();
    for columns in [32, 48] {
        for lang in ["en", "de", "zh-CN"] {
            let doc = receipt(&r, &labels(lang), columns);
            for block in &doc.blocks {
                if let Block::Text { text, size, .. } = block {
                    let cells = text::width(text) * usize::from(size.scale().0);
                    assert!(cells <= columns, "{columns} {lang}: {text:?} {size:?}");
                }
            }
        }
    }
}

#[test]
fn huge_amount_gets_its_own_line() {
    let lines = item_lines(1, "Gift card", Some("£1,234,567,890,123,456.00"), 32);
    assert_eq!(lines, ["1 × Gift card", "       £1,234,567,890,123,456.00"]);
}

#[test]
fn names_are_cleaned_of_control_characters() {
    let lines = item_lines(1, "Tea\x1b@\nbag", Some("£1"), 16);
    assert_eq!(lines, ["1 × Tea @ bag £1"]);
}

#[test]
fn ticket_has_no_prices() {
    let t = Ticket {
        order_number: "B-42".into(),
        late: None,
        when: "14:32".into(),
        kiosk_id: "front-2".into(),
        lines: vec![
            (2, "Flat white".into()),
            (1, "Küchen-Spezial mit Extra Sahne".into()),
        ],
    };
    let doc = ticket(&t, &labels("de"), 32);
    assert_eq!(
        doc.lines(),
        [
            "             Küche",
            "          B-42",
            "             14:32",
            "         Kiosk: front-2",
            "--------------------------------",
            "2 × Flat white",
            "1 × Küchen-Spezial mit Extra",
            "    Sahne",
            "--------------------------------",
            "",
            "--- cut ---",
        ]
    );
    assert!(matches!(
        &doc.blocks[1],
        Block::Text {
            size: Size::Huge,
            bold: true,
            ..
        }
    ));
}

#[test]
fn columns() {
    assert_eq!(columns_for(58), 32);
    assert_eq!(columns_for(80), 48);
}
