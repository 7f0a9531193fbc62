//! What the kiosk does when staff and customers touch it, and when the engine reports progress.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::{ComponentHandle, Image, Timer, TimerMode};

use super::convert;
use super::{
    AppWindow, CartAdapter, CatalogAdapter, KioskAdapter, PaymentAdapter, PaymentPhase,
    ResultAdapter, ResultKind, Screen, Strings, Theme,
};
use crate::catalog::Catalog;
use crate::checkout::{
    Canceller, Cart, ChargeHandle, CheckoutEngine, CheckoutEvent, FailureReason, Outcome,
    Recovered, SessionInfo, StartError,
};
use crate::config::DisplaySettings;
use crate::hw::{Light, Signals, signal_event};
use crate::i18n::Language;
use crate::kiosk::{CartView, Navigation, PinEntry, Tick};

/// Everything the UI needs from the rest of the program.
pub struct UiContext {
    pub engine: CheckoutEngine,
    pub catalog: Catalog,
    pub display: DisplaySettings,
    pub demo: bool,
    /// Where blocking work (QR encoding) runs, off the UI thread.
    pub runtime: tokio::runtime::Handle,
    /// `[staff]`: the PIN that opens the admin screen; `None` hides the Staff control.
    pub staff: Option<crate::config::StaffSettings>,
    /// Where Reload catalog reads from; `None` in demo mode (the sample catalog is built in).
    pub catalog_source: Option<(std::path::PathBuf, crate::money::Currency)>,
    /// Test, live or demo, for the status panel.
    pub mode: super::convert::Mode,
    /// Status LEDs and buzzer (a no-op without `[gpio]`).
    pub signals: std::sync::Arc<dyn Signals>,
    /// Dimmed on the attract screen when `[display] idle_brightness_percent` is set and a panel has one.
    pub backlight: Option<crate::hw::backlight::Backlight>,
}

pub struct Kiosk {
    pub(super) window: slint::Weak<AppWindow>,
    pub(super) context: UiContext,
    pub(super) state: RefCell<State>,
    /// The monotonic clock the PIN lockout counts on.
    pub(super) started: Instant,
    countdown_timer: Timer,
    result_timer: Timer,
    idle_timer: Timer,
}

pub(super) struct State {
    pub(super) cart: Cart,
    /// Replaced by Reload catalog on the admin screen.
    pub(super) catalog: Catalog,
    pub(super) pin: PinEntry,
    /// Digits keyed on the custom-amount pad, in minor units.
    pub(super) keyed_amount: String,
    /// The custom amount's optional description, and whether the next letter is a capital.
    pub(super) keyed_description: String,
    pub(super) description_upper: bool,
    selected_category: usize,
    pub(super) categories: Vec<String>,
    pub(super) sale: Option<Canceller>,
    /// The running sale's total as shown, for the result screen.
    sale_total: String,
    deadline: Option<Instant>,
    /// The screen up now and the quiet-spell rules (attract screen, dimming, staff lock).
    pub(super) nav: Navigation,
    /// WooshPay did not answer the last request: new sales are refused until it does.
    offline: bool,
    /// Earlier sales recovery could not settle yet (it keeps trying).
    unconfirmed: usize,
    notice: String,
}

/// How often the kiosk checks WooshPay while no sale runs: often while it is unreachable, rarely otherwise.
const PROBE_WHEN_OFFLINE: Duration = Duration::from_secs(10);
const PROBE_WHEN_ONLINE: Duration = Duration::from_secs(60);

