//! What the kiosk does when staff and customers touch it, and when the engine reports progress.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use slint::{ComponentHandle, Timer, TimerMode};

use super::convert;
use super::{AppWindow, KioskAdapter, Screen, Theme};
use crate::catalog::Catalog;
use crate::checkout::{Cart, CheckoutEngine};
use crate::config::DisplaySettings;
use crate::hw::{Light, Signals};
use crate::i18n::Language;
use crate::kiosk::{AmountEntry, CatalogView, Navigation, PaymentView, PinEntry, Stock, Tick};

/// The journal setting that keeps the staff's language choice.
const LANGUAGE_SETTING: &str = "language";

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
    /// `catalog_url`: new catalogs from the feed, put on sale between sales.
    pub catalog_feed: Option<super::feed_link::FeedLink>,
    /// Where the catalog in use came from, for `status` and the metrics; updated on every reload.
    pub catalog_status: std::sync::Arc<std::sync::Mutex<crate::kiosk::fleet_status::CatalogStatus>>,
    /// `[kiosk] order_prefix`: "A" calls order 12 "A-12" on screen and on paper.
    pub order_prefix: Option<String>,
    /// Test, live or demo, for the status panel.
    pub mode: super::convert::Mode,
    /// `[checkout] tip_percentages`: the tips offered after Charge; empty: no tip screen.
    pub tip_percentages: Vec<u32>,
    /// `[checkout] on_catalog_expired`: whether an expired catalog stops sales.
    pub on_catalog_expired: crate::config::OnCatalogExpired,
    /// `[printer]`: receipts and kitchen tickets; `None`: nothing is printed.
    pub printer: Option<std::sync::Arc<crate::printer::Printer>>,
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
    pub(super) countdown_timer: Timer,
    pub(super) result_timer: Timer,
    pub(super) idle_timer: Timer,
    /// Once a second: the feed's answers taken, and a catalog waiting for the sale on screen put on sale.
    pub(super) catalog_timer: Timer,
}

pub(super) struct State {
    pub(super) cart: Cart,
    /// The catalog on sale and its tabs; replaced between sales only (`catalog_feed.rs`).
    pub(super) shelf: CatalogView,
    /// A new catalog (from the feed, or staff's Reload catalog) waiting for the cart to empty and the sale on
    /// screen to end: a price never changes under a customer.
    pub(super) waiting_catalog: Option<crate::catalog::Catalog>,
    /// Sold-out marks and counts, as last read from the journal.
    pub(super) stock: Stock,
    pub(super) pin: PinEntry,
    /// The custom-amount keypad and its description.
    pub(super) amount: AmountEntry,
    /// The sale on the payment screen, if any.
    pub(super) payment: PaymentView,
    /// The screen up now and the quiet-spell rules (attract screen, dimming, staff lock).
    pub(super) nav: Navigation,
    /// WooshPay did not answer the last request: new sales are refused until it does.
    pub(super) offline: bool,
    /// The catalog in use expired and `[checkout] on_catalog_expired = "stop"`: Charge is refused.
    pub(super) catalog_stopped: bool,
    /// Earlier sales recovery could not settle yet (it keeps trying).
    pub(super) unconfirmed: usize,
    pub(super) notice: String,
    /// Paid sales whose print jobs this process has handed to the printer's queue.
    pub(super) queued_prints: std::collections::HashSet<i64>,
    /// The order the last Charge sent, tip and names included: Retry sends it again unchanged.
    pub(super) last_order: Option<crate::order::Order>,
    /// The language staff chose (else `[display] language`); a customer's choice lasts one sale.
    pub(super) staff_language: Language,
    /// The sale open on the staff screen, and its refund as keyed so far.
    pub(super) open_sale: Option<crate::kiosk::OpenSale>,
}

