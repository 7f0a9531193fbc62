//! The metrics a fleet's Prometheus scrapes, read back with an OpenMetrics parser (not the crate that wrote
//! them): during a sale against the simulator, after it, from the real binary, and from the textfile.

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::engine::TestEngine;
use common::{Shop, simulator};
use openmetrics_parser::{
    MetricFamily, MetricsExposition, OpenMetricsType, OpenMetricsValue, PrometheusType,
    PrometheusValue,
};
use wooshpay_kiosk::checkout::CheckoutEvent;
use wooshpay_kiosk::cli::live::LiveReports;
use wooshpay_kiosk::kiosk::fleet_status::CatalogStatus;
use wooshpay_kiosk::metrics::MetricsConfig;
use wooshpay_kiosk::simulator::{Fault, FaultRule};

type Exposition = MetricsExposition<OpenMetricsType, OpenMetricsValue>;
/// The textfile's format: Prometheus 0.0.4 text, as node_exporter reads it.
type TextExposition = MetricsExposition<PrometheusType, PrometheusValue>;

/// The systemd unit's `UMask=0077`, for this process and the kiosk it starts: the textfile must still come out
/// readable by node_exporter's user.
fn kiosk_umask() {
    // SAFETY: umask only sets the process's file-creation mask; both tests set the same value.
    unsafe {
        libc::umask(0o077);
    }
}

/// Every series whose labels are known in advance, which must exist at 0 before anything happened: `rate()`
/// over a new kiosk has data, and `absent()` does not fire on a healthy kiosk that has not sold yet.
fn assert_every_known_series_at_zero(
    value: impl Fn(&str, &[(&str, &str)]) -> Option<f64>,
    name_suffix: &str,
    currency: &str,
) {
    let known: [(&str, &str, &[&str]); 3] = [
        (
            "wooshpay_kiosk_sales",
            "outcome",
            &["paid", "expired", "cancelled", "failed"],
        ),
        (
            "wooshpay_kiosk_gateway_errors",
            "kind",
            &[
                "connect",
                "timeout",
                "server",
                "rate_limited",
                "rejected",
                "authentication",
                "unreadable",
                "other",
            ],
        ),
        (
            "wooshpay_kiosk_recoveries",
            "result",
            &["settled", "resumed", "still_pending"],
        ),
    ];
    for (name, label, values) in known {
        let name = format!("{name}{name_suffix}");
        for v in values {
            assert_eq!(
                value(&name, &[(label, v)]),
                Some(0.0),
                "{name}{{{label}=\"{v}\"}} must exist at 0 from the start"
            );
        }
    }
    assert_eq!(
        value(
            &format!("wooshpay_kiosk_paid_minor_units{name_suffix}"),
            &[("currency", currency)]
        ),
        Some(0.0),
        "the paid amount in the kiosk's currency exists at 0 from the start"
    );
}

