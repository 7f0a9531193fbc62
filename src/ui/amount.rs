//! The custom-amount keypad: staff key in an amount that is not on the menu; it joins the cart as its own
//! line and goes to WooshPay as inline `price_data`. The keypad's rules are `crate::kiosk::AmountEntry`.

use std::rc::Rc;

use slint::ComponentHandle;

use super::kiosk::{Kiosk, with};
use super::{AppWindow, CartAdapter, Screen, convert};
use crate::kiosk::AmountEntry;

/// The custom-amount keypad and the description keyboard.
pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let adapter = window.global::<CartAdapter>();
    let weak = Rc::downgrade(kiosk);
    adapter.on_open_amount(move || with(&weak, |k| k.open_amount()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_amount_digit(move |digit| with(&weak, |k| k.key_amount(|e| e.digit(&digit))));
    let weak = Rc::downgrade(kiosk);
    adapter.on_amount_erase(move || with(&weak, |k| k.key_amount(AmountEntry::erase_digit)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_add_amount(move || with(&weak, |k| k.add_amount()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_cancel_amount(move || with(&weak, |k| k.show_screen(Screen::Catalog)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_describe(move || with(&weak, |k| k.show_screen(Screen::Describe)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_description_key(move |key| with(&weak, |k| k.key_description(|e| e.key(&key))));
    let weak = Rc::downgrade(kiosk);
    adapter
        .on_description_erase(move || with(&weak, |k| k.key_description(AmountEntry::erase_key)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_description_shift(move || with(&weak, |k| k.key_description(AmountEntry::shift)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_description_done(move || with(&weak, |k| k.show_screen(Screen::Amount)));
}

impl Kiosk {
    fn key_amount(&self, key: impl FnOnce(&mut AmountEntry)) {
        key(&mut self.state.borrow_mut().amount);
        self.show_keyed_amount("");
    }

    fn key_description(&self, key: impl FnOnce(&mut AmountEntry)) {
        key(&mut self.state.borrow_mut().amount);
        self.show_description();
    }

    fn show_description(&self) {
        let Some(window) = self.ui() else { return };
        let adapter = window.global::<CartAdapter>();
        let state = self.state.borrow();
        adapter.set_keyed_description(state.amount.description().into());
        adapter.set_description_upper(state.amount.upper());
    }

    fn open_amount(&self) {
        self.state.borrow_mut().amount = AmountEntry::default();
        self.show_keyed_amount("");
        self.show_description();
        self.show_screen(Screen::Amount);
    }

    fn show_keyed_amount(&self, message: &str) {
        let Some(window) = self.ui() else { return };
        let adapter = window.global::<CartAdapter>();
        let state = self.state.borrow();
        let amount = convert::keyed_amount(state.amount.digits(), state.catalog.currency);
        adapter.set_keyed_amount(amount.map(convert::money).unwrap_or_default().into());
        adapter.set_can_add_amount(amount.is_some_and(|m| m.minor_units > 0));
        adapter.set_amount_message(message.into());
    }

    fn add_amount(&self) {
        // The line's name on screen and at WooshPay: what staff typed, else "Custom amount" in the language the
        // kiosk speaks now.
        let typed = self
            .state
            .borrow()
            .amount
            .typed_description()
            .map(str::to_owned);
        let description = match typed {
            Some(typed) => typed,
            None => self
                .ui()
                .map(|window| {
                    window
                        .global::<super::Strings>()
                        .invoke_custom_amount()
                        .into()
                })
                .unwrap_or_default(),
        };
        let added = {
            let mut state = self.state.borrow_mut();
            let minor_units = state.amount.minor_units();
            let added = state.cart.add_custom(minor_units, &description);
            if added.is_ok() {
                state.amount = AmountEntry::default();
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