impl Kiosk {
    /// The kiosk's state, with the window showing the shop, theme and language; no view wired yet.
    pub(super) fn new(window: &AppWindow, context: UiContext) -> Rc<Kiosk> {
        let kiosk = Rc::new(Kiosk {
            window: window.as_weak(),
            state: RefCell::new(State {
                cart: Cart::default(),
                shelf: CatalogView::new(context.catalog.clone()),
                waiting_catalog: None,
                stock: Stock::default(),
                pin: PinEntry::default(),
                amount: AmountEntry::default(),
                payment: PaymentView::default(),
                nav: Navigation::new(
                    context.display.idle_after,
                    context.staff.as_ref().map(|staff| staff.admin_lock_after),
                    Duration::ZERO,
                ),
                offline: false,
                catalog_stopped: false,
                unconfirmed: 0,
                notice: String::new(),
                last_order: None,
                queued_prints: Default::default(),
                staff_language: context.display.language,
                open_sale: None,
            }),
            context,
            started: Instant::now(),
            countdown_timer: Timer::default(),
            result_timer: Timer::default(),
            idle_timer: Timer::default(),
            catalog_timer: Timer::default(),
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
        let language = kiosk
            .saved_language()
            .unwrap_or(kiosk.context.display.language);
        kiosk.state.borrow_mut().staff_language = language;
        kiosk.apply_language(window, language);
        kiosk.restore_pin_guard();
        kiosk
    }

    /// Ready for customers: the catalog on screen, the once-a-second rules ticking, WooshPay watched.
    pub(super) fn start(self: &Rc<Self>) {
        self.context.signals.light(Light::Ready);
        if let Some(backlight) = &self.context.backlight {
            backlight.restore();
        }
        self.sync_stock();
        // Paid sales whose print a crash or restart cut short.
        self.print_unprinted();
        let weak = Rc::downgrade(self);
        self.idle_timer
            .start(TimerMode::Repeated, Duration::from_secs(1), move || {
                if let Some(kiosk) = weak.upgrade() {
                    kiosk.tick();
                    kiosk.refresh_gateway();
                    kiosk.refresh_pin_countdown();
                    if kiosk.state.borrow().nav.screen() == crate::kiosk::Screen::Admin {
                        kiosk.refresh_status();
                    }
                }
            });
        self.watch_gateway();
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
            Some(Tick::LeaveTip) => {
                tracing::info!("nobody chose a tip; back to the cart");
                self.show_screen(Screen::Catalog);
            }
            None => {}
        }
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
        self.state.borrow_mut().shelf.set_language(language);
        let adapter = window.global::<KioskAdapter>();
        adapter.set_language(language.code().into());
        adapter.set_language_name(language.native_name().into());
        adapter.set_language_short(language.short_label().into());
        tracing::info!(language = language.code(), "language selected");
    }

    /// The language staff last chose on the staff screen, from the journal.
    fn saved_language(&self) -> Option<Language> {
        let saved = self
            .context
            .engine
            .with_journal(|journal| journal.setting(LANGUAGE_SETTING));
        match saved {
            Ok(code) => code.as_deref().and_then(Language::from_code),
            Err(error) => {
                tracing::warn!(%error, "cannot read the saved language; using [display] language");
                None
            }
        }
    }

    /// Staff chose a language: it stays after a restart, over `[display] language`.
    pub(super) fn save_language(&self, language: Language) {
        self.state.borrow_mut().staff_language = language;
        let saved = self
            .context
            .engine
            .with_journal(|journal| journal.set_setting(LANGUAGE_SETTING, language.code()));
        if let Err(error) = saved {
            tracing::error!(%error, "cannot save the language; it lasts until the next restart");
        }
    }

    /// After a sale a customer switched to another language: back to the staff's.
    pub(super) fn restore_staff_language(&self) {
        let staff = self.state.borrow().staff_language;
        if crate::i18n::current() != staff
            && let Some(window) = self.ui()
        {
            self.apply_language(&window, staff);
            self.refresh_texts();
        }
    }

    /// After a language switch: everything the Rust side formatted is formatted again.
    pub(super) fn refresh_texts(&self) {
        self.show_catalog_tiles();
        self.show_stock_rows();
        self.refresh_cart();
        // Forces the notice to be rebuilt in the new language.
        self.state.borrow_mut().notice.clear();
        self.refresh_gateway();
        self.refresh_admin();
    }
}

/// A touch anywhere counts as activity; the wake button or a tap on the attract screen wakes the kiosk.
pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let adapter = window.global::<KioskAdapter>();
    let weak = Rc::downgrade(kiosk);
    adapter.on_activity(move || with(&weak, |_| {}));
    let weak = Rc::downgrade(kiosk);
    adapter.on_wake(move || with(&weak, |k| k.wake()));
}

/// Runs a UI callback's action on the kiosk, if it still exists. Every action counts as activity:
/// accessibility tools raise no pointer events.
pub(super) fn with(weak: &std::rc::Weak<Kiosk>, action: impl FnOnce(&Rc<Kiosk>)) {
    if let Some(kiosk) = weak.upgrade() {
        kiosk.touched();
        action(&kiosk);
    }
}
