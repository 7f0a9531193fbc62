//! Soak: sales back to back through one engine with about one request in ten faulted. Counts lost sales
//! (paid at WooshPay, not in the journal), duplicate sessions and false paid (all must be 0), and the resident
//! memory of the kiosk side at sale 100 and at the end. The simulator runs as its own process (the real binary's
//! `simulate`), so the sessions and requests it keeps do not count against the kiosk.
//!
//! CI runs a short soak; the full run (figures in docs/reliability.md) is
//! `SOAK_SALES=1000 cargo test --release --test sale_soak -- --nocapture`.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wooshpay_kiosk::catalog::Catalog;
use wooshpay_kiosk::checkout::Order;
use wooshpay_kiosk::journal::SaleOutcome;
use wooshpay_kiosk::money::Currency;
use wooshpay_kiosk::simulator::{AutoAction, Fault, FaultRule, SessionAction};

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn random_fault(rng: &mut StdRng) -> (Fault, bool) {
    match rng.random_range(0..8) {
        0 => (
            Fault::Status {
                status: 503,
                retry_after_s: None,
            },
            false,
        ),
        1 => (
            Fault::Status {
                status: 500,
                retry_after_s: None,
            },
            false,
        ),
        2 => (
            Fault::Status {
                status: 429,
                retry_after_s: Some(1),
            },
            false,
        ),
        3 => (Fault::Drop, false),
        4 => (Fault::Drop, true),
        5 => (Fault::MalformedJson, false),
        6 => (Fault::HtmlError { status: 502 }, false),
        _ => (Fault::Delay { ms: 1_500 }, false),
    }
}

/// The simulator as a separate process, driven through its `/_sim/` control API.
struct RemoteSimulator {
    base: String,
    http: reqwest::Client,
    _child: tokio::process::Child,
}

