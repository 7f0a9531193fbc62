//! How a new catalog reaches the screen, whichever way it came (the `catalog_url` feed, or staff's Reload
//! catalog reading the file again): it is offered, and put on sale only between sales (no sale running, nothing
//! in the cart, the catalog, attract or staff screen up); until then it waits, and a newer one replaces it. So a
//! price never changes under a customer. The feed's answers (`feed_link.rs`) are taken once a second, when a
//! waiting catalog is also looked at. A failed refresh keeps the catalog in use and is named on the staff screen
//! and in the log.

use std::rc::Rc;
use std::time::Duration;

use slint::TimerMode;

use super::AppWindow;
use super::feed_link::FeedReport;
use super::kiosk::Kiosk;
use crate::catalog::Catalog;
use crate::catalog_feed::Refresh;
use crate::kiosk::Screen;

pub fn connect(kiosk: &Rc<Kiosk>, _window: &AppWindow) {
    let weak = Rc::downgrade(kiosk);
    kiosk
        .catalog_timer
        .start(TimerMode::Repeated, Duration::from_secs(1), move || {
            if let Some(kiosk) = weak.upgrade() {
                kiosk.take_feed_reports();
                kiosk.put_waiting_catalog_on_sale();
            }
        });
}

/// What became of an offered catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Offered {
    /// On sale now, with this many items.
    OnSale(usize),
    /// Waiting for the cart to empty and the sale on screen to end.
    Waiting,
}

impl Kiosk {
    /// Where the catalog in use came from, shared with the status file's thread.
    pub(super) fn catalog_status(
        &self,
    ) -> std::sync::MutexGuard<'_, crate::kiosk::fleet_status::CatalogStatus> {
        self.context
            .catalog_status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The one way a new catalog goes on sale: at once between sales, else when the sale on screen is over.
    pub(super) fn offer_catalog(&self, catalog: Catalog) -> Offered {
        if self.between_sales() {
            self.state.borrow_mut().waiting_catalog = None;
            Offered::OnSale(self.put_on_sale(catalog))
        } else {
            self.state.borrow_mut().waiting_catalog = Some(catalog);
            Offered::Waiting
        }
    }

    fn put_waiting_catalog_on_sale(&self) {
        if !self.between_sales() {
            return;
        }
        let Some(catalog) = self.state.borrow_mut().waiting_catalog.take() else {
            return;
        };
        let count = self.put_on_sale(catalog);
        tracing::info!(items = count, "the new catalog is on sale");
        if self.state.borrow().nav.screen() == Screen::Admin {
            self.admin_message(
                &self.text(|t| t.invoke_catalog_reloaded(i32::try_from(count).unwrap_or(i32::MAX))),
            );
        }
    }

    /// Staff's Reload catalog with a feed: fetch now; the answer arrives like any other.
    pub(super) fn refresh_feed_now(&self) -> bool {
        let Some(link) = &self.context.catalog_feed else {
            return false;
        };
        link.refresh_now.notify_one();
        link.asked.set(true);
        let url = link.url.clone();
        self.admin_message(&self.text(|t| t.invoke_catalog_fetching(url.as_str().into())));
        true
    }

    fn take_feed_reports(&self) {
        let Some(link) = &self.context.catalog_feed else {
            return;
        };
        let reports: Vec<FeedReport> = {
            let receiver = link.reports.lock().unwrap_or_else(|e| e.into_inner());
            receiver.try_iter().collect()
        };
        for report in reports {
            // Staff tapped Reload catalog: this answer is theirs, whatever it says.
            let asked =
                link.asked.replace(false) && self.state.borrow().nav.screen() == Screen::Admin;
            {
                let mut status = self.catalog_status();
                status.fetched_ms = report.status.fetched_at_ms;
                status.checked_ms = report.status.checked_at_ms;
                status.last_error = report.status.last_error.clone();
            }
            match report.refresh {
                Refresh::Updated(catalog) => match self.offer_catalog(catalog) {
                    Offered::OnSale(count) => {
                        tracing::info!(items = count, url = %link.url, "the new catalog is on sale");
                        if self.state.borrow().nav.screen() == Screen::Admin {
                            self.admin_message(&self.text(|t| {
                                t.invoke_catalog_reloaded(i32::try_from(count).unwrap_or(i32::MAX))
                            }));
                        }
                    }
                    Offered::Waiting if asked => {
                        self.admin_message(&self.text(|t| t.invoke_catalog_waits_for_cart()))
                    }
                    Offered::Waiting => {}
                },
                Refresh::Unchanged => {
                    if asked {
                        let count = self.state.borrow().shelf.catalog().items.len();
                        self.admin_message(&self.text(|t| {
                            t.invoke_catalog_up_to_date(i32::try_from(count).unwrap_or(i32::MAX))
                        }));
                    }
                }
                Refresh::Failed { error } => {
                    crate::metrics::catalog_refresh_failure();
                    tracing::warn!(%error, "the catalog was not refreshed; the one in use stays");
                    if self.state.borrow().nav.screen() == Screen::Admin {
                        self.admin_message(
                            &self.text(|t| t.invoke_catalog_not_reloaded(error.as_str().into())),
                        );
                    }
                }
            }
        }
    }

    /// No sale running or being put together: the only time prices may change.
    fn between_sales(&self) -> bool {
        let state = self.state.borrow();
        !self.context.engine.is_busy()
            && state.cart.is_empty()
            && matches!(
                state.nav.screen(),
                Screen::Catalog | Screen::Idle | Screen::Admin | Screen::Pin
            )
    }
}
