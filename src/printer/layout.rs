//! Receipt and ticket layout as a printer-independent document. Every
//! `Block::Text` is exactly one printed line that fits the paper, so the
//! printer never wraps on its own (it would split a CJK character or an
//! amount).

use super::labels::Labels;
use super::text::{clean, spread, width, wrap};

/// Font A characters per line on common 203 dpi printers.
pub fn columns_for(width_mm: u32) -> usize {
    if width_mm <= 58 { 32 } else { 48 }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Normal,
    /// Double height only: easier to read, keeps the column count.
    Tall,
    /// Double width and height.
    Large,
    /// Triple width and height, for the kitchen's order number.
    Huge,
}

impl Size {
    /// (width, height) multipliers.
    pub fn scale(self) -> (u8, u8) {
        match self {
            Size::Normal => (1, 1),
            Size::Tall => (1, 2),
            Size::Large => (2, 2),
            Size::Huge => (3, 3),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Text {
        text: String,
        bold: bool,
        size: Size,
        align: Align,
    },
    /// A full-width line of dashes.
    Rule,
    /// Blank lines.
    Feed(u8),
    Cut,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub columns: usize,
    pub blocks: Vec<Block>,
}

impl Document {
    fn new(columns: usize) -> Self {
        Document {
            columns,
            blocks: Vec::new(),
        }
    }

    /// Adds `text` wrapped to fit, one block per line.
    fn text(&mut self, text: &str, size: Size, bold: bool, align: Align) {
        let columns = self.columns / usize::from(size.scale().0);
        for line in wrap(&clean(text), columns, columns) {
            self.blocks.push(Block::Text {
                text: line,
                bold,
                size,
                align,
            });
        }
    }

    fn line(&mut self, text: String, bold: bool) {
        self.blocks.push(Block::Text {
            text,
            bold,
            size: Size::Normal,
            align: Align::Left,
        });
    }

    /// The document as it would look on paper, for tests and previews:
    /// alignment is applied in printer cells (a double-width character
    /// counts its full width) and a cut shows as "--- cut ---".
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for block in &self.blocks {
            match block {
                Block::Text {
                    text, size, align, ..
                } => {
                    let cells = width(text) * usize::from(size.scale().0);
                    let free = self.columns.saturating_sub(cells);
                    let pad = match align {
                        Align::Left => 0,
                        Align::Center => free / 2,
                        Align::Right => free,
                    };
                    out.push(format!("{}{text}", " ".repeat(pad)));
                }
                Block::Rule => out.push("-".repeat(self.columns)),
                Block::Feed(n) => out.extend((0..*n).map(|_| String::new())),
                Block::Cut => out.push("--- cut ---".into()),
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptLine {
    pub quantity: u32,
    pub name: String,
    /// Already formatted, e.g. "£6.40".
    pub amount: String,
}

/// One tax rate's line on a receipt, amounts already formatted without a currency sign (`4.17`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptTax {
    /// `20%`, `7.5%`.
    pub rate: String,
    pub net: String,
    pub tax: String,
    pub gross: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub shop_name: String,
    /// Already formatted date and time.
    pub when: String,
    /// As the counter calls it out: `42`, or `A-42` with an order prefix.
    pub order_number: String,
    /// When it was paid, on a first print that comes late; `None` on time.
    pub late: Option<String>,
    pub lines: Vec<ReceiptLine>,
    pub tip: Option<String>,
    pub total: String,
    /// What the tax is called (`VAT`), its lines per rate (none: no tax table) and its total, formatted.
    pub tax_name: String,
    pub tax: Vec<ReceiptTax>,
    pub tax_total: Option<String>,
    /// The payment session id.
    pub reference: String,
    pub kiosk_id: String,
    pub footer: Option<String>,
}

/// A refund slip: what went back, why, and which sale it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundSlip {
    pub shop_name: String,
    /// When the refund succeeded, formatted.
    pub when: String,
    /// The original sale's order number as the counter called it.
    pub order_number: Option<String>,
    /// What was refunded, formatted with the currency.
    pub amount: String,
    /// `requested_by_customer`, `duplicate` or `fraudulent` (printed in the slip's language).
    pub reason: String,
    /// The original sale: when, its total, its session id.
    pub sale_when: String,
    pub sale_total: String,
    pub sale_reference: String,
    /// WooshPay's refund id.
    pub refund_id: String,
    pub kiosk_id: String,
    /// The refund's share of tax per rate (empty: no tax table).
    pub tax_name: String,
    pub tax: Vec<ReceiptTax>,
    pub tax_total: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// As the counter calls it out: `42`, or `A-42` with an order prefix.
    pub order_number: String,
    pub when: String,
    /// The kiosk that took the order: kiosks sharing a kitchen printer are told apart on every ticket.
    pub kiosk_id: String,
    /// When it was paid, on a ticket staff sent late; `None` on time.
    pub late: Option<String>,
    /// (quantity, name)
    pub lines: Vec<(u32, String)>,
}

pub fn receipt(r: &Receipt, labels: &Labels, columns: usize) -> Document {
    let mut doc = Document::new(columns);
    doc.text(&r.shop_name, Size::Large, false, Align::Center);
    doc.text(&r.when, Size::Normal, false, Align::Center);
    doc.blocks.push(Block::Feed(1));
    let order = format!("{} {}", labels.order, r.order_number);
    doc.text(&order, Size::Large, true, Align::Center);
    if let Some(paid) = &r.late {
        doc.text(
            &format!("{} {paid}", labels.late),
            Size::Normal,
            true,
            Align::Center,
        );
    }
    doc.blocks.push(Block::Rule);
    for line in &r.lines {
        for text in item_lines(line.quantity, &line.name, Some(&line.amount), columns) {
            doc.line(text, false);
        }
    }
    doc.blocks.push(Block::Rule);
    if let Some(tip) = &r.tip {
        for text in item_lines_label(labels.tip, tip, columns) {
            doc.line(text, false);
        }
    }
    for text in item_lines_label(labels.total, &r.total, columns) {
        doc.line(text, true);
    }
    if !r.tax.is_empty() {
        doc.blocks.push(Block::Rule);
        tax_table(&mut doc, r, labels);
    }
    doc.blocks.push(Block::Rule);
    doc.text(labels.paid_with, Size::Normal, false, Align::Center);
    let reference = format!("{}: {}", labels.reference, r.reference);
    doc.text(&reference, Size::Normal, false, Align::Left);
    let kiosk = format!("{}: {}", labels.kiosk, r.kiosk_id);
    doc.text(&kiosk, Size::Normal, false, Align::Left);
    if let Some(footer) = r.footer.as_deref().filter(|f| !f.trim().is_empty()) {
        doc.blocks.push(Block::Feed(1));
        // Line breaks in the configured footer are deliberate.
        for part in footer.trim().lines() {
            doc.text(part, Size::Normal, false, Align::Center);
        }
    }
    doc.blocks.push(Block::Feed(1));
    doc.blocks.push(Block::Cut);
    doc
}

pub fn refund_slip(s: &RefundSlip, labels: &Labels, columns: usize) -> Document {
    let mut doc = Document::new(columns);
    doc.text(&s.shop_name, Size::Large, false, Align::Center);
    doc.text(labels.refund_heading, Size::Large, true, Align::Center);
    doc.text(&s.when, Size::Normal, false, Align::Center);
    doc.blocks.push(Block::Rule);
    for text in item_lines_label(labels.refunded, &s.amount, columns) {
        doc.line(text, true);
    }
    let reason = match s.reason.as_str() {
        "requested_by_customer" => labels.requested_by_customer,
        "duplicate" => labels.duplicate,
        "fraudulent" => labels.fraudulent,
        other => other,
    };
    doc.text(
        &format!("{}: {reason}", labels.reason),
        Size::Normal,
        false,
        Align::Left,
    );
    if !s.tax.is_empty() {
        doc.blocks.push(Block::Rule);
        let as_receipt = Receipt {
            shop_name: String::new(),
            when: String::new(),
            order_number: String::new(),
            late: None,
            lines: Vec::new(),
            tip: None,
            total: String::new(),
            tax_name: s.tax_name.clone(),
            tax: s.tax.clone(),
            tax_total: s.tax_total.clone(),
            reference: String::new(),
            kiosk_id: String::new(),
            footer: None,
        };
        tax_table(&mut doc, &as_receipt, labels);
    }
    doc.blocks.push(Block::Rule);
    doc.text(labels.original_sale, Size::Normal, true, Align::Left);
    if let Some(order) = &s.order_number {
        doc.text(
            &format!("{} {order}", labels.order),
            Size::Normal,
            false,
            Align::Left,
        );
    }
    doc.text(&s.sale_when, Size::Normal, false, Align::Left);
    for text in item_lines_label(labels.total, &s.sale_total, columns) {
        doc.line(text, false);
    }
    doc.text(
        &format!("{}: {}", labels.reference, s.sale_reference),
        Size::Normal,
        false,
        Align::Left,
    );
    doc.blocks.push(Block::Rule);
    doc.text(
        &format!("{} {}", labels.refund_heading, s.refund_id),
        Size::Normal,
        false,
        Align::Left,
    );
    doc.text(
        &format!("{}: {}", labels.kiosk, s.kiosk_id),
        Size::Normal,
        false,
        Align::Left,
    );
    doc.blocks.push(Block::Feed(1));
    doc.blocks.push(Block::Cut);
    doc
}

pub fn ticket(t: &Ticket, labels: &Labels, columns: usize) -> Document {
    let mut doc = Document::new(columns);
    doc.text(labels.ticket_heading, Size::Normal, true, Align::Center);
    doc.text(&t.order_number, Size::Huge, true, Align::Center);
    doc.text(&t.when, Size::Normal, false, Align::Center);
    let kiosk = format!("{}: {}", labels.kiosk, t.kiosk_id);
    doc.text(&kiosk, Size::Normal, false, Align::Center);
    if let Some(paid) = &t.late {
        doc.text(
            &format!("{} {paid}", labels.late),
            Size::Normal,
            true,
            Align::Center,
        );
    }
    doc.blocks.push(Block::Rule);
    for (quantity, name) in &t.lines {
        for text in item_lines(*quantity, name, None, columns) {
            doc.blocks.push(Block::Text {
                text,
                bold: true,
                size: Size::Tall,
                align: Align::Left,
            });
        }
    }
    doc.blocks.push(Block::Rule);
    doc.blocks.push(Block::Feed(1));
    doc.blocks.push(Block::Cut);
    doc
}

/// Per rate: rate, net, tax, gross in right-aligned columns, then the total tax. Where an amount is too wide
/// for its column (narrow paper, a huge sale), each rate gets its own wrapped line instead.
fn tax_table(doc: &mut Document, r: &Receipt, labels: &Labels) {
    let columns = doc.columns;
    let rate_width = 7;
    let cell = columns.saturating_sub(rate_width) / 3;
    let head = [labels.net, r.tax_name.as_str(), labels.gross];
    let fits = r.tax.iter().all(|t| {
        [&t.net, &t.tax, &t.gross].iter().all(|a| width(a) < cell) && width(&t.rate) < rate_width
    }) && head.iter().all(|h| width(&clean(h)) < cell);
    if fits {
        let row = |first: &str, cells: [&str; 3]| {
            let mut line = format!(
                "{first}{}",
                " ".repeat(rate_width.saturating_sub(width(first)))
            );
            for text in cells {
                line.push_str(&" ".repeat(cell - width(text)));
                line.push_str(text);
            }
            line
        };
        doc.line(row("%", head), false);
        for t in &r.tax {
            doc.line(row(&t.rate, [&t.net, &t.tax, &t.gross]), false);
        }
    } else {
        for t in &r.tax {
            let text = format!(
                "{} {}: {} {}, {} {}, {} {}",
                r.tax_name, t.rate, labels.net, t.net, r.tax_name, t.tax, labels.gross, t.gross
            );
            doc.text(&text, Size::Normal, false, Align::Left);
        }
    }
    if let Some(total) = &r.tax_total {
        for text in item_lines_label(&format!("{} {}", labels.total, r.tax_name), total, columns) {
            doc.line(text, false);
        }
    }
}

/// "2 × Flat white      £6.40": the name wraps under itself, the amount
/// sits right-aligned on the first line.
fn item_lines(quantity: u32, name: &str, amount: Option<&str>, columns: usize) -> Vec<String> {
    let prefix = format!("{quantity} × ");
    let indent = width(&prefix);
    let amount = amount.map(clean).unwrap_or_default();
    let amount_w = width(&amount);
    let rest = columns.saturating_sub(indent);
    let first = if amount.is_empty() {
        rest
    } else {
        rest.saturating_sub(amount_w + 1)
    };
    // With a huge amount on narrow paper the name gets its own lines and
    // the amount a line of its own.
    let amount_own_line = first < 4;
    let first = if amount_own_line { rest } else { first };
    let mut out: Vec<String> = wrap(&clean(name), first, rest)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let lead = if i == 0 {
                prefix.clone()
            } else {
                " ".repeat(indent)
            };
            format!("{lead}{part}")
        })
        .collect();
    if !amount.is_empty() {
        if amount_own_line {
            out.push(format!(
                "{}{amount}",
                " ".repeat(columns.saturating_sub(amount_w))
            ));
        } else {
            out[0] = spread(&out[0], &amount, columns);
        }
    }
    out
}

/// "Total                £10.60", wrapping the label if it must.
fn item_lines_label(label: &str, amount: &str, columns: usize) -> Vec<String> {
    let amount = clean(amount);
    let first = columns.saturating_sub(width(&amount) + 1);
    let mut out = wrap(label, first, columns);
    out[0] = spread(&out[0], &amount, columns);
    out
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