impl RemoteSimulator {
    async fn start() -> Self {
        use tokio::io::AsyncBufReadExt;
        // Port 0, and the simulator says which port it got: nothing can take the port between a choice made here
        // and the simulator binding it.
        let mut child = common::kiosk_command()
            .args(["simulate", "--listen", "127.0.0.1:0"])
            .env("WOOSHPAY_SECRET_KEY", common::KEY)
            .spawn()
            .unwrap();
        let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = stdout.next_line().await.unwrap() {
                if let Some(addr) = line.strip_prefix("WooshPay simulator listening on ") {
                    return addr.trim().to_owned();
                }
            }
            panic!("the simulator process ended without saying where it listens");
        })
        .await
        .expect("the simulator process did not start");
        // Keep reading what it prints after that line, so its stdout never closes under it.
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        Self {
            base,
            http: common::http_client(),
            _child: child,
        }
    }

    async fn inject(&self, rule: &FaultRule) {
        let response = self
            .http
            .post(format!("{}/_sim/faults", self.base))
            .json(rule)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    async fn clear_faults(&self) {
        self.http
            .delete(format!("{}/_sim/faults", self.base))
            .send()
            .await
            .unwrap();
    }

    async fn set_auto_action(&self, auto: Option<AutoAction>) {
        let response = self
            .http
            .put(format!("{}/_sim/auto", self.base))
            .json(&auto)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    async fn sessions(&self) -> Vec<serde_json::Value> {
        self.http
            .get(format!("{}/_sim/sessions", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_to_back_sales_with_faults_lose_nothing() {
    let total: usize = std::env::var("SOAK_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let sim = RemoteSimulator::start().await;
    let state = tempfile::tempdir().unwrap();
    let engine = common::engine::TestEngine::new(&format!("{}/", sim.base), "soak")
        .retries(2, 10, 50)
        .request_timeout(Duration::from_millis(800))
        .polls(Duration::from_millis(25), Duration::from_millis(400))
        .close_grace(Duration::from_secs(10))
        .build(state.path(), tokio::runtime::Handle::current());
    let catalog = Catalog::parse(
        common::CATALOG,
        "c".as_ref(),
        ".".as_ref(),
        Currency::from_code("GBP").unwrap(),
    )
    .unwrap();
    let operations = [
        ("POST", "/v1/checkout/sessions"),
        ("GET", "/v1/checkout/sessions/*"),
        ("POST", "/v1/checkout/sessions/*/expire"),
    ];
    let mut rng = StdRng::seed_from_u64(20261124);
    let mut faults_injected = 0;
    // Measured inside the loop: after it, the test's own checks load every session and sale into memory.
    let (mut rss_at_100, mut rss_at_half, mut rss_at_end) = (None, None, None);
    let started = Instant::now();
    for n in 1..=total {
        // About one request in ten: a sale makes some four to ten requests, so fault ~half the sales once.
        if rng.random_bool(0.5) {
            let (fault, after_processing) = random_fault(&mut rng);
            let (method, path) = operations[rng.random_range(0..operations.len())];
            sim.inject(&FaultRule {
                method: Some(method.into()),
                path: path.into(),
                count: 1,
                after_processing,
                fault,
            })
            .await;
            faults_injected += 1;
        }
        let pays = rng.random_bool(0.5);
        sim.set_auto_action(pays.then_some(AutoAction {
            after_retrieves: 1,
            action: SessionAction::Pay,
        }))
        .await;
        let item = if n % 2 == 0 { "latte" } else { "croissant" };
        let order =
            Order::from_quantities(&catalog, &[(item.to_owned(), 1 + (n % 3) as u32)]).unwrap();
        let handle = match engine.start_charge(order) {
            Ok(handle) => handle,
            Err(e) => panic!("sale {n} could not start: {e}"),
        };
        tokio::time::timeout(Duration::from_secs(60), handle.outcome())
            .await
            .unwrap_or_else(|_| panic!("sale {n} never ended"));
        sim.clear_faults().await;
        if n == 100 {
            rss_at_100 = rss_kib();
        }
        if n == total / 2 {
            rss_at_half = rss_kib();
        }
        if n == total {
            rss_at_end = rss_kib();
        }
    }
    sim.set_auto_action(None).await;
    let elapsed = started.elapsed();
    // As the next start would: settle whatever a fault left pending.
    engine.recover().await;

    let sessions = sim.sessions().await;
    let journal = engine.with_journal(|j| j.sales_since(0).unwrap());
    let by_session: HashMap<String, SaleOutcome> = journal
        .iter()
        .filter_map(|s| s.session_id.clone().map(|id| (id, s.outcome)))
        .collect();
    let mut per_reference: HashMap<String, usize> = HashMap::new();
    let (mut lost, mut false_paid, mut paid) = (0, 0, 0);
    for session in &sessions {
        let id = session["id"].as_str().unwrap();
        let reference = session["client_reference_id"].as_str().unwrap_or_default();
        *per_reference.entry(reference.to_owned()).or_default() += 1;
        let paid_at_sim = session["payment_status"] == "paid";
        paid += usize::from(paid_at_sim);
        let recorded = by_session.get(id).copied();
        if paid_at_sim && recorded != Some(SaleOutcome::Paid) {
            lost += 1;
            eprintln!("LOST: {id} recorded as {recorded:?}");
        }
        if !paid_at_sim && recorded == Some(SaleOutcome::Paid) {
            false_paid += 1;
            eprintln!("FALSE PAID: {id}");
        }
    }
    let duplicates = per_reference.values().filter(|&&count| count > 1).count();
    let pending = journal
        .iter()
        .filter(|s| s.outcome == SaleOutcome::Pending)
        .count();
    let still_open = sessions.iter().filter(|s| s["status"] == "open").count();
    println!(
        "soak: {total} sales in {:.1} s ({:.1} sales/s), {faults_injected} faults injected, {paid} paid, \
         {} sessions; lost {lost}, duplicate sessions {duplicates}, false paid {false_paid}, pending {pending}, \
         open {still_open}; RSS at sale 100: {rss_at_100:?} KiB, at sale {}: {rss_at_half:?} KiB, at sale {total}: \
         {rss_at_end:?} KiB",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        sessions.len(),
        total / 2
    );
    assert_eq!(journal.len(), total, "one journal row per sale");
    assert_eq!((lost, duplicates, false_paid), (0, 0, 0));
    assert_eq!(
        (pending, still_open),
        (0, 0),
        "nothing left unsettled or payable"
    );
    assert!(
        paid > total / 4,
        "the paid path really ran: {paid} of {total}"
    );
    if total >= 1000
        && let (Some(at_100), Some(end)) = (rss_at_100, rss_at_end)
    {
        assert!(
            end.saturating_sub(at_100) < 2048,
            "RSS grew {} KiB between sale 100 and sale {total}",
            end - at_100
        );
    }
}