/// Waits until the textfile parses and `check` holds for it; the file is rewritten on a sale's end, so a
/// check that names a sale holds long before the writer's next tick.
async fn textfile_until(
    path: &std::path::Path,
    what: &str,
    check: impl Fn(&TextExposition) -> bool,
) -> TextExposition {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(parsed) = openmetrics_parser::prometheus::parse_prometheus(&text)
            && check(&parsed)
        {
            return parsed;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the textfile {} never showed {what}: {:?}",
            path.display(),
            std::fs::read_to_string(path)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn scrape(port: u16) -> Exposition {
    let client = reqwest::Client::new();
    let mut last_error = String::new();
    // Up to 30 s: the real binary starts slowly under emulation (the aarch64 tests run in qemu-user).
    for _ in 0..300 {
        match client
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
            .await
        {
            Ok(response) => {
                let content_type = response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                assert!(
                    content_type.starts_with("application/openmetrics-text"),
                    "{content_type}"
                );
                let text = response.text().await.unwrap();
                return openmetrics_parser::openmetrics::parse_openmetrics(&text)
                    .unwrap_or_else(|e| panic!("not valid OpenMetrics: {e:?}\n{text}"));
            }
            Err(e) => last_error = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nothing answers on port {port}: {last_error}");
}

fn family<'a>(
    exposition: &'a Exposition,
    name: &str,
) -> &'a MetricFamily<OpenMetricsType, OpenMetricsValue> {
    exposition
        .families
        .get(name)
        .unwrap_or_else(|| panic!("no family {name} in {:?}", exposition.families.keys()))
}

/// The value of one sample (a counter's total, a gauge's value, a histogram's count), by its labels.
fn value(exposition: &Exposition, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let family = exposition.families.get(name)?;
    family.iter_samples().find_map(|sample| {
        let set = sample.get_labelset().ok()?;
        labels
            .iter()
            .all(|(k, v)| set.get_label_value(k) == Some(v))
            .then(|| match &sample.value {
                OpenMetricsValue::Counter(c) => c.value.as_f64(),
                OpenMetricsValue::Gauge(g) => g.as_f64(),
                OpenMetricsValue::Histogram(h) => h.count.map_or(0.0, |c| c as f64),
                other => panic!("{name}: unexpected {other:?}"),
            })
    })
}

/// The textfile as the kiosk writes it at start (its own timer is an hour in these tests): every known series
/// at 0, in the GBP shop.
async fn textfile_at_start(path: &std::path::Path) -> TextExposition {
    let parsed = textfile_until(path, "the sales counters", |parsed| {
        parsed.families.contains_key("wooshpay_kiosk_sales_total")
    })
    .await;
    assert_every_known_series_at_zero(
        |name, labels| text_value(&parsed, name, labels),
        "_total",
        "GBP",
    );
    parsed
}

/// The value of one sample in the textfile, by its labels.
fn text_value(exposition: &TextExposition, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let family = exposition.families.get(name)?;
    family.iter_samples().find_map(|sample| {
        let set = sample.get_labelset().ok()?;
        labels
            .iter()
            .all(|(k, v)| set.get_label_value(k) == Some(v))
            .then(|| match &sample.value {
                PrometheusValue::Counter(c) => c.value.as_f64(),
                PrometheusValue::Gauge(g) | PrometheusValue::Unknown(g) => g.as_f64(),
                other => panic!("{name}: unexpected {other:?}"),
            })
    })
}

/// One test, because the registry is the process's: counts are compared before and after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_shows_in_the_scraped_metrics_and_the_textfile_is_never_half_written() {
    kiosk_umask();
    let sim = simulator().await;
    let state = tempfile::tempdir().unwrap();
    let engine = TestEngine::new(&sim.api_base_url(), "till-7")
        .build(state.path(), tokio::runtime::Handle::current());
    let textfile = state
        .path()
        .join("node-exporter")
        .join("wooshpay_kiosk.prom");
    std::fs::create_dir_all(textfile.parent().unwrap()).unwrap();
    let runtime_handle = tokio::runtime::Handle::current();
    let catalog = Arc::new(Mutex::new(CatalogStatus {
        source: "url".into(),
        fetched_ms: Some(wooshpay_kiosk::journal::now_ms() - 120_000),
        ..CatalogStatus::default()
    }));
    // Port 0: the system picks a free port and the kiosk says which, so no other process can take it between a
    // test choosing it and the kiosk binding it. The textfile's own timer is an hour: whatever the file shows
    // below, it shows because it is written at start and when a sale ends.
    let port = LiveReports {
        runtime_dir: state.path().join("run"),
        kiosk_id: "till-7".into(),
        currency: "GBP",
        mode: "test",
        engine: engine.clone(),
        printer: None,
        catalog,
    }
    .start(
        Some(&MetricsConfig {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            textfile: Some(textfile.clone()),
            textfile_interval: Duration::from_secs(3600),
        }),
        &runtime_handle,
    )
    .expect("the metrics endpoint listens")
    .port();
    assert_ne!(port, 0);

    let before = scrape(port).await;
    assert_eq!(
        value(
            &before,
            "wooshpay_kiosk_build_info",
            &[("kiosk_id", "till-7")]
        ),
        Some(1.0),
        "build_info names the kiosk"
    );
    assert_every_known_series_at_zero(|name, labels| value(&before, name, labels), "", "GBP");
    // Written at start, not an interval later.
    textfile_at_start(&textfile).await;
    assert_eq!(
        family(&before, "wooshpay_kiosk_tap_to_qr_seconds").family_type,
        OpenMetricsType::Histogram
    );

    // During the sale: the QR is up, the sale is pending, WooshPay answered.
    let mut sale = engine.start_charge(common::latte_order(345)).unwrap();
    let session_id = loop {
        match sale.events.recv().await.expect("the sale reports progress") {
            CheckoutEvent::SessionCreated { id, .. } => break id,
            _ => continue,
        }
    };
    let during = scrape(port).await;
    assert_eq!(
        value(&during, "wooshpay_kiosk_pending_sales", &[]),
        Some(1.0)
    );
    assert_eq!(
        value(&during, "wooshpay_kiosk_gateway_reachable", &[]),
        Some(1.0)
    );
    assert!(value(&during, "wooshpay_kiosk_seconds_since_last_contact", &[]).unwrap() < 60.0);
    assert!(value(&during, "wooshpay_kiosk_tap_to_qr_seconds", &[]).unwrap() >= 1.0);
    assert!(value(&during, "wooshpay_kiosk_create_session_seconds", &[]).unwrap() >= 1.0);

    sim.pay(&session_id).unwrap();
    while let Some(event) = sale.events.recv().await {
        if matches!(event, CheckoutEvent::Finished { .. }) {
            break;
        }
    }
    let after = scrape(port).await;
    assert_eq!(
        value(&after, "wooshpay_kiosk_sales", &[("outcome", "paid")]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &after,
            "wooshpay_kiosk_paid_minor_units",
            &[("currency", "GBP")]
        ),
        Some(345.0),
        "the amount paid, in pence"
    );
    assert_eq!(
        value(&after, "wooshpay_kiosk_pending_sales", &[]),
        Some(0.0)
    );
    assert!(value(&after, "wooshpay_kiosk_qr_to_paid_seconds", &[]).unwrap() >= 1.0);
    assert!(value(&after, "wooshpay_kiosk_poll_seconds", &[]).unwrap() >= 1.0);
    // The textfile shows the sale without waiting for its hourly tick: it is rewritten when a sale ends.
    textfile_until(&textfile, "the paid sale", |parsed| {
        text_value(parsed, "wooshpay_kiosk_sales_total", &[("outcome", "paid")]) == Some(1.0)
    })
    .await;

    // A server error from WooshPay is counted by kind.
    let errors_before = value(
        &after,
        "wooshpay_kiosk_gateway_errors",
        &[("kind", "server")],
    )
    .unwrap_or(0.0);
    sim.inject(FaultRule {
        method: Some("GET".into()),
        path: "/v1/checkout/sessions/list".into(),
        count: 10,
        after_processing: false,
        fault: Fault::Status {
            status: 500,
            retry_after_s: None,
        },
    });
    engine.probe().await;
    sim.clear_faults();
    let failed = scrape(port).await;
    assert!(
        value(
            &failed,
            "wooshpay_kiosk_gateway_errors",
            &[("kind", "server")]
        )
        .unwrap()
            > errors_before
    );
    assert_eq!(
        value(&failed, "wooshpay_kiosk_gateway_reachable", &[]),
        Some(0.0)
    );

    // The textfile: Prometheus' text format, replaced whole. A reader racing the writer always parses a
    // whole file that ends with the last family.
    let writer_path = textfile.clone();
    let writer = std::thread::spawn(move || {
        for _ in 0..300 {
            wooshpay_kiosk::metrics::write_textfile(&writer_path).unwrap();
        }
    });
    let mut reads = 0;
    while !writer.is_finished() {
        let text = std::fs::read_to_string(&textfile).unwrap();
        let parsed = openmetrics_parser::prometheus::parse_prometheus(&text)
            .unwrap_or_else(|e| panic!("half a file? {e:?}\n{text}"));
        // The last family written: a file cut short would lack it.
        assert!(
            parsed
                .families
                .contains_key("wooshpay_kiosk_catalog_age_seconds")
                || parsed.families.contains_key("wooshpay_kiosk_pending_sales"),
            "{text}"
        );
        assert!(text.ends_with('\n'), "cut short: {text}");
        reads += 1;
    }
    writer.join().unwrap();
    assert!(reads > 10, "the reader raced the writer only {reads} times");
    let last = std::fs::read_to_string(&textfile).unwrap();
    let parsed = openmetrics_parser::prometheus::parse_prometheus(&last).unwrap();
    assert!(
        parsed.families.contains_key("wooshpay_kiosk_sales_total"),
        "the sale is in the file: {last}"
    );
    let mode = std::fs::metadata(&textfile).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        mode.permissions().mode() & 0o044,
        0o044,
        "node_exporter's user can read it"
    );
    let leftovers: Vec<_> = std::fs::read_dir(textfile.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|name| name != "wooshpay_kiosk.prom")
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // The shipped alert rules and dashboard ask only for series the kiosk exports (a renamed metric would
    // leave an alert that can never fire).
    let age = value(&after, "wooshpay_kiosk_catalog_age_seconds", &[]).unwrap();
    assert!((119.0..200.0).contains(&age), "catalog age {age}");
    wooshpay_kiosk::metrics::recovery(wooshpay_kiosk::metrics::RecoveryResult::Settled);
    let exported: BTreeSet<String> = wooshpay_kiosk::metrics::openmetrics_text()
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect();
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut asked = BTreeSet::new();
    for file in [
        "monitoring.md",
        "monitoring/wooshpay-kiosk-alerts.yml",
        "monitoring/grafana-dashboard.json",
    ] {
        let text = std::fs::read_to_string(docs.join(file)).unwrap();
        for (at, _) in text.match_indices("wooshpay_kiosk_") {
            let name: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            asked.insert((file, name));
        }
    }
    let missing: Vec<_> = asked
        .iter()
        .filter(|(_, name)| {
            !exported.contains(name) && !exported.contains(&format!("{name}_count"))
        })
        .collect();
    assert!(asked.len() > 10, "{asked:?}");
    assert!(
        missing.is_empty(),
        "asked for but not exported: {missing:?}\nexported: {exported:?}"
    );
}

