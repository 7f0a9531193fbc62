//! What the running kiosk tells the outside while it runs: the status file `status` reads, and the metrics
//! `[metrics]` publishes. Neither ever holds up a sale: both read shared state and write on threads of their own,
//! and the status file is in the runtime directory (a tmpfs), so an idle kiosk writes nothing to its SD card.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::checkout::CheckoutEngine;
use crate::kiosk::fleet_status::{self, CatalogStatus, GatewayLive, LiveStatus, PrinterLive};
use crate::metrics::{LiveFacts, MetricsConfig};
use crate::printer::Printer;

pub struct LiveReports {
    /// Where the status file goes: [`crate::state::runtime_dir`].
    pub runtime_dir: PathBuf,
    pub kiosk_id: String,
    /// The currency the kiosk sells in: its paid amount is a series at 0 before the first sale.
    pub currency: &'static str,
    pub mode: &'static str,
    pub engine: CheckoutEngine,
    pub printer: Option<Arc<Printer>>,
    pub catalog: Arc<Mutex<CatalogStatus>>,
}

impl LiveReports {
    /// Starts the status file, and the metrics endpoint and textfile when configured. A metrics port that is
    /// taken is logged, never a reason not to sell. Returns where the metrics are answered (a port of 0 is the
    /// one the system chose; the status file says it too).
    pub fn start(
        self,
        metrics: Option<&MetricsConfig>,
        runtime: &tokio::runtime::Handle,
    ) -> Option<SocketAddr> {
        crate::metrics::identify(&self.kiosk_id, self.currency);
        let engine = self.engine.clone();
        let catalog = self.catalog.clone();
        crate::metrics::set_live_source(move || {
            let gateway = engine.gateway_status();
            LiveFacts {
                gateway_reachable: gateway.reachable,
                last_contact_ms: gateway.last_contact_ms,
                pending_sales: engine
                    .with_journal(|journal| journal.pending())
                    .ok()
                    .map(|pending| pending.len() as u64),
                catalog_confirmed_ms: {
                    let catalog = lock(&catalog);
                    catalog.checked_ms.or(catalog.fetched_ms)
                },
                catalog_expires_ms: lock(&catalog).expires_ms,
            }
        });
        let mut metrics_listen = None;
        if let Some(metrics) = metrics {
            if let Some(addr) = metrics.listen {
                match crate::metrics::serve(addr, runtime) {
                    Ok(endpoint) => metrics_listen = Some(endpoint.local_addr),
                    Err(error) => tracing::error!(%error, "metrics are not served"),
                }
            }
            if let Some(path) = &metrics.textfile {
                let writer =
                    crate::metrics::TextfileWriter::new(path.clone(), metrics.textfile_interval);
                if let Err(error) = writer.start() {
                    tracing::error!(%error, "cannot start writing the metrics file");
                }
            }
        }
        let spawned = std::thread::Builder::new()
            .name("status-file".into())
            .spawn(move || self.write_status_forever(metrics_listen));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start writing the status file");
        }
        metrics_listen
    }

    fn write_status_forever(self, metrics_listen: Option<SocketAddr>) {
        let mut failing = false;
        loop {
            let status = self.snapshot(metrics_listen);
            match fleet_status::write_live(&self.runtime_dir, &status) {
                Ok(()) => failing = false,
                Err(error) if !failing => {
                    failing = true;
                    tracing::warn!(%error, "cannot write the status file");
                }
                Err(_) => {}
            }
            std::thread::sleep(Duration::from_secs(fleet_status::WRITE_INTERVAL_S));
        }
    }

    fn snapshot(&self, metrics_listen: Option<SocketAddr>) -> LiveStatus {
        LiveStatus {
            written_ms: crate::journal::now_ms(),
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            kiosk_id: self.kiosk_id.clone(),
            mode: self.mode.to_owned(),
            sale_in_progress: self.engine.is_busy(),
            gateway: GatewayLive::from_status(&self.engine.gateway_status()),
            printer: self
                .printer
                .as_ref()
                .map(|printer| PrinterLive::from_state(&printer.state())),
            catalog: lock(&self.catalog).clone(),
            metrics_listen: metrics_listen.map(|addr| addr.to_string()),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