impl Kiosk {
    pub fn attach(window: &AppWindow, context: UiContext) -> Rc<Kiosk> {
        let categories = convert::categories(&context.catalog);
        let kiosk = Rc::new(Kiosk {
            window: window.as_weak(),
            state: RefCell::new(State {
                cart: Cart::default(),
                catalog: context.catalog.clone(),
                pin: PinEntry::default(),
                keyed_amount: String::new(),
                keyed_description: String::new(),
                description_upper: true,
                selected_category: 0,
                categories,
                sale: None,
                sale_total: String::new(),
                deadline: None,
                nav: Navigation::new(
                    context.display.idle_after,
                    context.staff.as_ref().map(|staff| staff.admin_lock_after),
                    Duration::ZERO,
                ),
                offline: false,
                unconfirmed: 0,
                notice: String::new(),
            }),
            context,
            started: Instant::now(),
            countdown_timer: Timer::default(),
            result_timer: Timer::default(),
            idle_timer: Timer::default(),
        });
        window
            .global::<Theme>()
            .set_high_contrast(kiosk.context.display.high_contrast);
        window
            .global::<Theme>()
            .set_large_text(kiosk.context.display.large_text);
        let adapter = window.global::<KioskAdapter>();
        adapter.set_shop_name(kiosk.context.display.shop_name.as_str().into());
        adapter.set_demo(kiosk.context.demo);
        adapter.set_screen(Screen::Catalog);
        kiosk.apply_language(window, kiosk.context.display.language);
        kiosk.wire(window);
        kiosk.wire_staff(window);
        kiosk.wire_amount(window);
        kiosk.context.signals.light(Light::Ready);
        if let Some(backlight) = &kiosk.context.backlight {
            backlight.restore();
        }
        kiosk.show_catalog_tiles();
        kiosk.refresh_cart();
        let weak = Rc::downgrade(&kiosk);
        kiosk
            .idle_timer
            .start(TimerMode::Repeated, Duration::from_secs(1), move || {
                if let Some(kiosk) = weak.upgrade() {
                    kiosk.tick();
                    kiosk.refresh_gateway();
                    kiosk.refresh_pin_countdown();
                }
            });
        kiosk.watch_gateway();
        kiosk
    }

