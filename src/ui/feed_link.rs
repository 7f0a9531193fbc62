//! The feed's side of `catalog_url` that runs on the runtime: a refresh every `catalog_refresh_s`, or at once when
//! staff ask, each answer sent to the UI thread, which takes it in `catalog_feed.rs`.

use std::cell::Cell;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use crate::catalog_feed::{CatalogFeed, FeedStatus, Refresh};

/// One answer of the feed, with its state after it.
pub struct FeedReport {
    pub refresh: Refresh,
    pub status: FeedStatus,
}

/// The UI's end of the feed.
pub struct FeedLink {
    pub url: String,
    pub(super) reports: Mutex<mpsc::Receiver<FeedReport>>,
    pub(super) refresh_now: Arc<tokio::sync::Notify>,
    /// Staff asked (Reload catalog) and the answer has not come yet.
    pub(super) asked: Cell<bool>,
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
        asked: Cell::new(false),
    }
}
