//! What the kiosk counts for Prometheus: sales, money, gateway errors, latencies and a few live gauges, kept in
//! one process-wide registry so any layer can count without being handed a handle. Publishing (an HTTP
//! listener, a file for node_exporter's textfile collector) is configured by `[metrics]` and started by the
//! kiosk; commands such as `charge` count too, but publish nothing.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

mod config;
mod labels;
mod serve;
mod textfile;

pub use config::{MetricsConfig, RawMetrics, validate};
pub use labels::{GatewayErrorKind, RecoveryResult, SALE_OUTCOMES};
pub use serve::{Endpoint, serve};
pub use textfile::{TextfileWriter, write_textfile};

/// Every metric name starts with this.
pub const PREFIX: &str = "wooshpay_kiosk";

/// What only the running kiosk knows, read at each scrape so "seconds since" is never stale.
#[derive(Clone, Debug, Default)]
pub struct LiveFacts {
    /// `None` until the first request to WooshPay has an answer or fails.
    pub gateway_reachable: Option<bool>,
    pub last_contact_ms: Option<i64>,
    /// Sales in the journal without a proven outcome; `None` when the journal could not be read.
    pub pending_sales: Option<u64>,
    /// When the catalog server last confirmed the copy in use (a 304 or a new file), for `catalog_url`.
    pub catalog_confirmed_ms: Option<i64>,
    /// The catalog in use's `expires` (ms since the Unix epoch), if it has one.
    pub catalog_expires_ms: Option<i64>,
}

type LiveSource = Box<dyn Fn() -> LiveFacts + Send + Sync>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CurrencyLabels {
    currency: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
    kiosk_id: String,
}

/// A gauge that is absent until its value is known (an empty label set, present or not).
type OptionalGauge = Family<Vec<(String, String)>, Gauge<f64, std::sync::atomic::AtomicU64>>;

