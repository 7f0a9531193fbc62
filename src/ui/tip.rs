//! The tip view: "Add a tip?" after Charge, with each offered percentage worked out on the cart's total and an
//! equally prominent "No tip". The choice becomes a line of its own on the sale.

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, VecModel};

use super::kiosk::{Kiosk, with};
use super::{AppWindow, Screen, TipAdapter, TipChoice, convert};
use crate::kiosk::tip_options;

pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let adapter = window.global::<TipAdapter>();
    let weak = Rc::downgrade(kiosk);
    adapter.on_choose(move |index| with(&weak, |k| k.choose_tip(index)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_back(move || with(&weak, |k| k.show_screen(Screen::Catalog)));
}

impl Kiosk {
    /// The tips for the cart as it is now; a cart that cannot be charged stays on the catalog.
    pub(super) fn offer_tips(self: &Rc<Self>) {
        let Some(window) = self.ui() else { return };
        // Tips are offered on the goods; the total shown is what the customer pays before a tip (with the tax
        // where it is added at checkout).
        let (goods, total) = {
            let state = self.state.borrow();
            match state.cart.order(state.shelf.catalog()) {
                Ok(order) => (
                    order.total(),
                    order.with_tax(&self.context.engine.settings().tax).total(),
                ),
                Err(_) => return,
            }
        };
        let choices: Vec<TipChoice> = tip_options(goods, &self.context.tip_percentages)
            .into_iter()
            .map(|option| TipChoice {
                percent: format!("{} %", option.percent).into(),
                amount: convert::money(option.amount).into(),
            })
            .collect();
        let adapter = window.global::<TipAdapter>();
        adapter.set_total(convert::money(total).into());
        adapter.set_choices(ModelRc::new(VecModel::from(choices)));
        self.show_screen(Screen::Tip);
    }

    /// A choice's index, or -1 for No tip. The amount is worked out again from the cart, never read back
    /// from the screen.
    fn choose_tip(self: &Rc<Self>, index: i32) {
        let tip = {
            let state = self.state.borrow();
            let Ok(order) = state.cart.order(state.shelf.catalog()) else {
                return;
            };
            usize::try_from(index)
                .ok()
                .and_then(|i| {
                    tip_options(order.total(), &self.context.tip_percentages)
                        .get(i)
                        .copied()
                })
                .map_or(0, |option| option.amount.minor_units)
        };
        self.start_sale(tip);
    }
}
