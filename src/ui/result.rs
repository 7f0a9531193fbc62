//! The result view: paid, expired, cancelled or failed, shown for `[display] result_screen_s`, then back to
//! the catalog (or at once on Done).

use std::rc::Rc;

use slint::{ComponentHandle, TimerMode};

use super::kiosk::{Kiosk, with};
use super::{AppWindow, ResultAdapter, ResultKind, Screen};
use crate::hw::Light;

/// Done returns to the catalog before the result's time is up.
pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let weak = Rc::downgrade(kiosk);
    window
        .global::<ResultAdapter>()
        .on_done(move || with(&weak, |k| k.back_to_catalog()));
}

impl Kiosk {
    pub(super) fn show_result(
        self: &Rc<Self>,
        kind: ResultKind,
        title: &str,
        detail: &str,
        amount: &str,
        order_number: Option<u32>,
    ) {
        let Some(window) = self.ui() else { return };
        let result = window.global::<ResultAdapter>();
        result.set_kind(kind);
        result.set_title(title.into());
        result.set_detail(detail.into());
        result.set_amount(amount.into());
        // 0: no number to call out (only a paid sale has one).
        result.set_order_number(order_number.map_or(0, |n| n as i32));
        let prefix = self.context.order_prefix.as_deref();
        result.set_order_label(
            order_number
                .map(|n| crate::order::order_label(prefix, n))
                .unwrap_or_default()
                .into(),
        );
        self.show_screen(Screen::Result);
        let weak = Rc::downgrade(self);
        self.result_timer.start(
            TimerMode::SingleShot,
            self.context.display.result_screen,
            move || {
                with(&weak, |k| k.back_to_catalog());
            },
        );
    }

    pub(super) fn back_to_catalog(&self) {
        self.result_timer.stop();
        self.restore_staff_language();
        self.context.signals.light(Light::Ready);
        self.show_screen(Screen::Catalog);
    }
}
