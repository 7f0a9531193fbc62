//! The staff side of the kiosk: PIN keypad with lockout, and the admin screen (recent sales with Re-check,
//! shift totals and Close shift, status, Reload catalog). Locks itself after `[staff] admin_lock_after_s`.

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use super::kiosk::{Kiosk, with};
use super::{AdminAdapter, AppWindow, PinAdapter, SaleRow, Screen, StatusRow, Strings, convert};
use crate::kiosk::PinNotice;
use crate::staff::Attempt;

/// The journal setting that keeps the wrong-PIN count and lockout across restarts.
const PIN_GUARD_SETTING: &str = "pin_guard";

/// How many sales the admin screen lists.
const RECENT_SALES: u32 = 30;

/// The Staff control, PIN pad and admin screen.
pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let adapter = window.global::<PinAdapter>();
    adapter.set_enabled(kiosk.context.staff.is_some());
    let weak = Rc::downgrade(kiosk);
    adapter.on_open(move || with(&weak, |k| k.open_pin()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_digit(move |digit| with(&weak, |k| k.pin_digit(&digit)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_erase(move || {
        with(&weak, |k| {
            k.state.borrow_mut().pin.erase();
            k.show_pin_entry();
        })
    });
    let weak = Rc::downgrade(kiosk);
    adapter.on_submit(move || with(&weak, Kiosk::submit_pin));
    let weak = Rc::downgrade(kiosk);
    adapter.on_leave(move || with(&weak, |k| k.lock_staff()));

    let adapter = window.global::<AdminAdapter>();
    let weak = Rc::downgrade(kiosk);
    adapter.on_leave(move || with(&weak, |k| k.lock_staff()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_recheck(move |id| with(&weak, |k| k.recheck(id.to_string())));
    let weak = Rc::downgrade(kiosk);
    adapter.on_close_shift(move || with(&weak, |k| k.close_shift()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_reload_catalog(move || with(&weak, |k| k.reload_catalog()));
    let weak = Rc::downgrade(kiosk);
    adapter.on_cycle_language(move || with(&weak, |k| k.cycle_language()));
}

impl Kiosk {
    /// The staff screen's language button: the next bundled language, kept in the journal so it outlives a
    /// restart (over `[display] language`).
    fn cycle_language(&self) {
        let Some(window) = self.ui() else { return };
        let next = crate::i18n::current().next();
        self.apply_language(&window, next);
        self.save_language(next);
        self.refresh_texts();
    }

    fn open_pin(&self) {
        if self.context.staff.is_none() || self.state.borrow().payment.is_running() {
            return;
        }
        self.state.borrow_mut().pin.clear();
        self.show_pin_entry();
        self.show_screen(Screen::Pin);
    }

    fn pin_digit(&self, digit: &str) {
        {
            let mut state = self.state.borrow_mut();
            state.pin.type_digit(digit);
        }
        self.show_pin_entry();
    }

    /// Dots for the digits typed, and the lockout if one is running.
    fn show_pin_entry(&self) {
        let Some(window) = self.ui() else {
            return;
        };
        let now = self.now();
        let (digits, notice) = {
            let mut state = self.state.borrow_mut();
            (state.pin.digits_typed(), state.pin.notice(now))
        };
        let checking = self.state.borrow().pin.checking();
        let adapter = window.global::<PinAdapter>();
        adapter.set_digits(i32::try_from(digits).unwrap_or(0));
        adapter.set_checking(checking);
        show_pin_notice(&window, notice);
    }

    fn submit_pin(self: &Rc<Self>) {
        let Some(staff) = self.context.staff.clone() else {
            return;
        };
        let Some(pin) = self.state.borrow_mut().pin.submit(self.now()) else {
            // A check is running, a lockout runs, or too few digits: nothing is checked or counted.
            self.show_pin_entry();
            return;
        };
        self.show_pin_entry();
        // Argon2 takes a noticeable moment on a Pi: never on the UI thread. Only the match leaves it; the count
        // is updated back here, by `PinEntry::checked`.
        let weak = Rc::downgrade(self);
        let runtime = self.context.runtime.clone();
        let spawned = slint::spawn_local(async move {
            let matched = runtime
                .spawn_blocking(move || staff.pin_hash.matches(&pin))
                .await
                .unwrap_or(false);
            let Some(kiosk) = weak.upgrade() else { return };
            let now = kiosk.now();
            let attempt = kiosk.state.borrow_mut().pin.checked(matched, now);
            kiosk.save_pin_guard(&attempt);
            let Some(window) = kiosk.ui() else { return };
            let adapter = window.global::<AdminAdapter>();
            match attempt {
                Attempt::Accepted => {
                    kiosk.state.borrow_mut().pin.accepted();
                    kiosk.show_pin_entry();
                    show_pin_notice(&window, PinNotice::None);
                    adapter.set_message("".into());
                    kiosk.refresh_admin();
                    kiosk.show_screen(Screen::Admin);
                }
                Attempt::Rejected {
                    attempts_left,
                    locked_for,
                } if locked_for.is_zero() => {
                    kiosk.state.borrow_mut().pin.rejected(attempts_left);
                    kiosk.show_pin_entry();
                }
                Attempt::Rejected { .. } | Attempt::LockedOut { .. } => {
                    kiosk.context.signals.beep(crate::hw::Beep::Failure);
                    kiosk.show_pin_entry();
                }
            }
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot check the PIN on the UI thread");
            self.state.borrow_mut().pin.abandoned();
        }
    }

    /// The wrong-PIN count and lockout, into the journal (in the state directory) after every check that changed
    /// them, so a restart or a pulled plug hands out no fresh attempts. Never on a timer.
    fn save_pin_guard(&self, attempt: &Attempt) {
        if matches!(attempt, Attempt::LockedOut { .. }) {
            return;
        }
        let saved = self
            .state
            .borrow()
            .pin
            .saved_guard(self.now(), crate::journal::now_ms());
        let written = self
            .context
            .engine
            .with_journal(|journal| journal.set_setting(PIN_GUARD_SETTING, &saved));
        if let Err(error) = written {
            tracing::error!(%error, "cannot save the PIN lockout; it lasts until the next restart");
        }
    }

    /// At start: the count and lockout saved before the last restart.
    pub(super) fn restore_pin_guard(&self) {
        let saved = self
            .context
            .engine
            .with_journal(|journal| journal.setting(PIN_GUARD_SETTING));
        match saved {
            Ok(Some(saved)) => {
                let now = self.now();
                self.state
                    .borrow_mut()
                    .pin
                    .restore_guard(&saved, now, crate::journal::now_ms());
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "cannot read the saved PIN lockout"),
        }
    }

    pub(super) fn lock_staff(&self) {
        let notice = self.state.borrow_mut().pin.closed();
        // A sale left open on the staff screen is closed with it (a refund on its way still settles).
        self.state.borrow_mut().open_sale = None;
        if let Some(window) = self.ui() {
            window.global::<super::SaleAdapter>().set_open(false);
            window.global::<PinAdapter>().set_digits(0);
            window.global::<AdminAdapter>().set_message("".into());
            show_pin_notice(&window, notice);
        }
        self.show_screen(Screen::Catalog);
    }

    /// Once a second on the keypad: the lockout's countdown.
    pub(super) fn refresh_pin_countdown(&self) {
        if self.state.borrow().nav.screen() == crate::kiosk::Screen::Pin {
            self.show_pin_entry();
        }
    }

    /// Fills the admin screen from the journal and the engine.
    pub(super) fn refresh_admin(&self) {
        let Some(window) = self.ui() else { return };
        let adapter = window.global::<AdminAdapter>();
        let (recent, shift, past) = self.context.engine.with_journal(|journal| {
            let recent: Vec<(crate::journal::SaleRecord, i64)> = journal
                .recent(RECENT_SALES)
                .unwrap_or_default()
                .into_iter()
                .map(|sale| {
                    let refunds = journal.refunds_of(sale.row_id).unwrap_or_default();
                    let refunded = crate::journal::refunded_and_left(&sale, &refunds).0;
                    (sale, refunded)
                })
                .collect();
            (
                recent,
                journal.current_shift().ok(),
                journal.shift_reports(5).unwrap_or_default(),
            )
        });
        let strings = window.global::<Strings>();
        let tax_name = &self.context.engine.settings().tax.name;
        let prefix = self.context.order_prefix.as_deref();
        let rows: Vec<SaleRow> = recent
            .iter()
            .map(|(sale, refunded)| convert::sale_row(sale, prefix, *refunded))
            .collect();
        adapter.set_sales(ModelRc::new(VecModel::from(rows)));
        let lines: Vec<SharedString> = shift
            .map(|totals| convert::shift_lines(&totals, tax_name, &strings))
            .unwrap_or_default();
        adapter.set_shift_lines(ModelRc::new(VecModel::from(lines)));
        let past: Vec<SharedString> = past
            .iter()
            .map(|report| convert::shift_summary(report, tax_name, &strings))
            .collect();
        adapter.set_past_shifts(ModelRc::new(VecModel::from(past)));
        self.refresh_status();
    }

    /// The status panel: once a second while the admin screen is up, as WooshPay and the printer come and go.
    pub(super) fn refresh_status(&self) {
        let Some(window) = self.ui() else { return };
        let adapter = window.global::<AdminAdapter>();
        let strings = window.global::<Strings>();
        let gateway = self.context.engine.gateway_status();
        let catalog_items = self.state.borrow().shelf.catalog().items.len();
        let status: Vec<StatusRow> = convert::status_rows(
            &convert::StatusFacts {
                mode: self.context.mode,
                gateway,
                ip_address: first_ip_address(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
                catalog_items,
                catalog: match (&self.context.catalog_feed, &self.context.catalog_source) {
                    (Some(feed), _) => convert::CatalogSource::Url(&feed.url),
                    (None, Some((path, _))) => convert::CatalogSource::File(path),
                    (None, None) => convert::CatalogSource::BuiltIn,
                },
                catalog_error: self
                    .catalog_status()
                    .last_error
                    .clone()
                    .or_else(|| self.catalog_expired_notice()),
                language: crate::i18n::current(),
                printer: self.context.printer.as_ref().map(|printer| printer.state()),
            },
            &strings,
        );
        adapter.set_status(ModelRc::new(VecModel::from(status)));
        // Tickets are held from the printer's queue thread, so the count is read with the rest of the status.
        if self.context.printer.is_some() {
            let held = self
                .context
                .engine
                .with_journal(|journal| journal.held_tickets().map(|held| held.len()))
                .unwrap_or(0);
            adapter.set_held_tickets(i32::try_from(held).unwrap_or(i32::MAX));
        }
    }

    pub(super) fn admin_message(&self, message: &str) {
        if let Some(window) = self.ui() {
            window.global::<AdminAdapter>().set_message(message.into());
        }
    }

    /// A sentence from the `Strings` global, in the kiosk's language.
    pub(super) fn text(&self, sentence: impl FnOnce(&Strings<'_>) -> SharedString) -> String {
        self.ui()
            .map(|window| sentence(&window.global::<Strings>()).into())
            .unwrap_or_default()
    }

    pub(super) fn recheck(self: &Rc<Self>, session_id: String) {
        self.admin_message(&self.text(|t| t.invoke_rechecking(session_id.as_str().into())));
        let engine = self.context.engine.clone();
        let runtime = self.context.runtime.clone();
        let weak = Rc::downgrade(self);
        let spawned = slint::spawn_local(async move {
            let result = runtime
                .spawn(async move { engine.recheck(&session_id).await })
                .await
                .unwrap_or_else(|e| Err(format!("the re-check stopped: {e}")));
            let Some(kiosk) = weak.upgrade() else { return };
            // A Re-check may have recorded the sale paid: its stock is taken and its receipt is due.
            kiosk.refresh_stock();
            kiosk.print_unprinted();
            kiosk.refresh_admin();
            kiosk.admin_message(&match result {
                Ok(answer) => kiosk.text(|t| {
                    let word = |w: Option<String>| w.unwrap_or_else(|| t.invoke_unknown().into());
                    t.invoke_recheck_answer(
                        answer.session_id.as_str().into(),
                        word(answer.status).into(),
                        word(answer.payment).into(),
                        answer
                            .recorded
                            .map(|o| o.as_str())
                            .unwrap_or_default()
                            .into(),
                    )
                }),
                Err(error) => kiosk.text(|t| t.invoke_recheck_failed(error.into())),
            });
        });
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot run the re-check");
        }
    }

    fn close_shift(self: &Rc<Self>) {
        let closed = self
            .context
            .engine
            .with_journal(|journal| journal.close_shift(crate::journal::now_ms()));
        match closed {
            Ok(report) => {
                tracing::info!(?report, "shift closed");
                self.refresh_admin();
                let tax_name = &self.context.engine.settings().tax.name;
                let summary = self
                    .text(|t| t.invoke_shift_closed(convert::shift_summary(&report, tax_name, t)));
                // The shift's money, checked against WooshPay's own records while staff are still there, from
                // the earliest sale it counts (a late payment was begun in an earlier shift). A first shift with
                // no sale starts at 0: a day back is enough to find a session this kiosk made but never
                // journalled, without paging through the whole account's history.
                let since_ms = match (report.opened_ms, report.sales_from_ms) {
                    (0, None) => crate::journal::now_ms() - 86_400_000,
                    (0, Some(from)) => from,
                    (opened, from) => from.map_or(opened, |from| from.min(opened)),
                };
                self.reconcile_shift(since_ms, summary);
            }
            Err(error) => self.admin_message(
                &self.text(|t| t.invoke_shift_close_failed(error.to_string().into())),
            ),
        }
    }

    /// Reads the catalog file again (or asks the feed at once); a file that does not load leaves the old catalog
    /// in use, and one that does waits, like the feed's, for a cart on screen to be paid or emptied.
    fn reload_catalog(&self) {
        if self.refresh_feed_now() {
            return;
        }
        let Some((path, currency)) = self.context.catalog_source.clone() else {
            self.admin_message(&self.text(|t| t.invoke_catalog_built_in()));
            return;
        };
        match crate::catalog::Catalog::load(&path, currency) {
            Ok(catalog) => {
                self.catalog_status().last_error = None;
                match self.offer_catalog(catalog) {
                    super::catalog_feed::Offered::OnSale(count) => {
                        self.admin_message(&self.text(|t| {
                            t.invoke_catalog_reloaded(i32::try_from(count).unwrap_or(i32::MAX))
                        }))
                    }
                    super::catalog_feed::Offered::Waiting => {
                        self.admin_message(&self.text(|t| t.invoke_catalog_waits_for_cart()))
                    }
                }
            }
            Err(error) => {
                self.catalog_status().last_error = Some(error.0.clone());
                self.admin_message(
                    &self.text(|t| t.invoke_catalog_not_reloaded(error.0.as_str().into())),
                )
            }
        }
    }
}

impl Kiosk {
    /// Replaces the catalog on sale: cart lines for items that are gone are dropped, the tabs and stock follow.
    pub(super) fn put_on_sale(&self, catalog: crate::catalog::Catalog) -> usize {
        let count = catalog.items.len();
        {
            let mut status = self.catalog_status();
            status.describe(&catalog);
            status.loaded_ms = Some(crate::journal::now_ms());
        }
        {
            let mut state = self.state.borrow_mut();
            state.cart.retain_known(&catalog);
            state.shelf.replace(catalog);
        }
        self.sync_stock();
        self.show_catalog_tiles();
        self.refresh_cart();
        self.refresh_admin();
        count
    }
}

/// The address staff would type to reach this kiosk: the first non-loopback IPv4, else IPv6; `Some("")` when
/// there is none, `None` when the interfaces cannot be read.
fn first_ip_address() -> Option<String> {
    let Ok(interfaces) = if_addrs::get_if_addrs() else {
        return None;
    };
    let mut addresses: Vec<std::net::IpAddr> = interfaces
        .iter()
        .filter(|i| !i.is_loopback())
        .map(|i| i.ip())
        .collect();
    addresses.sort_by_key(|ip| !ip.is_ipv4());
    Some(
        addresses
            .first()
            .map_or_else(String::new, |ip| ip.to_string()),
    )
}

/// The line under the keypad's dots, in the kiosk's language.
fn show_pin_notice(window: &AppWindow, notice: PinNotice) {
    let adapter = window.global::<PinAdapter>();
    let strings = window.global::<Strings>();
    adapter.set_locked_out(matches!(notice, PinNotice::LockedOut { .. }));
    adapter.set_message(match notice {
        PinNotice::None => SharedString::new(),
        PinNotice::Prompt => strings.invoke_pin_prompt(),
        PinNotice::Wrong { attempts_left } => {
            strings.invoke_pin_wrong(i32::try_from(attempts_left).unwrap_or(i32::MAX))
        }
        PinNotice::LockedOut { remaining } => {
            strings.invoke_pin_locked_out(convert::countdown(remaining))
        }
    });
}
