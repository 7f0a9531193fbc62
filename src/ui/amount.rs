//! The custom-amount keypad: staff key in an amount that is not on the menu; it joins the cart as its own
//! line and goes to WooshPay as inline `price_data`. The keypad's rules are `crate::kiosk::AmountEntry`.

use std::rc::Rc;

use slint::ComponentHandle;

use super::kiosk::{Kiosk, with};
use super::{AmountAdapter, AppWindow, DescribeAdapter, Screen, convert};
use crate::kiosk::AmountEntry;

/// The custom-amount keypad and the description keyboard.
pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let adapter = window.global::<AmountAdapter>();
    let weak = Rc::downgrade(kiosk);
    adapter.on_open(move || with(&weak, |k| k.open_amount()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_digit(move |digit| with(&weak, |k| k.key_amount(|e| e.digit(&digit))));
    let weak = Rc::downgrade(kiosk);
    adapter.on_erase(move || with(&weak, |k| k.key_amount(AmountEntry::erase_digit)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_add(move || with(&weak, |k| k.add_amount()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_cancel(move || with(&weak, |k| k.show_screen(Screen::Catalog)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_describe(move || with(&weak, |k| k.show_screen(Screen::Describe)));

    let adapter = window.global::<DescribeAdapter>();
    let weak = Rc::downgrade(kiosk);
    adapter.on_key(move |key| with(&weak, |k| k.key_description(|e| e.key(&key))));
    let weak = Rc::downgrade(kiosk);
    adapter.on_erase(move || with(&weak, |k| k.key_description(AmountEntry::erase_key)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_shift(move || with(&weak, |k| k.key_description(AmountEntry::shift)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_done(move || with(&weak, |k| k.show_screen(Screen::Amount)));
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
        let state = self.state.borrow();
        let describe = window.global::<DescribeAdapter>();
        describe.set_description(state.amount.description().into());
        describe.set_upper(state.amount.upper());
        // The amount screen's button shows it too.
        window
            .global::<AmountAdapter>()
            .set_description(state.amount.description().into());
    }

    fn open_amount(&self) {
        self.state.borrow_mut().amount = AmountEntry::default();
        self.show_keyed_amount("");
        self.show_description();
        self.show_screen(Screen::Amount);
    }

    fn show_keyed_amount(&self, message: &str) {
        let Some(window) = self.ui() else { return };
        let adapter = window.global::<AmountAdapter>();
        let state = self.state.borrow();
        let amount = convert::keyed_amount(state.amount.digits(), state.shelf.catalog().currency);
        adapter.set_amount(amount.map(convert::money).unwrap_or_default().into());
        adapter.set_can_add(amount.is_some_and(|m| m.minor_units > 0));
        adapter.set_message(message.into());
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
