//! Power-cut tests: the real binary is killed with SIGKILL at each point of a sale, the customer's truth is
//! set at the simulator, and a restart (`recover`, or the next `charge`) must record the sale exactly once,
//! with the outcome WooshPay holds.

mod common;
mod printer_support;

use std::time::{Duration, Instant};

use common::{Events, Shop, finish, send_signal, simulator};
use tokio::process::Child;
use wooshpay_kiosk::simulator::{Fault, FaultRule, SessionAction, Simulator};

const CREATE: &str = "/v1/checkout/sessions";
const EXPIRE: &str = "/v1/checkout/sessions/*/expire";

async fn kill(mut child: Child) {
    send_signal(&child, "KILL");
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the kiosk dies")
        .unwrap();
    assert_eq!(status.code(), None, "killed by a signal, not exited");
}

/// Waits (bounded) until the simulator has seen a request for `path` with `method`.
async fn until_request(sim: &Simulator, method: &str, path_part: &str) {
    for _ in 0..600 {
        if sim
            .requests()
            .iter()
            .any(|r| r.method == method && r.path.contains(path_part))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the kiosk never sent {method} {path_part}");
}

async fn recover(shop: &Shop) -> (i32, Vec<serde_json::Value>) {
    let output = tokio::time::timeout(
        Duration::from_secs(120),
        shop.command(&["recover", "--json"]).output(),
    )
    .await
    .expect("recover finishes")
    .unwrap();
    let lines = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (output.status.code().unwrap_or(-1), lines)
}

fn session_status(sim: &Simulator, id: &str) -> (String, String) {
    let session = sim
        .sessions()
        .into_iter()
        .find(|s| s["id"] == id)
        .expect("the simulator has the session");
    (
        session["status"].as_str().unwrap().to_owned(),
        session["payment_status"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_awaiting_payment_then_paid_is_recorded_paid_once_by_the_next_charge() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let mut child = shop
        .command(&["charge", "latte=2", "--json"])
        .spawn()
        .unwrap();
    let created = Events::of(&mut child).until("session_created").await;
    let id = created["id"].as_str().unwrap().to_owned();
    kill(child).await;
    assert_eq!(shop.sales().await[0]["outcome"], "pending");

    // The customer finishes paying on their phone while the kiosk is down.
    sim.pay(&id).unwrap();
    common::after_retrieves(&sim, 1, SessionAction::Pay);
    let mut restarted = shop
        .command(&["charge", "croissant", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut restarted);
    let recovered = events.until("recovered").await;
    assert_eq!(recovered["id"], id.as_str());
    assert_eq!(recovered["outcome"], "paid");
    assert_eq!(recovered["late_payment"], true);
    assert_eq!(recovered["amount_total"], 680);
    events.until("paid").await;
    let (code, stderr) = finish(restarted).await;
    assert_eq!(code, 0, "{stderr}");

    let journal = shop.sales().await;
    assert_eq!(journal.len(), 2, "{journal:?}");
    let first: Vec<_> = journal.iter().filter(|s| s["id"] == id.as_str()).collect();
    assert_eq!(first.len(), 1, "recorded exactly once: {journal:?}");
    assert_eq!(first[0]["outcome"], "paid");
    assert_eq!(first[0]["amount_total"], 680);
    assert_eq!(first[0]["currency"], "GBP");
    assert_eq!(sim.sessions().len(), 2, "no extra session was created");

    // A second restart finds nothing left to do.
    let (code, lines) = recover(&shop).await;
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_before_the_create_answered_the_session_is_learned_by_replay_and_expired() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 10");
    // WooshPay makes the session, then the answer is slow: the kiosk dies before it knows the id.
    sim.inject(FaultRule {
        method: Some("POST".into()),
        path: CREATE.into(),
        count: 1,
        after_processing: true,
        fault: Fault::Delay { ms: 20_000 },
    });
    let child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    until_request(&sim, "POST", CREATE).await;
    while sim.sessions().is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(child).await;
    let journal = shop.sales().await;
    assert_eq!(
        (journal.len(), &journal[0]["outcome"], &journal[0]["id"]),
        (1, &serde_json::json!("pending"), &serde_json::Value::Null),
        "the key was journalled before the request left"
    );

    // Recovery replays the key, learns the session, watches it to the timeout, then expires it.
    let (code, lines) = recover(&shop).await;
    assert_eq!(code, 0, "{lines:?}");
    let sessions = sim.sessions();
    assert_eq!(sessions.len(), 1, "the replay returned the same session");
    let id = sessions[0]["id"].as_str().unwrap();
    assert_eq!(
        session_status(&sim, id).0,
        "expired",
        "nothing stays payable"
    );
    let settled = lines.last().unwrap();
    assert_eq!(
        (&settled["id"], &settled["outcome"]),
        (&serde_json::json!(id), &serde_json::json!("expired"))
    );
    let journal = shop.sales().await;
    assert_eq!(journal.len(), 1);
    assert_eq!(
        (&journal[0]["id"], &journal[0]["outcome"]),
        (&serde_json::json!(id), &serde_json::json!("expired"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_before_the_create_answered_and_then_paid_is_recorded_paid() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    sim.inject(FaultRule {
        method: Some("POST".into()),
        path: CREATE.into(),
        count: 1,
        after_processing: true,
        fault: Fault::Delay { ms: 20_000 },
    });
    let child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    while sim.sessions().is_empty() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(child).await;
    let id = sim.sessions()[0]["id"].as_str().unwrap().to_owned();
    sim.pay(&id).unwrap();

    let (code, lines) = recover(&shop).await;
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "paid");
    assert_eq!(lines[0]["late_payment"], true);
    let journal = shop.sales().await;
    assert_eq!(journal.len(), 1);
    assert_eq!(
        (&journal[0]["id"], &journal[0]["outcome"]),
        (&serde_json::json!(id), &serde_json::json!("paid"))
    );
    assert_eq!(sim.sessions().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_expiring_then_paid_is_recorded_paid_not_expired() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 10");
    // The kiosk times out, but WooshPay will not take the expire: it keeps trying when the power goes.
    sim.inject(FaultRule {
        method: Some("POST".into()),
        path: EXPIRE.into(),
        count: 10_000,
        after_processing: false,
        fault: Fault::Status {
            status: 503,
            retry_after_s: None,
        },
    });
    let mut child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let created = Events::of(&mut child).until("session_created").await;
    let id = created["id"].as_str().unwrap().to_owned();
    until_request(&sim, "POST", "/expire").await;
    kill(child).await;
    sim.clear_faults();
    assert_eq!(session_status(&sim, &id).0, "open");
    // Paid in the moment between the kiosk's timeout and its death.
    sim.pay(&id).unwrap();

    let (code, lines) = recover(&shop).await;
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        (&lines[0]["id"], &lines[0]["outcome"]),
        (&serde_json::json!(id), &serde_json::json!("paid"))
    );
    let journal = shop.sales().await;
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["outcome"], "paid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_expiring_and_unpaid_is_expired_at_the_gateway_by_recovery() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 10");
    sim.inject(FaultRule {
        method: Some("POST".into()),
        path: EXPIRE.into(),
        count: 10_000,
        after_processing: false,
        fault: Fault::Drop,
    });
    let mut child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let id = Events::of(&mut child).until("session_created").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    until_request(&sim, "POST", "/expire").await;
    kill(child).await;

    // At the first restart WooshPay cannot be reached at all: the sale stays pending, exit 1.
    sim.clear_faults();
    sim.inject(FaultRule {
        method: Some("GET".into()),
        path: "/v1/checkout/sessions/*".into(),
        count: 10_000,
        after_processing: false,
        fault: Fault::Drop,
    });
    let (code, lines) = recover(&shop).await;
    assert_eq!(code, 1, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "pending");
    assert_eq!(shop.sales().await[0]["outcome"], "pending");
    assert_eq!(session_status(&sim, &id).0, "open");

    sim.clear_faults();
    let (code, lines) = recover(&shop).await;
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "expired");
    assert_eq!(session_status(&sim, &id).0, "expired");
    let journal = shop.sales().await;
    assert_eq!(
        (journal.len(), &journal[0]["outcome"]),
        (1, &serde_json::json!("expired"))
    );
}

/// How many times the simulator has been asked for session `id`.
fn reads_of(sim: &Simulator, id: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(id))
        .count()
}

async fn charge_killed_while_awaiting_payment(shop: &Shop) -> String {
    let mut child = shop
        .command(&["charge", "latte=2", "--json"])
        .spawn()
        .unwrap();
    let created = Events::of(&mut child).until("session_created").await;
    kill(child).await;
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_ui_records_a_payment_made_while_the_kiosk_was_down() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let id = charge_killed_while_awaiting_payment(&shop).await;
    sim.pay(&id).unwrap();

    let ui = shop.command(&["--headless"]).spawn().unwrap();
    let mut journal = shop.sales().await;
    for _ in 0..600 {
        if journal[0]["outcome"] == "paid" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        journal = shop.sales().await;
    }
    kill(ui).await;
    assert_eq!(journal.len(), 1, "{journal:?}");
    assert_eq!(
        (&journal[0]["id"], &journal[0]["outcome"]),
        (&serde_json::json!(id), &serde_json::json!("paid"))
    );
    assert_eq!(sim.sessions().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_ui_killed_while_it_shows_a_resumed_payment_loses_nothing() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let id = charge_killed_while_awaiting_payment(&shop).await;

    // The UI resumes the open session on its payment screen and polls it; then the power goes again.
    let before = reads_of(&sim, &id);
    let ui = shop.command(&["--headless"]).spawn().unwrap();
    for _ in 0..600 {
        if reads_of(&sim, &id) >= before + 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        reads_of(&sim, &id) >= before + 4,
        "the UI kept polling the resumed session"
    );
    kill(ui).await;
    assert_eq!(shop.sales().await[0]["outcome"], "pending");

    sim.pay(&id).unwrap();
    let (code, lines) = recover(&shop).await;
    assert_eq!(code, 0, "{lines:?}");
    assert_eq!(
        (&lines[0]["id"], &lines[0]["outcome"]),
        (&serde_json::json!(id), &serde_json::json!("paid"))
    );
    let journal = shop.sales().await;
    assert_eq!(
        (journal.len(), &journal[0]["outcome"]),
        (1, &serde_json::json!("paid"))
    );
    assert_eq!(sim.sessions().len(), 1);
}

/// Waits for `condition`, for at most a minute.
async fn until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The review's double print, as it ran it: kill -9 between queueing a paid sale's receipt and ticket and
/// marking the sale printed in the journal (the fault is the mark left out, in both orders the crash can come:
/// after the jobs were printed, and while they still waited for the printer). The jobs keep their ids, the
/// queue refuses them a second time, and each sale prints once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_queueing_a_print_and_marking_it_never_prints_twice() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    let device = shop.dir.path().join("lp0");
    let mut config = std::fs::read_to_string(shop.config_path()).unwrap();
    config.push_str(&format!(
        "[printer]\ndevice = \"{}\"\nwidth_mm = 80\nreceipt = true\nticket = true\nauto = true\n",
        device.display()
    ));
    std::fs::write(shop.config_path(), config).unwrap();
    let state = shop.dir.path().join("state");
    let journal = state.join(wooshpay_kiosk::journal::JOURNAL_FILE);
    let queue = state.join("print-queue");
    let sql = |statement: &str| -> i64 {
        let conn = rusqlite::Connection::open(&journal).unwrap();
        if statement.starts_with("SELECT") {
            conn.query_row(statement, [], |row| row.get(0)).unwrap()
        } else {
            conn.execute(statement, []).unwrap() as i64
        }
    };
    let unmarked =
        || sql("SELECT COUNT(*) FROM sales WHERE outcome = 'paid' AND printed_ms IS NULL");
    let cuts = || {
        let text = std::fs::read(&device)
            .map(|bytes| printer_support::escpos_text::decode(&bytes, 48))
            .unwrap_or_default();
        text.iter()
            .filter(|line| line.contains("--- cut ---"))
            .count()
    };
    let in_queue = |suffix: &str| {
        std::fs::read_dir(&queue)
            .map(|entries| {
                entries
                    .filter(|e| {
                        e.as_ref()
                            .unwrap()
                            .file_name()
                            .to_string_lossy()
                            .ends_with(suffix)
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    let sell = || async {
        common::after_retrieves(&sim, 1, SessionAction::Pay);
        let (code, stderr) = finish(shop.command(&["charge", "latte"]).spawn().unwrap()).await;
        assert_eq!(code, 0, "{stderr}");
    };

    // Two sales paid from the terminal; the kiosk prints them when it starts.
    sell().await;
    sell().await;
    std::fs::File::create(&device).unwrap();
    let ui = shop.command(&["--headless"]).spawn().unwrap();
    until("both sales printed and marked", || {
        cuts() == 4 && unmarked() == 0
    })
    .await;
    kill(ui).await;

    // The crash came after the jobs were printed, before the marks: the restarted kiosk queues them again.
    assert_eq!(sql("UPDATE sales SET printed_ms = NULL"), 2);
    let ui = shop.command(&["--headless"]).spawn().unwrap();
    until("the sales marked again", || unmarked() == 0).await;
    kill(ui).await;
    assert_eq!(cuts(), 4, "nothing printed twice");
    assert_eq!((in_queue(".job"), in_queue(".printing")), (0, 0));

    // The crash came while the jobs waited for the printer (unplugged), before the mark.
    std::fs::remove_file(&device).unwrap();
    sell().await;
    let ui = shop.command(&["--headless"]).spawn().unwrap();
    until("the third sale queued and marked", || {
        unmarked() == 0 && in_queue(".job") == 2
    })
    .await;
    kill(ui).await;
    assert_eq!(sql("UPDATE sales SET printed_ms = NULL"), 3);
    std::fs::File::create(&device).unwrap();
    let ui = shop.command(&["--headless"]).spawn().unwrap();
    until("the waiting jobs printed and every sale marked", || {
        unmarked() == 0 && in_queue(".job") == 0 && in_queue(".printing") == 0 && cuts() >= 2
    })
    .await;
    kill(ui).await;
    assert_eq!(cuts(), 2, "the third sale's receipt and ticket, once each");
}
