//! The catalog and the cart: category tabs, item tiles, cart lines, the total and Charge.

use std::rc::Rc;

use slint::ComponentHandle;

use super::kiosk::{Kiosk, with};
use super::{AppWindow, CartAdapter, CatalogAdapter, Strings, convert};
use crate::checkout::Cart;
use crate::kiosk::CartView;

/// Taps on tiles, tabs and cart lines; Charge starts the payment view.
pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let catalog = window.global::<CatalogAdapter>();
    let weak = Rc::downgrade(kiosk);
    catalog.on_select_category(move |index| with(&weak, |k| k.select_category(index)));
    let weak = Rc::downgrade(kiosk);
    catalog.on_add_item(move |id| with(&weak, |k| k.add_item(&id)));

    let cart = window.global::<CartAdapter>();
    let weak = Rc::downgrade(kiosk);
    cart.on_increase(move |id| with(&weak, |k| k.add_item(&id)));
    let weak = Rc::downgrade(kiosk);
    cart.on_decrease(move |id| with(&weak, |k| k.edit_cart(|cart| cart.decrease(&id))));
    let weak = Rc::downgrade(kiosk);
    cart.on_remove(move |id| with(&weak, |k| k.edit_cart(|cart| cart.remove(&id))));
    let weak = Rc::downgrade(kiosk);
    cart.on_clear(move || with(&weak, |k| k.edit_cart(Cart::clear)));
    let weak = Rc::downgrade(kiosk);
    cart.on_charge(move || with(&weak, Kiosk::charge));
}

impl Kiosk {
    pub(super) fn select_category(&self, index: i32) {
        if let Ok(index) = usize::try_from(index) {
            self.state.borrow_mut().shelf.select(index);
        }
        self.show_catalog_tiles();
    }

    /// A tile or a line's +: refused when stock cannot cover one more (a sold-out tile, the last one in the
    /// cart already).
    fn add_item(&self, id: &str) {
        let allowed = {
            let state = self.state.borrow();
            let in_cart = state.cart.quantity_of(id);
            state.stock.can_add(id, in_cart)
        };
        if allowed {
            self.edit_cart(|cart| cart.add(id));
        }
    }

    pub(super) fn show_catalog_tiles(&self) {
        let Some(window) = self.ui() else { return };
        let state = self.state.borrow();
        let shelf = &state.shelf;
        let adapter = window.global::<CatalogAdapter>();
        let strings = window.global::<Strings>();
        let names: Vec<slint::SharedString> = shelf
            .categories()
            .iter()
            .map(|c| convert::category_label(c, &strings))
            .collect();
        adapter.set_categories(slint::ModelRc::new(slint::VecModel::from(names)));
        adapter.set_selected_category(i32::try_from(shelf.selected()).unwrap_or(0));
        adapter.set_tiles(convert::tiles(shelf.catalog(), shelf.items(), &state.stock));
    }

    pub(super) fn edit_cart(&self, edit: impl FnOnce(&mut Cart)) {
        {
            let mut state = self.state.borrow_mut();
            edit(&mut state.cart);
            // Taps through accessibility tools raise no pointer event: count the action itself as activity.
            state.nav.touched(self.started.elapsed());
        }
        self.refresh_cart();
    }

    pub(super) fn refresh_cart(&self) {
        let Some(window) = self.ui() else { return };
        let state = self.state.borrow();
        let adapter = window.global::<CartAdapter>();
        let tax = &self.context.engine.settings().tax;
        let view = CartView::of(&state.cart, state.shelf.catalog(), tax).with_stock(&state.stock);
        adapter.set_lines(convert::cart_view_lines(&view));
        adapter.set_tax_name(tax.name.as_str().into());
        adapter.set_tax(
            view.added_tax
                .map(convert::money)
                .unwrap_or_default()
                .into(),
        );
        adapter.set_total(convert::money(view.total).into());
        adapter.set_can_charge(
            view.chargeable
                && !state.offline
                && !state.catalog_stopped
                && !self.context.engine.is_busy(),
        );
    }
}
