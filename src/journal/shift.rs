//! Shift reports: the totals staff count the till against. A sale counts in the shift in which its outcome
//! became known: settled sales are given the shift when it is closed, and a sale still pending at Close shift
//! stays uncounted (listed as pending) until it settles, then counts in the shift open at that time, a late
//! payment of an earlier sale when it was paid. So every sale counts in exactly one shift.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::record::{SaleOutcome, SaleRecord};
use super::refund::RefundRecord;
use super::{Journal, JournalError};

/// Totals for a shift: what staff count the till against. Amounts per currency, in minor units.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ShiftTotals {
    pub opened_ms: i64,
    pub closed_ms: Option<i64>,
    pub sales: u32,
    pub paid: u32,
    /// `(currency, minor units)` of paid sales, one entry per currency seen.
    pub gross_paid: Vec<(String, i64)>,
    pub expired: u32,
    pub cancelled: u32,
    pub failed: u32,
    pub pending: u32,
    /// `(currency, minor units)` of tips within `gross_paid`; absent from reports stored before tips existed.
    #[serde(default)]
    pub tips: Vec<(String, i64)>,
    /// Paid in this shift, begun before it (still pending when the last shift was closed): within `paid`.
    #[serde(default)]
    pub late_paid: u32,
    /// `(currency, minor units)` of those late payments, within `gross_paid`.
    #[serde(default)]
    pub late_paid_amount: Vec<(String, i64)>,
    /// When the earliest sale counted here was begun (before `opened_ms` for a late payment): a comparison with
    /// WooshPay of this shift lists sessions from then on.
    #[serde(default)]
    pub sales_from_ms: Option<i64>,
    /// Refunds WooshPay confirmed in this shift (of sales from this shift or earlier ones).
    #[serde(default)]
    pub refunds: u32,
    /// `(currency, minor units)` refunded.
    #[serde(default)]
    pub refunded: Vec<(String, i64)>,
    /// `(currency, minor units)`: `gross_paid` less `refunded`, what the till should hold from WooshPay.
    #[serde(default)]
    pub net: Vec<(String, i64)>,
    /// The paid sales' tax per currency and rate.
    #[serde(default)]
    pub tax: Vec<ShiftTax>,
    /// The refunds' share of tax per currency and rate (in proportion to each refund).
    #[serde(default)]
    pub refunded_tax: Vec<ShiftTax>,
}

/// One rate's totals in one currency, in minor units.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ShiftTax {
    pub currency: String,
    pub rate: crate::tax::TaxRate,
    pub net: i64,
    pub tax: i64,
    pub gross: i64,
}

fn add_tax(totals: &mut Vec<ShiftTax>, currency: &str, lines: &[crate::tax::TaxLine]) {
    for line in lines {
        match totals
            .iter_mut()
            .find(|t| t.currency == currency && t.rate == line.rate)
        {
            Some(total) => {
                total.net += line.net;
                total.tax += line.tax;
                total.gross += line.gross;
            }
            None => totals.push(ShiftTax {
                currency: currency.to_owned(),
                rate: line.rate,
                net: line.net,
                tax: line.tax,
                gross: line.gross,
            }),
        }
    }
    totals.sort_by(|a, b| (&a.currency, a.rate).cmp(&(&b.currency, b.rate)));
}

/// Adds `amount` to the entry for `currency`, starting one when it is the first.
fn add_to(totals: &mut Vec<(String, i64)>, currency: &str, amount: i64) {
    match totals.iter_mut().find(|(c, _)| c == currency) {
        Some((_, total)) => *total += amount,
        None => totals.push((currency.to_owned(), amount)),
    }
}

impl ShiftTotals {
    fn add(&mut self, sale: &SaleRecord) {
        self.sales += 1;
        self.sales_from_ms = Some(
            self.sales_from_ms
                .map_or(sale.created_ms, |from| from.min(sale.created_ms)),
        );
        match sale.outcome {
            SaleOutcome::Paid => {
                self.paid += 1;
                add_to(
                    &mut self.gross_paid,
                    sale.currency.code(),
                    sale.amount_total,
                );
                if sale.tip_amount > 0 {
                    add_to(&mut self.tips, sale.currency.code(), sale.tip_amount);
                }
                add_tax(&mut self.tax, sale.currency.code(), &sale.order().tax());
                if sale.created_ms < self.opened_ms {
                    self.late_paid += 1;
                    add_to(
                        &mut self.late_paid_amount,
                        sale.currency.code(),
                        sale.amount_total,
                    );
                }
            }
            SaleOutcome::Expired => self.expired += 1,
            SaleOutcome::Cancelled => self.cancelled += 1,
            SaleOutcome::Failed => self.failed += 1,
            SaleOutcome::Pending => self.pending += 1,
        }
    }
}

