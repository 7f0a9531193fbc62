//! The custom-amount keypad: staff key in an amount that is not on the menu; it joins the cart as its own
//! line and goes to WooshPay as inline `price_data`.

use std::rc::Rc;

use slint::ComponentHandle;

use super::kiosk::{Kiosk, with};
use super::{AppWindow, CartAdapter, Screen, convert};
use crate::catalog::MAX_UNIT_AMOUNT;
use crate::checkout::cart::MAX_DESCRIPTION_CHARS;

/// The custom-amount keypad and the description keyboard.
pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let adapter = window.global::<CartAdapter>();
    let weak = Rc::downgrade(kiosk);
    adapter.on_open_amount(move || with(&weak, |k| k.open_amount()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_amount_digit(move |digit| with(&weak, |k| k.amount_digit(&digit)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_amount_erase(move || {
        with(&weak, |k| {
            k.state.borrow_mut().keyed_amount.pop();
            k.show_keyed_amount("");
        })
    });
    let weak = Rc::downgrade(kiosk);
    adapter.on_add_amount(move || with(&weak, |k| k.add_amount()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_cancel_amount(move || with(&weak, |k| k.show_screen(Screen::Catalog)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_describe(move || with(&weak, |k| k.show_screen(Screen::Describe)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_description_key(move |key| with(&weak, |k| k.description_key(&key)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_description_erase(move || {
        with(&weak, |k| {
            let mut state = k.state.borrow_mut();
            state.keyed_description.pop();
            state.description_upper = state.keyed_description.is_empty();
            drop(state);
            k.show_description();
        })
    });
    let weak = Rc::downgrade(kiosk);
    adapter.on_description_shift(move || {
        with(&weak, |k| {
            let upper = !k.state.borrow().description_upper;
            k.state.borrow_mut().description_upper = upper;
            k.show_description();
        })
    });
    let weak = Rc::downgrade(kiosk);
    adapter.on_description_done(move || with(&weak, |k| k.show_screen(Screen::Amount)));
}

impl Kiosk {
    /// A key of the on-screen keyboard: the key's text (already a capital when ⇧ was on), or a space.
    fn description_key(&self, key: &str) {
        {
            let mut state = self.state.borrow_mut();
            let text = &mut state.keyed_description;
            // No leading or double spaces: they would only be trimmed away, invisibly.
            let pointless_space = key == " " && (text.is_empty() || text.ends_with(' '));
            if pointless_space || text.chars().count() + key.chars().count() > MAX_DESCRIPTION_CHARS
            {
                return;
            }
            text.push_str(key);
            // Like a phone: one capital, then small letters again.
            state.description_upper = false;
        }
        self.show_description();
    }

    fn show_description(&self) {
        let Some(window) = self.ui() else { return };
        let adapter = window.global::<CartAdapter>();
        let state = self.state.borrow();
        adapter.set_keyed_description(state.keyed_description.as_str().into());
        adapter.set_description_upper(state.description_upper);
    }

    fn open_amount(&self) {
        {
            let mut state = self.state.borrow_mut();
            state.keyed_amount.clear();
            state.keyed_description.clear();
            state.description_upper = true;
        }
        self.show_keyed_amount("");
        self.show_description();
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
        adapter.set_keyed_amount(amount.map(convert::money).unwrap_or_default().into());
        adapter.set_can_add_amount(amount.is_some_and(|m| m.minor_units > 0));
        adapter.set_amount_message(message.into());
    }

    fn add_amount(&self) {
        // The line's name on screen and at WooshPay: what staff typed, else "Custom amount" in the language the
        // kiosk speaks now.
        let typed = self.state.borrow().keyed_description.trim().to_owned();
        let description = match typed.as_str() {
            "" => self
                .ui()
                .map(|window| {
                    window
                        .global::<super::Strings>()
                        .invoke_custom_amount()
                        .into()
                })
                .unwrap_or_default(),
            _ => typed,
        };
        let added = {
            let mut state = self.state.borrow_mut();
            let minor_units = state.keyed_amount.parse::<i64>().unwrap_or(0);
            let added = state.cart.add_custom(minor_units, &description);
            if added.is_ok() {
                state.keyed_amount.clear();
                state.keyed_description.clear();
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
