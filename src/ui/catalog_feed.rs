//! `catalog_url`: the feed refreshes on the runtime every `catalog_refresh_s` (and when staff tap Reload
//! catalog); the UI takes each answer on its own thread and puts a new catalog on sale only between sales
//! (no sale running, nothing in the cart, the catalog or attract screen up), so a price never changes under a
//! customer. A failed refresh keeps the catalog in use and is named on the staff screen and in the log.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slint::{Timer, TimerMode};

use super::AppWindow;
use super::kiosk::Kiosk;
use crate::catalog::Catalog;
use crate::catalog_feed::{CatalogFeed, FeedStatus, Refresh};
use crate::kiosk::Screen;

/// One answer of the feed, with its state after it.
pub struct FeedReport {
    pub refresh: Refresh,
    pub status: FeedStatus,
}

/// The UI's end of the feed.
pub struct FeedLink {
    pub url: String,
    reports: Mutex<mpsc::Receiver<FeedReport>>,
    refresh_now: Arc<tokio::sync::Notify>,
    /// A new catalog waiting for the sale on screen to end.
    waiting: RefCell<Option<Catalog>>,
    timer: RefCell<Option<Timer>>,
}

/// Runs the feed on `runtime`: a refresh every interval, or at once when staff ask.
pub fn start(mut feed: CatalogFeed, runtime: &tokio::runtime::Handle) -> FeedLink {
    let (sender, reports) = mpsc::channel();
    let refresh_now = Arc::new(tokio::sync::Notify::new());
    let asked = refresh_now.clone();
    let url = feed.settings().url.to_string();
    runtime.spawn(async move {
        let interval = feed.refresh_interval();
        loop {
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                () = asked.notified() => {}
            }
            let refresh = feed.refresh().await;
            let report = FeedReport {
                refresh,
                status: feed.status().clone(),
            };
            if sender.send(report).is_err() {
                return; // the UI has gone
            }
        }
    });
    FeedLink {
        url,
        reports: Mutex::new(reports),
        refresh_now,
        waiting: RefCell::new(None),
        timer: RefCell::new(None),
    }
}

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
    /// Staff's Reload catalog with a feed: fetch now; the answer arrives like any other.
    pub(super) fn refresh_feed_now(&self) -> bool {
        let Some(link) = &self.context.catalog_feed else {
            return false;
        };
        link.refresh_now.notify_one();
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
            {
                let mut status = self
                    .context
                    .catalog_status
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                status.fetched_ms = report.status.fetched_at_ms;
                status.last_error = report.status.last_error.clone();
            }
            match report.refresh {
                Refresh::Updated(catalog) => {
                    link.waiting.replace(Some(catalog));
                }
                Refresh::Unchanged => {}
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
