//! `catalog_url` on the UI thread: each answer of the feed (`feed_link.rs`) is taken once a second, and a new
//! catalog is put on sale only between sales (no sale running, nothing in the cart, the catalog, attract or staff
//! screen up), so a price never changes under a customer. A failed refresh keeps the catalog in use and is named
//! on the staff screen and in the log.

use std::rc::Rc;
use std::time::Duration;

use slint::{Timer, TimerMode};

use super::AppWindow;
use super::feed_link::FeedReport;
use super::kiosk::Kiosk;
use crate::catalog_feed::Refresh;
use crate::kiosk::Screen;

pub fn connect(kiosk: &Rc<Kiosk>, _window: &AppWindow) {
    let Some(link) = &kiosk.context.catalog_feed else {
        return;
    };
    let timer = Timer::default();
    let weak = Rc::downgrade(kiosk);
    timer.start(TimerMode::Repeated, Duration::from_secs(1), move || {
        if let Some(kiosk) = weak.upgrade() {
            kiosk.take_feed_reports();
        }
    });
    link.timer.replace(Some(timer));
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
                Refresh::Updated(catalog) => {
                    link.waiting.replace(Some(catalog));
                    if asked && !self.between_sales() {
                        self.admin_message(&self.text(|t| t.invoke_catalog_waits_for_cart()));
                    }
                }
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
        if link.waiting.borrow().is_some() && self.between_sales() {
            let catalog = link.waiting.take().expect("checked above");
            let count = self.put_on_sale(catalog);
            tracing::info!(items = count, url = %link.url, "the new catalog is on sale");
            if self.state.borrow().nav.screen() == Screen::Admin {
                self.admin_message(
                    &self.text(|t| {
                        t.invoke_catalog_reloaded(i32::try_from(count).unwrap_or(i32::MAX))
                    }),
                );
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