    /// Recovery at start, then again while earlier sales stay unsettled; between sales a cheap probe keeps
    /// the "WooshPay unreachable" notice honest. Runs on the runtime; results come back to the UI thread.
    fn watch_gateway(self: &Rc<Self>) {
        let (results_tx, mut results) = tokio::sync::mpsc::unbounded_channel::<Vec<Recovered>>();
        let engine = self.context.engine.clone();
        self.context.runtime.spawn(async move {
            let mut first = true;
            loop {
                if !engine.is_busy() {
                    if first || engine.unsettled_sales() > 0 {
                        first = false;
                        if results_tx.send(engine.recover().await).is_err() {
                            return;
                        }
                    }
                    engine.probe().await;
                }
                let wait = match engine.gateway_status().reachable {
                    Some(true) => PROBE_WHEN_ONLINE,
                    _ => PROBE_WHEN_OFFLINE,
                };
                tokio::time::sleep(wait).await;
                if results_tx.is_closed() {
                    return;
                }
            }
        });
        let weak = Rc::downgrade(self);
        let spawned = slint::spawn_local(async move {
            while let Some(recovered) = results.recv().await {
                let Some(kiosk) = weak.upgrade() else { return };
                kiosk.on_recovered(recovered);
            }
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot receive recovery results on the UI thread");
        }
    }

    fn on_recovered(self: &Rc<Self>, recovered: Vec<Recovered>) {
        let mut unconfirmed = 0;
        for item in recovered {
            match item {
                Recovered::Settled {
                    reference,
                    session_id,
                    amount,
                    late_payment: true,
                    ..
                } => {
                    // The customer paid while the kiosk was down: say so, so staff hand over the goods.
                    let session = SessionInfo {
                        id: session_id.unwrap_or_default(),
                        url: String::new(),
                    };
                    signal_event(
                        &*self.context.signals,
                        &CheckoutEvent::Finished {
                            outcome: Outcome::Paid { session },
                        },
                    );
                    let Some(window) = self.ui() else { continue };
                    let strings = window.global::<Strings>();
                    self.show_result(
                        ResultKind::Paid,
                        &strings.invoke_late_payment_title(),
                        &strings.invoke_late_payment_detail(reference.as_str().into()),
                        &convert::money(amount),
                    );
                }
                Recovered::Settled { .. } => {}
                Recovered::Resumable(sale) => {
                    let on_screen = self.state.borrow().sale.is_some();
                    let total = convert::money(sale.order.total());
                    let handle = self.context.engine.resume(sale);
                    if on_screen {
                        // A sale is already on screen: follow this one in the background to its recorded end.
                        self.context.runtime.spawn(handle.outcome());
                    } else {
                        self.follow(handle, &total);
                    }
                }
                Recovered::Unresolved { .. } => unconfirmed += 1,
            }
        }
        self.state.borrow_mut().unconfirmed = unconfirmed;
        self.refresh_gateway();
    }

    fn refresh_gateway(&self) {
        let status = self.context.engine.gateway_status();
        let offline = status.reachable == Some(false);
        let Some(window) = self.ui() else { return };
        let notice = {
            let state = self.state.borrow();
            convert::gateway_notice(
                offline,
                status.last_contact_ms,
                state.unconfirmed,
                &window.global::<Strings>(),
            )
        };
        let changed = {
            let mut state = self.state.borrow_mut();
            let changed = state.offline != offline || state.notice != notice;
            state.offline = offline;
            state.notice = notice.clone();
            changed
        };
        if changed {
            window
                .global::<CatalogAdapter>()
                .set_notice(notice.as_str().into());
            self.refresh_cart();
        }
    }

    fn wire(self: &Rc<Self>, window: &AppWindow) {
        let on = |kiosk: &Rc<Kiosk>| Rc::downgrade(kiosk);
        let kiosk_adapter = window.global::<KioskAdapter>();
        let weak = on(self);
        kiosk_adapter.on_activity(move || with(&weak, |_| {}));
        let weak = on(self);
        kiosk_adapter.on_wake(move || with(&weak, |k| k.wake()));

        let catalog = window.global::<CatalogAdapter>();
        let weak = on(self);
        catalog.on_select_category(move |index| with(&weak, |k| k.select_category(index)));
        let weak = on(self);
        catalog.on_add_item(move |id| with(&weak, |k| k.edit_cart(|cart| cart.add(&id))));

        let cart = window.global::<CartAdapter>();
        let weak = on(self);
        cart.on_increase(move |id| with(&weak, |k| k.edit_cart(|cart| cart.add(&id))));
        let weak = on(self);
        cart.on_decrease(move |id| with(&weak, |k| k.edit_cart(|cart| cart.decrease(&id))));
        let weak = on(self);
        cart.on_remove(move |id| with(&weak, |k| k.edit_cart(|cart| cart.remove(&id))));
        let weak = on(self);
        cart.on_clear(move || with(&weak, |k| k.edit_cart(Cart::clear)));
        let weak = on(self);
        cart.on_charge(move || with(&weak, Kiosk::charge));

        let payment = window.global::<PaymentAdapter>();
        let weak = on(self);
        payment.on_cancel(move || with(&weak, |k| k.cancel()));
        let weak = on(self);
        payment.on_retry(move || with(&weak, Kiosk::charge));
        let weak = on(self);
        payment.on_back(move || with(&weak, |k| k.show_screen(Screen::Catalog)));

        let weak = on(self);
        window
            .global::<ResultAdapter>()
            .on_done(move || with(&weak, |k| k.back_to_catalog()));
    }

    pub(super) fn ui(&self) -> Option<AppWindow> {
        self.window.upgrade()
    }

    /// The monotonic clock the quiet spells and the PIN lockout count on.
    pub(super) fn now(&self) -> Duration {
        self.started.elapsed()
    }

    /// A touch, a key or an accessibility action: the quiet spell starts again.
    pub(super) fn touched(&self) {
        let now = self.now();
        self.state.borrow_mut().nav.touched(now);
    }

    pub(super) fn show_screen(&self, screen: Screen) {
        if let Some(window) = self.ui() {
            window.global::<KioskAdapter>().set_screen(screen);
        }
        let now = self.now();
        let restore = self
            .state
            .borrow_mut()
            .nav
            .show(convert::screen_rule(screen), now);
        if restore && let Some(backlight) = &self.context.backlight {
            backlight.restore();
        }
    }

    /// Only the attract screen wakes; a stray press elsewhere (a wake button mid-payment) changes nothing.
    fn wake(&self) {
        let wakes = self.state.borrow().nav.wakes();
        if wakes {
            self.show_screen(Screen::Catalog);
        }
        self.touched();
    }

    /// Once a second: the attract screen after a quiet spell, the staff screens locked after theirs.
    fn tick(&self) {
        let now = self.now();
        let tick = {
            let mut state = self.state.borrow_mut();
            let cart_is_empty = state.cart.is_empty();
            state.nav.tick(now, cart_is_empty)
        };
        match tick {
            Some(Tick::GoIdle) => {
                if let Some(window) = self.ui() {
                    window.global::<KioskAdapter>().set_screen(Screen::Idle);
                }
                if let Some(backlight) = &self.context.backlight {
                    backlight.dim();
                    self.state.borrow_mut().nav.dimmed();
                }
            }
            Some(Tick::LockStaff { idle }) => {
                tracing::info!(
                    "staff screen locked after {} s without a touch",
                    idle.as_secs()
                );
                self.lock_staff();
            }
            None => {}
        }
    }

    fn select_category(&self, index: i32) {
        self.state.borrow_mut().selected_category = usize::try_from(index).unwrap_or(0);
        self.show_catalog_tiles();
    }

    pub(super) fn show_catalog_tiles(&self) {
        let Some(window) = self.ui() else { return };
        let state = self.state.borrow();
        let adapter = window.global::<CatalogAdapter>();
        let strings = window.global::<Strings>();
        let names: Vec<slint::SharedString> = state
            .categories
            .iter()
            .map(|c| convert::category_label(c, &strings))
            .collect();
        adapter.set_categories(slint::ModelRc::new(slint::VecModel::from(names)));
        adapter.set_selected_category(i32::try_from(state.selected_category).unwrap_or(0));
        let category = state
            .categories
            .get(state.selected_category)
            .map(String::as_str);
        adapter.set_tiles(convert::tiles(&state.catalog, category));
    }

    fn edit_cart(&self, edit: impl FnOnce(&mut Cart)) {
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
        let view = CartView::of(&state.cart, &state.catalog);
        adapter.set_lines(convert::cart_view_lines(&view));
        adapter.set_total(convert::money(view.total).into());
        adapter.set_can_charge(view.chargeable && !state.offline && !self.context.engine.is_busy());
    }

    fn charge(self: &Rc<Self>) {
        let Some(window) = self.ui() else { return };
        if self.state.borrow().offline {
            // The button is disabled too; this covers a tap that raced the notice.
            return;
        }
        let order = {
            let state = self.state.borrow();
            state.cart.order(&state.catalog)
        };
        let order = match order {
            Ok(order) => order,
            Err(_) => return,
        };
        let total = convert::money(order.total());
        let payment = window.global::<PaymentAdapter>();
        Self::reset_payment(&payment, &total);
        let handle = match self.context.engine.start_charge(order) {
            Ok(handle) => handle,
            Err(StartError::InProgress) => return,
            Err(error) => {
                payment.set_error(error.to_string().into());
                payment.set_phase(PaymentPhase::CreateFailed);
                self.show_screen(Screen::Payment);
                return;
            }
        };
        self.follow(handle, &total);
    }

    fn reset_payment(payment: &PaymentAdapter<'_>, total: &str) {
        payment.set_total(total.into());
        payment.set_connection_lost(false);
        payment.set_error("".into());
        payment.set_qr(Image::default());
        payment.set_phase(PaymentPhase::Creating);
    }

    /// Shows a running sale (new, or resumed after a restart) on the payment screen and follows its events.
    fn follow(self: &Rc<Self>, handle: ChargeHandle, total: &str) {
        if let Some(window) = self.ui() {
            Self::reset_payment(&window.global::<PaymentAdapter>(), total);
        }
        self.show_screen(Screen::Payment);
        let (mut events, canceller, _task) = handle.into_parts();
        {
            let mut state = self.state.borrow_mut();
            state.sale = Some(canceller);
            state.sale_total = total.to_owned();
        }
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

    fn cancel(&self) {
        if let Some(canceller) = &self.state.borrow().sale {
            canceller.cancel();
        }
        if let Some(window) = self.ui() {
            window
                .global::<PaymentAdapter>()
                .set_phase(PaymentPhase::Closing);
        }
    }

    async fn on_event(self: &Rc<Self>, event: CheckoutEvent) {
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
            CheckoutEvent::Finished { outcome } => self.finish(&outcome),
            CheckoutEvent::Creating { .. } | CheckoutEvent::Status { .. } => {}
        }
    }

    fn set_connection_lost(&self, lost: bool) {
        if let Some(window) = self.ui() {
            window.global::<PaymentAdapter>().set_connection_lost(lost);
        }
    }

    fn start_countdown(self: &Rc<Self>, timeout: Duration) {
        self.state.borrow_mut().deadline = Some(Instant::now() + timeout);
        self.update_countdown();
        let weak = Rc::downgrade(self);
        self.countdown_timer
            .start(TimerMode::Repeated, Duration::from_millis(250), move || {
                with(&weak, |k| k.update_countdown());
            });
    }

    fn update_countdown(&self) {
        let Some(deadline) = self.state.borrow().deadline else {
            return;
        };
        if let Some(window) = self.ui() {
            let remaining = deadline.saturating_duration_since(Instant::now());
            window
                .global::<PaymentAdapter>()
                .set_countdown(convert::countdown(remaining));
        }
    }

    fn finish(self: &Rc<Self>, outcome: &Outcome) {
        self.countdown_timer.stop();
        {
            let mut state = self.state.borrow_mut();
            state.sale = None;
            state.deadline = None;
        }
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
        }
        self.refresh_cart();
        let text = convert::result_text(outcome, &window.global::<Strings>());
        let amount = self.state.borrow().sale_total.clone();
        self.show_result(text.kind, &text.title, &text.detail, &amount);
    }