/// The real binary: `status --json` with no kiosk running, then beside a running headless kiosk whose metrics
/// endpoint and textfile a fleet would read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_metrics_from_the_real_binary() {
    kiosk_umask();
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    common::sell_one_latte(&sim, &shop).await;

    let status = |shop: &Shop| {
        let mut command = shop.command(&["status", "--json"]);
        async move {
            let output = command.output().await.unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
        }
    };
    let idle = status(&shop).await;
    assert_eq!(idle["kiosk_id"], "test-kiosk");
    assert_eq!(idle["running"], false);
    assert_eq!(idle["mode"], "test");
    assert_eq!(idle["pending_sales"], 0);
    assert_eq!(idle["today"]["paid_count"], 1);
    assert_eq!(idle["today"]["paid_amount"], 340);
    assert_eq!(idle["today"]["currency"], "GBP");
    assert_eq!(idle["catalog"]["source"], "file");
    assert_eq!(idle["catalog"]["items"], 2);
    assert_eq!(idle["printer"], serde_json::Value::Null);
    assert_eq!(idle["version"], env!("CARGO_PKG_VERSION"));

    assert_eq!(idle["metrics"]["listen"], serde_json::Value::Null);

    let textfile = shop.dir.path().join("textfile").join("wooshpay_kiosk.prom");
    std::fs::create_dir_all(textfile.parent().unwrap()).unwrap();
    let mut config = std::fs::read_to_string(shop.config_path()).unwrap();
    // Port 0: the kiosk binds a port the system chooses and `status` says which (no port picked here, released,
    // and then perhaps taken by something else before the kiosk binds it). The textfile's timer is an hour: it is
    // there because it is written at start.
    config.push_str(&format!(
        "[metrics]\nlisten = \"0\"\ntextfile = \"{}\"\ntextfile_interval_s = 3600\n",
        textfile.display()
    ));
    std::fs::write(shop.config_path(), config).unwrap();
    let kiosk = shop.command(&["--headless"]).spawn().unwrap();

    let mut running = serde_json::Value::Null;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        running = status(&shop).await;
        if running["running"] == true
            && running["gateway"]["reachable"] == true
            && running["metrics"]["listen"].is_string()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(running["running"], true, "{running}");
    assert_eq!(running["gateway"]["reachable"], true, "{running}");
    assert!(
        running["gateway"]["seconds_since_last_contact"]
            .as_i64()
            .unwrap()
            < 60
    );
    assert_eq!(running["sale_in_progress"], false);
    assert_eq!(running["catalog"]["items"], 2);
    assert_eq!(running["today"]["paid_count"], 1);
    let listen: std::net::SocketAddr = running["metrics"]["listen"]
        .as_str()
        .unwrap_or_else(|| panic!("status names where the metrics are: {running}"))
        .parse()
        .unwrap();
    assert!(listen.ip().is_loopback() && listen.port() != 0, "{listen}");
    assert_eq!(
        running["runtime_dir"],
        shop.dir
            .path()
            .join("state")
            .join("run")
            .display()
            .to_string(),
        "{running}"
    );

    let scraped = scrape(listen.port()).await;
    assert_eq!(
        value(
            &scraped,
            "wooshpay_kiosk_build_info",
            &[("kiosk_id", "test-kiosk")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&scraped, "wooshpay_kiosk_pending_sales", &[]),
        Some(0.0)
    );
    // A new process, nothing sold yet: every known series is there at 0 (the latte was another process's).
    assert_every_known_series_at_zero(|name, labels| value(&scraped, name, labels), "", "GBP");

    let parsed = textfile_at_start(&textfile).await;
    assert!(
        parsed.families.contains_key("wooshpay_kiosk_build_info"),
        "{:?}",
        parsed.families.keys()
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&textfile).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o644,
        "under UMask=0077 the kiosk still writes a file node_exporter can read"
    );
    drop(kiosk);
}
