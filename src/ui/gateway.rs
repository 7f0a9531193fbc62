//! WooshPay's reachability and earlier sales: recovery at start and while sales stay unsettled, a probe between
//! sales, and what the catalog's notice says about both.

use std::rc::Rc;
use std::time::Duration;

use slint::ComponentHandle;

use super::kiosk::Kiosk;
use super::{CatalogAdapter, ResultKind, Strings, convert};
use crate::checkout::{CheckoutEvent, Outcome, Recovered, SessionInfo};
use crate::hw::signal_event;

/// How often the kiosk checks WooshPay while no sale runs: often while it is unreachable, rarely otherwise.
const PROBE_WHEN_OFFLINE: Duration = Duration::from_secs(10);
const PROBE_WHEN_ONLINE: Duration = Duration::from_secs(60);

impl Kiosk {
    /// Recovery at start, then again while earlier sales stay unsettled; between sales a cheap probe keeps
    /// the "WooshPay unreachable" notice honest. Runs on the runtime; results come back to the UI thread.
    pub(super) fn watch_gateway(self: &Rc<Self>) {
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
                    // A refund left in flight by a crash or a lost answer (here or from a terminal) is settled the
                    // same way `recover` settles it: found by its key, else replayed under it.
                    engine.settle_refunds().await;
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

    pub(super) fn on_recovered(self: &Rc<Self>, recovered: Vec<Recovered>) {
        let mut unconfirmed = 0;
        for item in recovered {
            match item {
                Recovered::Settled {
                    reference,
                    session_id,
                    amount,
                    late_payment: true,
                    order_number,
                    ..
                } => {
                    // The customer paid while the kiosk was down: say so, so staff hand over the goods.
                    let session_id = session_id.unwrap_or_default();
                    let session = SessionInfo {
                        id: session_id.clone(),
                        url: String::new(),
                    };
                    signal_event(
                        &*self.context.signals,
                        &CheckoutEvent::Finished {
                            outcome: Outcome::Paid { session },
                            order_number,
                        },
                    );
                    self.print_unprinted();
                    self.refresh_stock();
                    let Some(window) = self.ui() else { continue };
                    let strings = window.global::<Strings>();
                    self.show_result(
                        ResultKind::Paid,
                        &strings.invoke_late_payment_title(),
                        &strings.invoke_late_payment_detail(reference.as_str().into()),
                        &convert::money(amount),
                        order_number,
                    );
                }
                Recovered::Settled { .. } => {}
                Recovered::Resumable(sale) => {
                    let on_screen = self.state.borrow().payment.is_running();
                    let total = sale.order.total();
                    let handle = self.context.engine.resume(sale);
                    if on_screen {
                        // A sale is already on screen: follow this one in the background to its recorded end,
                        // then take its stock and print it if it was paid.
                        let task = self.context.runtime.spawn(handle.outcome());
                        let weak = Rc::downgrade(self);
                        let spawned = slint::spawn_local(async move {
                            let _ = task.await;
                            if let Some(kiosk) = weak.upgrade() {
                                kiosk.refresh_stock();
                                kiosk.print_unprinted();
                            }
                        });
                        if let Err(error) = spawned {
                            tracing::error!(%error, "cannot follow the resumed sale on the UI thread");
                        }
                    } else {
                        self.follow(handle, total);
                    }
                }
                Recovered::Unresolved { .. } => unconfirmed += 1,
            }
        }
        self.state.borrow_mut().unconfirmed = unconfirmed;
        self.refresh_gateway();
    }

    /// What the catalog screen and the staff screen say once the catalog in use is past its `expires`
    /// (`[checkout] on_catalog_expired` decides whether sales stop); `None` before then or without `expires`.
    pub(super) fn catalog_expired_notice(&self) -> Option<String> {
        let expires = self.state.borrow().shelf.catalog().expires?;
        if expires > jiff::Timestamp::now() {
            return None;
        }
        let window = self.ui()?;
        let strings = window.global::<Strings>();
        let at: slint::SharedString =
            convert::local_time(expires.as_millisecond(), "%Y-%m-%d %H:%M").into();
        Some(
            match self.context.on_catalog_expired {
                crate::config::OnCatalogExpired::Warn => strings.invoke_catalog_expired_warning(at),
                crate::config::OnCatalogExpired::Stop => strings.invoke_catalog_expired_stopped(at),
            }
            .to_string(),
        )
    }

    pub(super) fn refresh_gateway(&self) {
        let status = self.context.engine.gateway_status();
        let offline = status.reachable == Some(false);
        let Some(window) = self.ui() else { return };
        let expired = self.catalog_expired_notice();
        let stopped = expired.is_some()
            && self.context.on_catalog_expired == crate::config::OnCatalogExpired::Stop;
        let notice = {
            let state = self.state.borrow();
            let gateway = convert::gateway_notice(
                offline,
                status.last_contact_ms,
                state.unconfirmed,
                &window.global::<Strings>(),
            );
            [Some(gateway), expired]
                .into_iter()
                .flatten()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let changed = {
            let mut state = self.state.borrow_mut();
            let changed = state.offline != offline
                || state.notice != notice
                || state.catalog_stopped != stopped;
            state.offline = offline;
            state.catalog_stopped = stopped;
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
}
