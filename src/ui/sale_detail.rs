//! One sale from the staff screen's list, and its refund (`ui/screens/sale_detail.slint`): the sale's figures from
//! the journal with Refund, Reprint and Re-check, then the amount keypad, the reason and the confirmation, then
//! WooshPay's answer. The rules are `crate::kiosk::RefundEntry`'s; the money path is the engine's
//! (`crate::refund`: journalled before it is sent, never made twice).

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::kiosk::{Kiosk, with};
use super::{AdminAdapter, AppWindow, DetailRow, SaleAdapter, Strings, convert};
use crate::journal::{RefundRecord, RefundState, SaleRecord, refunded_and_left};
use crate::kiosk::{OpenSale, RefundEntry, RefundStep};
use crate::money::Money;
use crate::order::{TAX_ITEM_ID, TIP_ITEM_ID};
use crate::refund::{RefundAsk, RefundResult};
use crate::wooshpay::RefundReason;

pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let admin = window.global::<AdminAdapter>();
    let weak = Rc::downgrade(kiosk);
    admin.on_open_sale(move |id| with(&weak, |k| k.open_sale(id.to_string())));

    let adapter = window.global::<SaleAdapter>();
    let weak = Rc::downgrade(kiosk);
    adapter.on_close(move || with(&weak, |k| k.close_sale()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_reprint(move || {
        with(&weak, |k| {
            if let Some(id) = k.open_session() {
                k.reprint(&id);
            }
        })
    });
    let weak = Rc::downgrade(kiosk);
    adapter.on_recheck(move || {
        with(&weak, |k| {
            if let Some(id) = k.open_session() {
                k.close_sale();
                k.recheck(id);
            }
        })
    });
    let weak = Rc::downgrade(kiosk);
    adapter.on_refund(move || {
        with(&weak, |k| {
            k.key_refund(|e| {
                e.start();
            })
        })
    });
    let weak = Rc::downgrade(kiosk);
    adapter.on_digit(move |d| with(&weak, |k| k.key_refund(|e| e.digit(&d))));
    let weak = Rc::downgrade(kiosk);
    adapter.on_erase(move || with(&weak, |k| k.key_refund(RefundEntry::erase)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_whole(move || with(&weak, |k| k.key_refund(RefundEntry::whole)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_next(move || {
        with(&weak, |k| {
            k.key_refund(|e| {
                e.to_confirmation();
            })
        })
    });
    let weak = Rc::downgrade(kiosk);
    adapter.on_choose_reason(move |word| {
        with(&weak, |k| {
            if let Some(reason) = RefundReason::parse(&word) {
                k.key_refund(|e| e.choose_reason(reason));
            }
        })
    });
    let weak = Rc::downgrade(kiosk);
    adapter
        .on_toggle_goods(move || with(&weak, |k| k.key_refund(RefundEntry::toggle_goods_returned)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_confirm(move || with(&weak, Kiosk::send_refund));
    let weak = Rc::downgrade(kiosk);
    adapter.on_back(move || {
        with(&weak, |k| {
            let to_sale = k
                .state
                .borrow()
                .open_sale
                .as_ref()
                .is_some_and(|open| open.entry.step() == RefundStep::Answer);
            if to_sale {
                // From WooshPay's answer back to the sale, with its figures read again.
                let id = k.open_session().unwrap_or_default();
                k.open_sale(id);
            } else {
                k.key_refund(RefundEntry::back);
            }
        })
    });
}

impl Kiosk {
    fn open_session(&self) -> Option<String> {
        self.state
            .borrow()
            .open_sale
            .as_ref()
            .map(|open| open.session_id.clone())
    }

    /// The sale and its refunds, read from the journal now.
    fn sale_and_refunds(&self, session_id: &str) -> Option<(SaleRecord, Vec<RefundRecord>)> {
        let read = self.context.engine.with_journal(|journal| {
            let sale = journal.by_session(session_id)?;
            let refunds = match &sale {
                Some(sale) => journal.refunds_of(sale.row_id)?,
                None => Vec::new(),
            };
            Ok::<_, crate::journal::JournalError>(sale.map(|sale| (sale, refunds)))
        });
        match read {
            Ok(found) => found,
            Err(error) => {
                tracing::error!(%error, session = session_id, "cannot read the sale");
                None
            }
        }
    }

    pub(super) fn open_sale(&self, session_id: String) {
        let Some((sale, refunds)) = self.sale_and_refunds(&session_id) else {
            return;
        };
        let left = if sale.outcome == crate::journal::SaleOutcome::Paid
            && !refunds.iter().any(|r| r.state == RefundState::Requested)
        {
            refunded_and_left(&sale, &refunds).1
        } else {
            0
        };
        self.state.borrow_mut().open_sale = Some(OpenSale {
            session_id,
            entry: RefundEntry::for_sale(left),
            answer: None,
        });
        self.show_sale();
    }

    pub(super) fn close_sale(&self) {
        self.state.borrow_mut().open_sale = None;
        if let Some(window) = self.ui() {
            window.global::<SaleAdapter>().set_open(false);
        }
        self.refresh_admin();
    }

    /// A key of the refund: the entry changes, the screen follows.
    fn key_refund(&self, change: impl FnOnce(&mut RefundEntry)) {
        if let Some(open) = self.state.borrow_mut().open_sale.as_mut() {
            change(&mut open.entry);
        }
        self.show_sale();
    }

    /// Fills the sale screen from the journal and the entry.
    fn show_sale(&self) {
        let Some(window) = self.ui() else { return };
        let adapter = window.global::<SaleAdapter>();
        let (session_id, entry, answer) = match self.state.borrow().open_sale.as_ref() {
            Some(open) => (
                open.session_id.clone(),
                open.entry.clone(),
                open.answer.clone(),
            ),
            None => {
                adapter.set_open(false);
                return;
            }
        };
        let Some((sale, refunds)) = self.sale_and_refunds(&session_id) else {
            adapter.set_open(false);
            return;
        };
        let strings = window.global::<Strings>();
        let money = |minor: i64| convert::money(Money::new(minor, sale.currency));
        let order = sale
            .order_number
            .map(|n| crate::order::order_label(self.context.order_prefix.as_deref(), n));
        let time = convert::local_day_and_time(sale.created_ms);
        adapter.set_title(
            match &order {
                Some(order) => format!("#{order} · {time}"),
                None => time.clone(),
            }
            .into(),
        );
        // The goods: the sale's lines without its tip and its added tax.
        let goods: Vec<&crate::order::OrderLine> = sale
            .lines
            .iter()
            .filter(|line| line.item_id != TIP_ITEM_ID && line.item_id != TAX_ITEM_ID)
            .collect();
        let lines: Vec<SharedString> = goods
            .iter()
            .map(|line| {
                format!(
                    "{} × {}   {}",
                    line.quantity,
                    line.name,
                    money(line.amount())
                )
                .into()
            })
            .collect();
        adapter.set_lines(ModelRc::new(VecModel::from(lines)));
        let (refunded, left) = refunded_and_left(&sale, &refunds);
        let row = |label: SharedString, value: String, strong: bool| DetailRow {
            label,
            value: value.into(),
            strong,
        };
        let mut rows = vec![row(strings.invoke_detail_time(), time, false)];
        if let Some(order) = &order {
            rows.push(row(strings.invoke_detail_order(), order.clone(), false));
        }
        if sale.tip_amount > 0 {
            rows.push(row(
                strings.invoke_detail_tip(),
                money(sale.tip_amount),
                false,
            ));
        }
        let tax_name = &self.context.engine.settings().tax.name;
        for line in sale.order().tax() {
            rows.push(row(
                format!("{tax_name} {}%", line.rate).into(),
                format!("{} / {}", money(line.tax), money(line.gross)),
                false,
            ));
        }
        rows.push(row(
            strings.invoke_detail_paid(),
            money(sale.amount_total),
            true,
        ));
        if refunded > 0 || !refunds.is_empty() {
            rows.push(row(strings.invoke_detail_refunded(), money(refunded), true));
        }
        for refund in refunds.iter().filter(|r| r.state != RefundState::Succeeded) {
            rows.push(row(
                strings.invoke_detail_refunded(),
                format!("{} ({})", money(refund.amount), refund.state.as_str()),
                false,
            ));
        }
        if sale.outcome == crate::journal::SaleOutcome::Paid {
            rows.push(row(strings.invoke_detail_left(), money(left), false));
        }
        rows.push(row(
            strings.invoke_detail_state(),
            strings.invoke_outcome(sale.outcome.as_str().into()).into(),
            false,
        ));
        rows.push(row(
            strings.invoke_detail_reference(),
            format!("{}\n{}", sale.client_reference_id, session_id),
            false,
        ));
        adapter.set_rows(ModelRc::new(VecModel::from(rows)));
        adapter.set_can_refund(entry.can_refund());
        adapter.set_can_reprint(self.context.printer.is_some() && sale.order_number.is_some());
        adapter.set_can_recheck(true);
        adapter.set_amount(money(entry.amount()).into());
        adapter.set_most(money(entry.remaining()).into());
        adapter.set_can_continue(entry.can_continue());
        adapter.set_reason(entry.reason().as_str().into());
        adapter.set_goods_returned(entry.goods_returned());
        let amount = money(entry.amount());
        let mut confirm = match &order {
            Some(order) => strings.invoke_refund_confirm(amount.into(), order.as_str().into()),
            None => strings.invoke_refund_confirm_sale(amount.into()),
        }
        .to_string();
        // "Goods returned" puts every item of the sale back (a partial refund too): say which, so staff can
        // untick it when only some came back and set those counts on the Items card.
        if entry.goods_returned() {
            let goods = goods
                .iter()
                .map(|line| format!("{} × {}", line.quantity, line.name))
                .collect::<Vec<_>>()
                .join(", ");
            confirm = format!("{confirm}\n{}", strings.invoke_refund_goods(goods.into()));
        }
        adapter.set_confirm_text(confirm.into());
        if let Some((text, ok)) = answer {
            adapter.set_answer(text.into());
            adapter.set_answer_ok(ok);
        }
        adapter.set_step(entry.step().index());
        adapter.set_open(true);
    }

    /// Confirm: the refund goes to the engine (journalled, then sent); the answer comes back here.
    fn send_refund(self: &Rc<Self>) {
        let (session_id, request) = {
            let mut state = self.state.borrow_mut();
            let Some(open) = state.open_sale.as_mut() else {
                return;
            };
            let Some(request) = open.entry.confirm() else {
                return;
            };
            (open.session_id.clone(), request)
        };
        self.show_sale();
        let Some((sale, _)) = self.sale_and_refunds(&session_id) else {
            return;
        };
        let engine = self.context.engine.clone();
        let runtime = self.context.runtime.clone();
        let weak = Rc::downgrade(self);
        let ask = RefundAsk {
            amount: Some(request.amount),
            reason: request.reason,
            goods_returned: request.goods_returned,
        };
        let sale_row = sale.row_id;
        let spawned = slint::spawn_local(async move {
            let result = runtime
                .spawn(async move { engine.refund(sale_row, ask).await })
                .await
                .unwrap_or_else(|e| Err(format!("the refund stopped: {e}")));
            let Some(kiosk) = weak.upgrade() else { return };
            kiosk.refund_answered(&session_id, result);
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot send the refund");
        }
    }

    fn refund_answered(&self, session_id: &str, result: Result<RefundResult, String>) {
        let money =
            |sale: &SaleRecord, minor: i64| convert::money(Money::new(minor, sale.currency));
        let sale = self.sale_and_refunds(session_id).map(|(sale, _)| sale);
        let answer = match (&result, &sale) {
            (Ok(RefundResult::Answered(record)), Some(sale)) => match record.state {
                RefundState::Succeeded => {
                    self.print_refund_slip(sale, record);
                    self.refresh_stock();
                    (
                        self.text(|t| t.invoke_refund_done(money(sale, record.amount).into())),
                        true,
                    )
                }
                RefundState::Pending => (
                    self.text(|t| t.invoke_refund_pending(money(sale, record.amount).into())),
                    false,
                ),
                _ => {
                    let why = record
                        .detail
                        .clone()
                        .unwrap_or_else(|| record.state.as_str().to_owned());
                    (self.text(|t| t.invoke_refund_not_done(why.into())), false)
                }
            },
            (Ok(RefundResult::NotRefunded { record, message }), _) => {
                let unknown = record
                    .as_ref()
                    .is_some_and(|r| r.state == RefundState::Requested);
                if unknown {
                    (self.text(|t| t.invoke_refund_unknown()), false)
                } else {
                    (
                        self.text(|t| t.invoke_refund_not_done(message.as_str().into())),
                        false,
                    )
                }
            }
            (Ok(RefundResult::Refused(message)), _) | (Err(message), _) => (
                self.text(|t| t.invoke_refund_not_done(message.as_str().into())),
                false,
            ),
            (Ok(RefundResult::Answered(_)), None) => (String::new(), false),
        };
        if let Some(open) = self.state.borrow_mut().open_sale.as_mut()
            && open.session_id == session_id
        {
            open.entry.answered();
            open.answer = Some(answer);
        }
        self.show_sale();
    }
}