    fn show_result(self: &Rc<Self>, kind: ResultKind, title: &str, detail: &str, amount: &str) {
        let Some(window) = self.ui() else { return };
        let result = window.global::<ResultAdapter>();
        result.set_kind(kind);
        result.set_title(title.into());
        result.set_detail(detail.into());
        result.set_amount(amount.into());
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

    /// Speaks `language` from now on: Slint's own texts re-translate themselves; the texts and amounts the
    /// Rust side put on screen are put there again.
    pub(super) fn apply_language(&self, window: &AppWindow, language: Language) {
        if let Err(error) = slint::select_bundled_translation(language.translation()) {
            tracing::error!(
                ?error,
                language = language.code(),
                "the translation is not bundled"
            );
            return;
        }
        crate::i18n::set_current(language);
        let adapter = window.global::<KioskAdapter>();
        adapter.set_language(language.code().into());
        adapter.set_language_name(language.native_name().into());
        adapter.set_language_short(language.short_label().into());
        tracing::info!(language = language.code(), "language selected");
    }

    /// After a language switch: everything the Rust side formatted is formatted again.
    pub(super) fn refresh_texts(&self) {
        self.show_catalog_tiles();
        self.refresh_cart();
        // Forces the notice to be rebuilt in the new language.
        self.state.borrow_mut().notice.clear();
        self.refresh_gateway();
        self.refresh_admin();
    }

    fn back_to_catalog(&self) {
        self.result_timer.stop();
        self.context.signals.light(Light::Ready);
        self.show_screen(Screen::Catalog);
    }
}

/// Runs a UI callback's action on the kiosk, if it still exists. Every action counts as activity:
/// accessibility tools raise no pointer events.
pub(super) fn with(weak: &std::rc::Weak<Kiosk>, action: impl FnOnce(&Rc<Kiosk>)) {
    if let Some(kiosk) = weak.upgrade() {
        kiosk.touched();
        action(&kiosk);
    }
}
