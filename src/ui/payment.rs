//! The payment view: a sale's QR code, its countdown and connection state, Cancel, and Retry/Back when the
//! session could not be created; the sale's end hands over to the result view.

use std::rc::Rc;
use std::time::Duration;

use slint::{ComponentHandle, Image, TimerMode};

use super::kiosk::{Kiosk, with};
use super::{AppWindow, PaymentAdapter, PaymentPhase, Screen, Strings, convert};
use crate::checkout::{ChargeHandle, CheckoutEvent, FailureReason, Outcome, StartError};
use crate::hw::signal_event;
use crate::kiosk::CartView;
use crate::money::Money;

/// Cancel, and Retry or Back after a failed create.
pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let payment = window.global::<PaymentAdapter>();
    let weak = Rc::downgrade(kiosk);
    payment.on_cancel(move || with(&weak, |k| k.cancel()));
    let weak = Rc::downgrade(kiosk);
    payment.on_retry(move || with(&weak, Kiosk::retry_sale));
    let weak = Rc::downgrade(kiosk);
    payment.on_back(move || {
        with(&weak, |k| {
            k.restore_staff_language();
            k.show_screen(Screen::Catalog);
        })
    });
    let weak = Rc::downgrade(kiosk);
    payment.on_change_language(move || with(&weak, |k| k.customer_language()));
}

impl Kiosk {
    /// Charge: the tip screen first when tips are offered, else the sale at once.
    pub(super) fn charge(self: &Rc<Self>) {
        if self.state.borrow().offline || self.state.borrow().catalog_stopped {
            // The button is disabled too; this covers a tap that raced the notice.
            return;
        }
        if self.context.tip_percentages.is_empty() {
            self.start_sale(0);
        } else {
            self.offer_tips();
        }
    }

    /// Retry after a create failed: the very order the first try sent (same lines, names and tip, whatever
    /// the language is now), so the engine continues the same sale instead of starting another.
    fn retry_sale(self: &Rc<Self>) {
        let order = self.state.borrow().last_order.clone();
        match order {
            Some(order) => self.charge_order(order),
            None => self.start_sale(0),
        }
    }

    /// Starts the cart's sale with `tip` minor units on top (0: none). The cart is checked again here: the
    /// tip screen may have stood while WooshPay went away or an item sold out.
    pub(super) fn start_sale(self: &Rc<Self>, tip: i64) {
        let Some(window) = self.ui() else { return };
        let order = {
            let state = self.state.borrow();
            let tax = &self.context.engine.settings().tax;
            let chargeable = CartView::of(&state.cart, state.shelf.catalog(), tax)
                .with_stock(&state.stock)
                .chargeable;
            if !chargeable || state.offline || state.catalog_stopped {
                None
            } else {
                state.cart.order(state.shelf.catalog()).ok()
            }
        };
        let Some(order) = order else {
            self.show_screen(Screen::Catalog);
            self.refresh_cart();
            return;
        };
        // The tax added where prices exclude it, so the payment screen names what WooshPay will charge (the
        // engine applies the same settings again; applying them twice changes nothing).
        let order = order
            .with_tip(tip, &window.global::<Strings>().invoke_tip_line())
            .with_tax(&self.context.engine.settings().tax);
        self.state.borrow_mut().last_order = Some(order.clone());
        self.charge_order(order);
    }

    fn charge_order(self: &Rc<Self>, order: crate::order::Order) {
        let Some(window) = self.ui() else { return };
        let total = order.total();
        let payment = window.global::<PaymentAdapter>();
        Self::reset_payment(&payment, total);
        let handle = match self.context.engine.start_charge(order) {
            Ok(handle) => handle,
            // A sale resumed after a restart is still running: Charge waits for it (the button says so).
            Err(StartError::InProgress) => {
                self.show_screen(Screen::Catalog);
                self.refresh_cart();
                return;
            }
            Err(error) => {
                payment.set_error(error.to_string().into());
                payment.set_phase(PaymentPhase::CreateFailed);
                self.show_screen(Screen::Payment);
                return;
            }
        };
        self.follow(handle, total);
    }

    pub(super) fn reset_payment(payment: &PaymentAdapter<'_>, total: Money) {
        payment.set_total(convert::money(total).into());
        payment.set_connection_lost(false);
        payment.set_error("".into());
        payment.set_qr(Image::default());
        payment.set_phase(PaymentPhase::Creating);
    }