pub struct Metrics {
    registry: Registry,
    sales: Family<OutcomeLabels, Counter>,
    paid_minor_units: Family<CurrencyLabels, Counter>,
    gateway_errors: Family<KindLabels, Counter>,
    recoveries: Family<ResultLabels, Counter>,
    refunds: Family<ResultLabels, Counter>,
    refunded_minor_units: Family<CurrencyLabels, Counter>,
    printer_failures: Counter,
    print_queue_errors: Counter,
    catalog_refresh_failures: Counter,
    create_session: Histogram,
    tap_to_qr: Histogram,
    qr_to_paid: Histogram,
    poll: Histogram,
    build_info: Family<BuildLabels, Gauge>,
    gateway_reachable: OptionalGauge,
    seconds_since_last_contact: OptionalGauge,
    pending_sales: OptionalGauge,
    catalog_age: OptionalGauge,
    catalog_expired: OptionalGauge,
    live: Mutex<Option<LiveSource>>,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);
        let sales = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "sales",
            "Sales finished with a proven outcome (paid, expired, cancelled, failed)",
            sales.clone(),
        );
        let paid_minor_units = Family::<CurrencyLabels, Counter>::default();
        registry.register(
            "paid_minor_units",
            "Amount paid, in the currency's minor units (pence, cents)",
            paid_minor_units.clone(),
        );
        let gateway_errors = Family::<KindLabels, Counter>::default();
        registry.register(
            "gateway_errors",
            "Requests to WooshPay that failed, by kind (connect, timeout, server, rate_limited, rejected, authentication, unreadable, other)",
            gateway_errors.clone(),
        );
        let recoveries = Family::<ResultLabels, Counter>::default();
        registry.register(
            "recoveries",
            "Pending sales looked at by crash recovery, by result (settled, resumed, still_pending)",
            recoveries.clone(),
        );
        let refunds = Family::<ResultLabels, Counter>::default();
        registry.register(
            "refunds",
            "Refunds WooshPay answered about, by result (succeeded, pending, failed, canceled, refused)",
            refunds.clone(),
        );
        let refunded_minor_units = Family::<CurrencyLabels, Counter>::default();
        registry.register(
            "refunded_minor_units",
            "Amount refunded (WooshPay's refund succeeded), in the currency's minor units",
            refunded_minor_units.clone(),
        );
        let printer_failures = Counter::default();
        registry.register(
            "printer_failures",
            "Print attempts that failed (the job is kept and tried again)",
            printer_failures.clone(),
        );
        let print_queue_errors = Counter::default();
        registry.register(
            "print_queue_errors",
            "Print jobs that could not be written to the queue in the state directory (nothing will print them)",
            print_queue_errors.clone(),
        );
        let catalog_refresh_failures = Counter::default();
        registry.register(
            "catalog_refresh_failures",
            "Fetches of catalog_url that failed (server down, invalid file, bad signature)",
            catalog_refresh_failures.clone(),
        );
        let request_buckets = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
        let create_session = Histogram::new(request_buckets);
        registry.register(
            "create_session_seconds",
            "Time for WooshPay to answer a create-session request",
            create_session.clone(),
        );
        let tap_to_qr = Histogram::new(request_buckets);
        registry.register(
            "tap_to_qr_seconds",
            "Time from Charge to the QR code on screen",
            tap_to_qr.clone(),
        );
        let qr_to_paid =
            Histogram::new([5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0]);
        registry.register(
            "qr_to_paid_seconds",
            "Time from the QR code on screen to WooshPay saying paid",
            qr_to_paid.clone(),
        );
        let poll = Histogram::new(request_buckets);
        registry.register(
            "poll_seconds",
            "Time for one read of a session's status",
            poll.clone(),
        );
        let build_info = Family::<BuildLabels, Gauge>::default();
        registry.register(
            "build_info",
            "The kiosk's version and id (always 1)",
            build_info.clone(),
        );
        let gateway_reachable = OptionalGauge::default();
        registry.register(
            "gateway_reachable",
            "1 when WooshPay answered the last request, 0 when it could not be reached",
            gateway_reachable.clone(),
        );
        let seconds_since_last_contact = OptionalGauge::default();
        registry.register(
            "seconds_since_last_contact",
            "Seconds since WooshPay last answered",
            seconds_since_last_contact.clone(),
        );
        let pending_sales = OptionalGauge::default();
        registry.register(
            "pending_sales",
            "Sales in the journal without a proven outcome yet",
            pending_sales.clone(),
        );
        let catalog_age = OptionalGauge::default();
        registry.register(
            "catalog_age_seconds",
            "Seconds since the catalog server last confirmed the copy in use (a 304 or a new file), with catalog_url",
            catalog_age.clone(),
        );
        let catalog_expired = OptionalGauge::default();
        registry.register(
            "catalog_expired",
            "1 when the catalog in use is past its `expires` (no newer one could be fetched), 0 before; absent without `expires`",
            catalog_expired.clone(),
        );
        let metrics = Self {
            registry,
            sales,
            paid_minor_units,
            gateway_errors,
            recoveries,
            refunds,
            refunded_minor_units,
            printer_failures,
            print_queue_errors,
            catalog_refresh_failures,
            create_session,
            tap_to_qr,
            qr_to_paid,
            poll,
            build_info,
            gateway_reachable,
            seconds_since_last_contact,
            pending_sales,
            catalog_age,
            catalog_expired,
            live: Mutex::new(None),
        };
        metrics.set_kiosk_id("unknown");
        // Every series whose labels are known in advance exists from the start, at 0.
        for outcome in SALE_OUTCOMES {
            metrics
                .sales
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.to_owned(),
                })
                .inc_by(0);
        }
        for kind in GatewayErrorKind::ALL {
            metrics
                .gateway_errors
                .get_or_create(&KindLabels {
                    kind: kind.label().to_owned(),
                })
                .inc_by(0);
        }
        for result in RecoveryResult::ALL {
            metrics
                .recoveries
                .get_or_create(&ResultLabels {
                    result: result.label().to_owned(),
                })
                .inc_by(0);
        }
        metrics
    }

    fn set_kiosk_id(&self, kiosk_id: &str) {
        self.build_info.clear();
        self.build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                kiosk_id: kiosk_id.to_owned(),
            })
            .set(1);
    }

    fn refresh_live(&self) {
        let facts = match &*self.live.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(source) => source(),
            None => return,
        };
        let now_ms = now_ms();
        set_optional(
            &self.gateway_reachable,
            facts.gateway_reachable.map(|up| if up { 1.0 } else { 0.0 }),
        );
        set_optional(
            &self.seconds_since_last_contact,
            facts.last_contact_ms.map(|at| seconds_between(at, now_ms)),
        );
        set_optional(&self.pending_sales, facts.pending_sales.map(|n| n as f64));
        set_optional(
            &self.catalog_age,
            facts
                .catalog_confirmed_ms
                .map(|at| seconds_between(at, now_ms)),
        );
        set_optional(
            &self.catalog_expired,
            facts
                .catalog_expires_ms
                .map(|at| if at <= now_ms { 1.0 } else { 0.0 }),
        );
    }
}

