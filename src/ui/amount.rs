//! The custom-amount keypad: staff key in an amount that is not on the menu; it joins the cart as its own
//! line and goes to WooshPay as inline `price_data`.

use std::rc::Rc;

use slint::ComponentHandle;

use super::kiosk::Kiosk;
use super::{AppWindow, CartAdapter, Screen, convert};
use crate::catalog::MAX_UNIT_AMOUNT;

impl Kiosk {
    pub(super) fn wire_amount(self: &Rc<Self>, window: &AppWindow) {
        let adapter = window.global::<CartAdapter>();
        let weak = Rc::downgrade(self);
        adapter.on_open_amount(move || with(&weak, |k| k.open_amount()));
        let weak = Rc::downgrade(self);
        adapter.on_amount_digit(move |digit| with(&weak, |k| k.amount_digit(&digit)));
        let weak = Rc::downgrade(self);
        adapter.on_amount_erase(move || {
            with(&weak, |k| {
                k.state.borrow_mut().keyed_amount.pop();
                k.show_keyed_amount("");
            })
        });
        let weak = Rc::downgrade(self);
        adapter.on_add_amount(move || with(&weak, |k| k.add_amount()));
        let weak = Rc::downgrade(self);
        adapter.on_cancel_amount(move || with(&weak, |k| k.show_screen(Screen::Catalog)));
    }

    fn open_amount(&self) {
        self.state.borrow_mut().keyed_amount.clear();
        self.show_keyed_amount("");
        self.show_screen(Screen::Amount);
    }

    fn amount_digit(&self, digit: &str) {
        {
            let mut state = self.state.borrow_mut();
            // Leading zeros add nothing; more digits than one payment can take are ignored.
            if state.keyed_amount.is_empty() && digit == "0" {
                return;
            }
            let candidate = format!("{}{digit}", state.keyed_amount);
            if candidate.parse::<i64>().is_ok_and(|v| v <= MAX_UNIT_AMOUNT) {
                state.keyed_amount = candidate;
            }
        }
        self.show_keyed_amount("");
    }

    fn show_keyed_amount(&self, message: &str) {
        let Some(window) = self.ui() else { return };
        let adapter = window.global::<CartAdapter>();
        let state = self.state.borrow();
        let amount = convert::keyed_amount(&state.keyed_amount, state.catalog.currency);
        adapter.set_keyed_amount(amount.map(|m| m.to_string()).unwrap_or_default().into());
        adapter.set_can_add_amount(amount.is_some_and(|m| m.minor_units > 0));
        adapter.set_amount_message(message.into());
    }

    fn add_amount(&self) {
        let added = {
            let mut state = self.state.borrow_mut();
            let minor_units = state.keyed_amount.parse::<i64>().unwrap_or(0);
            let added = state.cart.add_custom(minor_units, "");
            if added.is_ok() {
                state.keyed_amount.clear();
            }
            added
        };
        match added {
            Ok(_) => {
                self.refresh_cart();
                self.show_screen(Screen::Catalog);
            }
            Err(error) => self.show_keyed_amount(&error.to_string()),
        }
    }
}

fn with(weak: &std::rc::Weak<Kiosk>, action: impl FnOnce(&Rc<Kiosk>)) {
    if let Some(kiosk) = weak.upgrade() {
        kiosk.state.borrow_mut().last_activity = std::time::Instant::now();
        action(&kiosk);
    }
}