impl ShiftTotals {
    fn add_refund(&mut self, refund: &RefundRecord, sale: Option<&SaleRecord>) {
        self.refunds += 1;
        add_to(&mut self.refunded, &refund.currency, refund.amount);
        if let Some(sale) = sale {
            let share =
                crate::tax::refund_share(&sale.order().tax(), refund.amount, sale.amount_total);
            add_tax(&mut self.refunded_tax, &refund.currency, &share);
        }
    }

    /// `net` from `gross_paid` and `refunded`.
    fn work_out_net(&mut self) {
        let mut net = self.gross_paid.clone();
        for (currency, refunded) in &self.refunded {
            add_to(&mut net, currency, -refunded);
        }
        self.net = net;
    }
}

impl Journal {
    /// When the current shift began: the end of the last closed one, else the first sale ever.
    fn shift_opened_ms(&self) -> Result<i64, JournalError> {
        self.conn
            .query_row(
                "SELECT COALESCE((SELECT MAX(closed_ms) FROM shifts), (SELECT MIN(created_ms) FROM sales), 0)",
                [],
                |row| row.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// No sale below this row is still uncounted (see migration 7).
    fn open_shift_from_id(&self) -> Result<i64, JournalError> {
        self.conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM journal_meta WHERE key = 'open_shift_from_id'",
                [],
                |row| row.get(0),
            )
            .optional()
            .map(|from| from.unwrap_or(0))
            .map_err(|e| self.err(e))
    }

    /// Totals of the shift still open: every sale not counted in a closed shift (settled since the last close,
    /// or still pending).
    pub fn current_shift(&self) -> Result<ShiftTotals, JournalError> {
        let opened_ms = self.shift_opened_ms()?;
        let mut totals = ShiftTotals {
            opened_ms,
            ..ShiftTotals::default()
        };
        let from = self.open_shift_from_id()?;
        for sale in self.query(
            "WHERE id >= ?1 AND shift_id IS NULL ORDER BY id",
            params![from],
        )? {
            totals.add(&sale);
        }
        for refund in self.uncounted_refunds()? {
            let sale = self.sale(refund.sale_row)?;
            totals.add_refund(&refund, sale.as_ref());
        }
        totals.work_out_net();
        Ok(totals)
    }

    /// Stores the open shift's report and starts a new shift; the stored report is returned. Its settled sales
    /// are counted in it for good; its pending ones wait for the shift in which they settle.
    pub fn close_shift(&self, now_ms: i64) -> Result<ShiftTotals, JournalError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let mut totals = self.current_shift()?;
        totals.closed_ms = Some(now_ms.max(totals.opened_ms));
        let report = serde_json::to_string(&totals).expect("shift totals serialise");
        let from = self.open_shift_from_id()?;
        tx.execute(
            "INSERT INTO shifts (opened_ms, closed_ms, report_json) VALUES (?1, ?2, ?3)",
            params![totals.opened_ms, totals.closed_ms, report],
        )
        .map_err(|e| self.err(e))?;
        let shift = tx.last_insert_rowid();
        tx.execute(
            "UPDATE sales SET shift_id = ?1 WHERE id >= ?2 AND shift_id IS NULL AND outcome != 'pending'",
            params![shift, from],
        )
        .map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT OR REPLACE INTO journal_meta (key, value) VALUES ('open_shift_from_id', (
                 SELECT COALESCE(
                     (SELECT MIN(id) FROM sales WHERE id >= ?1 AND shift_id IS NULL),
                     (SELECT COALESCE(MAX(id), 0) + 1 FROM sales)
                 )
             ))",
            params![from],
        )
        .map_err(|e| self.err(e))?;
        tx.execute(
            "UPDATE refunds SET shift_id = ?1 WHERE status = 'succeeded' AND shift_id IS NULL",
            params![shift],
        )
        .map_err(|e| self.err(e))?;
        super::order_number::restart(&tx).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(totals)
    }

    /// Closed shift reports, newest first.
    pub fn shift_reports(&self, limit: u32) -> Result<Vec<ShiftTotals>, JournalError> {
        let mut statement = self
            .conn
            .prepare("SELECT report_json FROM shifts ORDER BY id DESC LIMIT ?1")
            .map_err(|e| self.err(e))?;
        let rows = statement
            .query_map(params![limit], |row| row.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut reports = Vec::new();
        for row in rows {
            let json = row.map_err(|e| self.err(e))?;
            if let Ok(report) = serde_json::from_str(&json) {
                reports.push(report);
            }
        }
        Ok(reports)
    }
}