    /// Shows a running sale (new, or resumed after a restart) on the payment screen and follows its events.
    pub(super) fn follow(self: &Rc<Self>, handle: ChargeHandle, total: Money) {
        if let Some(window) = self.ui() {
            Self::reset_payment(&window.global::<PaymentAdapter>(), total);
        }
        self.show_screen(Screen::Payment);
        let (mut events, canceller, _task) = handle.into_parts();
        self.state.borrow_mut().payment.follow(canceller, total);
        let weak = Rc::downgrade(self);
        let spawned = slint::spawn_local(async move {
            while let Some(event) = events.recv().await {
                let Some(kiosk) = weak.upgrade() else { return };
                kiosk.on_event(event).await;
            }
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot follow the sale on the UI thread");
        }
    }

    pub(super) fn cancel(&self) {
        self.state.borrow().payment.cancel();
        if let Some(window) = self.ui() {
            window
                .global::<PaymentAdapter>()
                .set_phase(PaymentPhase::Closing);
        }
    }

    pub(super) async fn on_event(self: &Rc<Self>, event: CheckoutEvent) {
        signal_event(&*self.context.signals, &event);
        match event {
            CheckoutEvent::SessionCreated {
                url, timeout_ms, ..
            } => {
                // Encoding is the slow part (most of a millisecond here, more on a Pi): never on the UI thread.
                let pixels = self
                    .context
                    .runtime
                    .spawn_blocking(move || {
                        crate::qr::encode(&url)
                            .map(|code| convert::qr_pixels(&crate::qr::raster(&code)))
                    })
                    .await;
                let Some(window) = self.ui() else { return };
                let payment = window.global::<PaymentAdapter>();
                match pixels {
                    Ok(Ok(pixels)) => {
                        payment.set_qr(Image::from_rgb8(pixels));
                        payment.set_phase(PaymentPhase::Awaiting);
                        self.start_countdown(Duration::from_millis(timeout_ms));
                    }
                    problem => {
                        // A session nobody can scan must not stay payable: close it like a cancel.
                        tracing::error!(
                            ?problem,
                            "cannot draw the payment QR code; cancelling the session"
                        );
                        self.cancel();
                    }
                }
            }
            CheckoutEvent::ConnectionLost { .. } => self.set_connection_lost(true),
            CheckoutEvent::ConnectionRestored => self.set_connection_lost(false),
            CheckoutEvent::Closing { .. } => {
                if let Some(window) = self.ui() {
                    window
                        .global::<PaymentAdapter>()
                        .set_phase(PaymentPhase::Closing);
                }
            }
            CheckoutEvent::Finished {
                outcome,
                order_number,
            } => self.finish(&outcome, order_number),
            CheckoutEvent::Creating { .. } | CheckoutEvent::Status { .. } => {}
        }
    }

    pub(super) fn set_connection_lost(&self, lost: bool) {
        if let Some(window) = self.ui() {
            window.global::<PaymentAdapter>().set_connection_lost(lost);
        }
    }

    pub(super) fn start_countdown(self: &Rc<Self>, timeout: Duration) {
        let now = self.now();
        self.state.borrow_mut().payment.session_shown(now, timeout);
        self.update_countdown();
        let weak = Rc::downgrade(self);
        self.countdown_timer
            .start(TimerMode::Repeated, Duration::from_millis(250), move || {
                with(&weak, |k| k.update_countdown());
            });
    }

    pub(super) fn update_countdown(&self) {
        let Some(remaining) = self.state.borrow().payment.remaining(self.now()) else {
            return;
        };
        if let Some(window) = self.ui() {
            window
                .global::<PaymentAdapter>()
                .set_countdown(convert::countdown(remaining));
        }
    }

    pub(super) fn finish(self: &Rc<Self>, outcome: &Outcome, order_number: Option<u32>) {
        self.countdown_timer.stop();
        let total = self.state.borrow_mut().payment.finish();
        let Some(window) = self.ui() else { return };
        if let Outcome::Failed {
            reason: FailureReason::CreateFailed(message),
            ..
        } = outcome
        {
            // Nothing is payable: stay here with the reason, Retry and Back; the cart is kept.
            let payment = window.global::<PaymentAdapter>();
            payment.set_error(message.as_str().into());
            payment.set_phase(PaymentPhase::CreateFailed);
            self.refresh_cart();
            return;
        }
        if outcome.is_paid() {
            // Only a paid sale empties the cart: after a cancel or decline staff can simply try again.
            self.state.borrow_mut().cart.clear();
            // The journal took the sale's items from stock when it recorded the payment.
            self.refresh_stock();
            self.print_unprinted();
        }
        self.refresh_cart();
        let text = convert::result_text(outcome, &window.global::<Strings>());
        let amount = total.map(convert::money).unwrap_or_default();
        self.show_result(text.kind, &text.title, &text.detail, &amount, order_number);
    }

    /// The customer's language button on the payment screen: the next language for this sale; the kiosk returns
    /// to the staff's language when the sale is over.
    fn customer_language(&self) {
        let Some(window) = self.ui() else { return };
        self.apply_language(&window, crate::i18n::current().next());
        self.refresh_texts();
        if let Some(total) = self.state.borrow().payment.total() {
            window
                .global::<PaymentAdapter>()
                .set_total(convert::money(total).into());
        }
    }
}
