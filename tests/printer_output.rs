//! Encoded receipts and tickets, decoded back to text by an independent
//! ESC/POS reader and compared with tests/expected/printer/*.txt exactly.
//! `UPDATE_EXPECTED=1 cargo test --test output` rewrites those files;
//! review the diff before committing it.

mod printer_support;

use printer_support::escpos_text::decode;
use std::path::Path;
use wooshpay_kiosk::printer::{
    Align, Block, Document, JobKind, Size, encode, labels, layout, receipt_job,
};

fn check(name: &str, doc: &Document) {
    let bytes = encode(doc).unwrap();
    let lines = decode(&bytes, doc.columns);
    let got = lines.join("\n") + "\n";
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected/printer")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, &got).unwrap();
    } else {
        let want =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            got,
            want,
            "{name}: printed text differs from {}",
            path.display()
        );
    }
    // The layout's own preview must match what the printer prints.
    let printed: Vec<String> = lines
        .iter()
        .map(|l| l.split_once('|').map_or(l.as_str(), |(_, t)| t).to_owned())
        .collect();
    let preview: Vec<String> = doc
        .lines()
        .iter()
        .map(|l| l.trim_end().to_owned())
        .collect();
    assert_eq!(printed, preview, "{name}: preview and print differ");
}

macro_rules! case {
    ($test:ident, $kind:ident, $lang:literal, $mm:literal) => {
        #[test]
        fn $test() {
            let columns = layout::columns_for($mm);
            let labels = labels($lang);
            let doc = match stringify!($kind) {
                "receipt" => layout::receipt(&printer_support::receipt($lang), &labels, columns),
                "refund_slip" => {
                    layout::refund_slip(&printer_support::refund_slip($lang), &labels, columns)
                }
                _ => layout::ticket(&printer_support::ticket($lang), &labels, columns),
            };
            check(&format!("{}-{}-{}", stringify!($kind), $lang, $mm), &doc);
        }
    };
}

case!(receipt_en_58, receipt, "en", 58);
case!(receipt_en_80, receipt, "en", 80);
case!(receipt_de_58, receipt, "de", 58);
case!(receipt_de_80, receipt, "de", 80);
case!(receipt_zh_58, receipt, "zh-CN", 58);
case!(receipt_zh_80, receipt, "zh-CN", 80);
case!(refund_slip_en_58, refund_slip, "en", 58);
case!(refund_slip_en_80, refund_slip, "en", 80);
case!(refund_slip_de_58, refund_slip, "de", 58);
case!(ticket_en_58, ticket, "en", 58);
case!(ticket_en_80, ticket, "en", 80);
case!(ticket_de_58, ticket, "de", 58);
case!(ticket_de_80, ticket, "de", 80);
case!(ticket_zh_58, ticket, "zh-CN", 58);
case!(ticket_zh_80, ticket, "zh-CN", 80);

/// The refund slip drawn on paper as the fake printer printed it, compared with `docs/screenshots/`
/// (`UPDATE_SCREENSHOTS=1` rewrites them; look at each one).
#[test]
fn refund_slips_on_paper_match_their_screenshots() {
    for mm in [58, 80] {
        let columns = layout::columns_for(mm);
        let doc = layout::refund_slip(&printer_support::refund_slip("en"), &labels("en"), columns);
        let lines = decode(&encode(&doc).unwrap(), columns);
        let drawn = printer_support::paper::draw(&lines, columns);
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/screenshots")
            .join(format!("refund-slip-{mm}mm.png"));
        if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            drawn.save(&path).unwrap();
            continue;
        }
        let want = image::open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .to_rgb8();
        let share = printer_support::paper::changed_share(&drawn, &want);
        if share > 0.005 {
            let actual = std::env::temp_dir().join(format!("refund-slip-{mm}mm.actual.png"));
            drawn.save(&actual).unwrap();
            panic!(
                "{}: {:.2} % of pixels differ; this run's drawing is {}",
                path.display(),
                share * 100.0,
                actual.display()
            );
        }
    }
}

#[test]
fn latin_and_chinese_characters_survive() {
    let text = "ÄÖÜäöüß €£¥× éèêàâçñÉ Ø 咖啡 ¥ 可颂，";
    let doc = Document {
        columns: 48,
        blocks: vec![Block::Text {
            text: text.into(),
            bold: false,
            size: Size::Normal,
            align: Align::Left,
        }],
    };
    assert_eq!(decode(&encode(&doc).unwrap(), 48), [format!("    |{text}")]);
}

#[test]
fn receipt_job_uses_the_configured_width() {
    let mut config = printer_support::device_config(Path::new("/dev/usb/lp0"));
    config.width_mm = 58;
    let job = receipt_job(&config, 7, &printer_support::receipt("de"), "de").unwrap();
    assert_eq!((job.sale_id, job.kind), (7, JobKind::Receipt));
    let lines = decode(&job.bytes, 32);
    assert!(
        lines.contains(&"2x2B|   Bestellung 42".to_owned()),
        "{lines:#?}"
    );
}