fn set_optional(gauge: &OptionalGauge, value: Option<f64>) {
    match value {
        Some(value) => {
            gauge.get_or_create(&Vec::new()).set(value);
        }
        None => gauge.clear(),
    }
}

fn seconds_between(earlier_ms: i64, now_ms: i64) -> f64 {
    (now_ms.saturating_sub(earlier_ms).max(0) / 1000) as f64
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Names this kiosk in `build_info`, so a fleet's dashboards can tell kiosks apart, and makes the paid amount
/// in the kiosk's currency a series at 0 before the first sale.
pub fn identify(kiosk_id: &str, currency: &str) {
    let metrics = metrics();
    metrics.set_kiosk_id(kiosk_id);
    metrics
        .paid_minor_units
        .get_or_create(&CurrencyLabels {
            currency: currency.to_owned(),
        })
        .inc_by(0);
}

/// Where the live gauges come from; set once by the running kiosk.
pub fn set_live_source(source: impl Fn() -> LiveFacts + Send + Sync + 'static) {
    *metrics().live.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(source));
}

/// A sale recorded with a proven outcome (one of [`SALE_OUTCOMES`]), and for a paid one its amount in minor
/// units. The textfile, when there is one, is rewritten now rather than at its next tick.
pub fn sale_finished(outcome: &str, paid: Option<(u64, &str)>) {
    debug_assert!(
        SALE_OUTCOMES.contains(&outcome),
        "unknown outcome {outcome}"
    );
    let metrics = metrics();
    metrics
        .sales
        .get_or_create(&OutcomeLabels {
            outcome: outcome.to_owned(),
        })
        .inc();
    if let Some((minor_units, currency)) = paid {
        metrics
            .paid_minor_units
            .get_or_create(&CurrencyLabels {
                currency: currency.to_owned(),
            })
            .inc_by(minor_units);
    }
    textfile::nudge();
}

/// A refund's answer from WooshPay: `succeeded`, `pending`, `failed`, `canceled` or `refused`; a succeeded one
/// adds its amount.
pub fn refund_settled(result: &str, refunded: Option<(u64, &str)>) {
    let metrics = metrics();
    metrics
        .refunds
        .get_or_create(&ResultLabels {
            result: result.to_owned(),
        })
        .inc();
    if let Some((minor_units, currency)) = refunded {
        metrics
            .refunded_minor_units
            .get_or_create(&CurrencyLabels {
                currency: currency.to_owned(),
            })
            .inc_by(minor_units);
    }
    textfile::nudge();
}

pub fn gateway_error(kind: GatewayErrorKind) {
    metrics()
        .gateway_errors
        .get_or_create(&KindLabels {
            kind: kind.label().to_owned(),
        })
        .inc();
}

/// A pending sale recovery looked at.
pub fn recovery(result: RecoveryResult) {
    metrics()
        .recoveries
        .get_or_create(&ResultLabels {
            result: result.label().to_owned(),
        })
        .inc();
}

pub fn printer_failure() {
    metrics().printer_failures.inc();
}

pub fn print_queue_error() {
    metrics().print_queue_errors.inc();
}

pub fn catalog_refresh_failure() {
    metrics().catalog_refresh_failures.inc();
}

pub fn create_session_took(elapsed: Duration) {
    metrics().create_session.observe(elapsed.as_secs_f64());
}

pub fn tap_to_qr_took(elapsed: Duration) {
    metrics().tap_to_qr.observe(elapsed.as_secs_f64());
}

pub fn qr_to_paid_took(elapsed: Duration) {
    metrics().qr_to_paid.observe(elapsed.as_secs_f64());
}

pub fn poll_took(elapsed: Duration) {
    metrics().poll.observe(elapsed.as_secs_f64());
}

/// OpenMetrics text (what `/metrics` serves), with the live gauges read now.
pub fn openmetrics_text() -> String {
    let metrics = metrics();
    metrics.refresh_live();
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut text, &metrics.registry);
    text
}

/// The Prometheus 0.0.4 text format, which node_exporter's textfile collector reads (it does not take
/// OpenMetrics' `# EOF` and unit lines).
pub fn prometheus_text() -> String {
    let metrics = metrics();
    metrics.refresh_live();
    let mut text = String::new();
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &metrics.registry);
    text
}
