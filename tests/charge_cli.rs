//! `wooshpay-kiosk charge` driven as a black box: the real binary against the simulator.

mod common;

use common::{Events, Shop, finish, kiosk_command, send_signal, simulator};
use serde_json::json;
use wooshpay_kiosk::simulator::{Fault, FaultRule, SessionAction};

const CREATE: &str = "/v1/checkout/sessions";
const RETRIEVE: &str = "/v1/checkout/sessions/*";
const EXPIRE: &str = "/v1/checkout/sessions/*/expire";

fn rule(method: &str, path: &str, count: u32, fault: Fault) -> FaultRule {
    FaultRule {
        method: Some(method.into()),
        path: path.into(),
        count,
        after_processing: false,
        fault,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_sale_paid_after_a_few_polls() {
    let mut child = kiosk_command()
        .args(["--demo", "charge", "latte=2", "croissant", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut child);
    let created = events.until("session_created").await;
    assert_eq!(created["amount_total"], 2 * 340 + 275);
    assert_eq!(created["currency"], "GBP");
    let url = created["url"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(
        url.contains(&format!("/pay/cs_test_{}", id.trim_start_matches("cs_"))),
        "{url}"
    );

    // The demo simulator listens on every interface; reach its control API on loopback.
    let port = url::Url::parse(&url).unwrap().port().unwrap();
    let control = format!("http://127.0.0.1:{port}/_sim");
    let http = common::http_client();
    let sessions: Vec<serde_json::Value> = http
        .get(format!("{control}/sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1, "exactly one session");
    let items = &sessions[0]["line_items"]["data"];
    assert_eq!(items.as_array().unwrap().len(), 2);
    assert_eq!(items[0]["quantity"], 2);
    assert_eq!(items[0]["price"]["unit_amount"], 340);
    assert_eq!(items[0]["description"], "Latte");
    assert_eq!(items[1]["price"]["unit_amount"], 275);
    assert_eq!(sessions[0]["metadata"]["kiosk_id"], "demo");
    // `<kiosk id>-<journal prefix>-<sale number>`: the prefix is chosen when the journal is created.
    let reference = sessions[0]["client_reference_id"].as_str().unwrap();
    let prefix = reference
        .strip_prefix("demo-")
        .and_then(|rest| rest.strip_suffix("-1"))
        .unwrap_or_else(|| panic!("{reference}"));
    assert!(
        prefix.len() == 4
            && prefix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{reference}"
    );

    for _ in 0..2 {
        let status = events.until("status").await;
        assert_eq!(status["payment_status"], "unpaid");
    }
    let paid = http
        .post(format!("{control}/sessions/{id}/pay"))
        .send()
        .await
        .unwrap();
    assert!(paid.status().is_success());
    let last = events.until("paid").await;
    assert_eq!(last["id"], id.as_str());
    assert_eq!(last["amount_total"], 955);
    assert!(
        last["order_number"].as_u64().is_some_and(|n| n >= 1),
        "a paid sale carries its order number: {last}"
    );
    let (code, _) = finish(child).await;
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_timeout_expires_the_session_and_exits_3() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 10");
    let mut child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut child);
    let created = events.until("session_created").await;
    let expired = events.until("expired").await;
    assert_eq!(expired["by_kiosk"], true);
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 3, "{stderr}");
    let expires: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/expire"))
        .collect();
    assert_eq!(expires.len(), 1);
    assert_eq!(sim.sessions()[0]["id"], created["id"]);
    assert_eq!(sim.sessions()[0]["status"], "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_expires_the_session_and_exits_4() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    let mut child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut child);
    events.until("session_created").await;
    events.until("status").await;
    send_signal(&child, "INT");
    events.until("cancelled").await;
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(sim.sessions()[0]["status"], "expired");
    assert_eq!(sim.sessions()[0]["payment_status"], "unpaid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_a_payment_lands_during_expire_exits_0_paid() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    sim.inject(rule("POST", EXPIRE, 1, Fault::PayFirst));
    let mut child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut child);
    events.until("session_created").await;
    events.until("status").await;
    send_signal(&child, "TERM");
    let paid = events.until("paid").await;
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(paid["id"], sim.sessions()[0]["id"]);
    assert_eq!(sim.sessions()[0]["payment_status"], "paid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_after_the_first_create_still_makes_exactly_one_session() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    // The simulator creates the session, then answers 500: only the idempotency key prevents a second one.
    sim.inject(FaultRule {
        after_processing: true,
        ..rule(
            "POST",
            CREATE,
            1,
            Fault::Status {
                status: 500,
                retry_after_s: None,
            },
        )
    });
    common::after_retrieves(&sim, 2, SessionAction::Pay);
    let child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(sim.sessions().len(), 1, "exactly one session");
    let creates: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == CREATE)
        .collect();
    assert_eq!(creates.len(), 2, "{creates:?}");
    assert!(creates[0].idempotency_key.is_some());
    assert_eq!(
        creates[0].idempotency_key, creates[1].idempotency_key,
        "both attempts carry one key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_on_429_is_honoured() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    sim.inject(rule(
        "POST",
        CREATE,
        1,
        Fault::Status {
            status: 429,
            retry_after_s: Some(2),
        },
    ));
    common::after_retrieves(&sim, 1, SessionAction::Pay);
    let child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 0, "{stderr}");
    let creates: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == CREATE)
        .collect();
    assert_eq!(creates.len(), 2);
    // The client's own backoff starts at 0.4 s; only Retry-After explains a gap of two seconds.
    let gap = creates[1].at_ms - creates[0].at_ms;
    assert!(
        gap >= 1900,
        "second attempt came {gap} ms after the 429, before Retry-After's 2 s"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_html_502_and_dropped_connections_during_polls_do_not_stop_the_sale() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    sim.inject(rule("GET", RETRIEVE, 2, Fault::MalformedJson));
    sim.inject(rule("GET", RETRIEVE, 2, Fault::HtmlError { status: 502 }));
    sim.inject(rule("GET", RETRIEVE, 2, Fault::Drop));
    common::after_retrieves(&sim, 3, SessionAction::Pay);
    let mut child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut child);
    let rest = events.rest().await;
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 0, "{stderr}\n{rest:?}");
    assert_eq!(rest.last().unwrap()["event"], "paid");
    let faulted = sim.requests().iter().filter(|r| r.fault.is_some()).count();
    assert_eq!(faulted, 6, "every injected fault was served");
    assert_eq!(sim.sessions().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_exits_1_saying_the_key_was_rejected() {
    let sim = simulator().await;
    let mut shop = Shop::new(&sim.api_base_url(), "");
    shop.key = "sk_test_not_the_right_one".into();
    let child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("rejected the secret key"), "{stderr}");
    assert!(
        !stderr.contains("sk_test_not_the_right_one"),
        "the key never appears: {stderr}"
    );
    assert!(sim.sessions().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_problems_exit_2_and_name_the_problem() {
    let sim = simulator().await;

    let mut shop = Shop::new(&sim.api_base_url(), "");
    shop.key = "pk_test_publishable".into();
    let (code, stderr) = finish(shop.command(&["charge", "latte"]).spawn().unwrap()).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("publishable key"), "{stderr}");

    let shop = Shop::new("http://pay.example.com:8787", "");
    let (code, stderr) = finish(shop.command(&["charge", "latte"]).spawn().unwrap()).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("base_url") && stderr.contains("plain http://"),
        "{stderr}"
    );

    let shop = Shop::new(&sim.api_base_url(), "");
    std::fs::write(
        shop.dir.path().join("catalog.toml"),
        "[[item]]\nid = \"latte\"\nname = \"Latte\"\nunit_amount = 3.40\n",
    )
    .unwrap();
    let (code, stderr) = finish(shop.command(&["charge", "latte"]).spawn().unwrap()).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("catalog.toml")
            && stderr.contains("id \"latte\"")
            && stderr.contains("unit_amount"),
        "{stderr}"
    );

    let shop = Shop::new(&sim.api_base_url(), "");
    let (code, stderr) = finish(shop.command(&["charge", "tea"]).spawn().unwrap()).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no catalog item has id \"tea\""),
        "{stderr}"
    );

    let (code, stderr) = finish(
        kiosk_command()
            .args(["--config", "/nonexistent/config.toml", "charge", "latte"])
            .spawn()
            .unwrap(),
    )
    .await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/nonexistent/config.toml"), "{stderr}");
    assert!(sim.requests().is_empty(), "nothing reached WooshPay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_proves_the_key_and_catalog_sync_makes_sessions_use_price_ids() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    let output = shop.command(&["check"]).output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("accepted the key"));

    let output = shop.command(&["catalog", "sync"]).output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let creates = |path: &str| {
        sim.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .count()
    };
    assert_eq!((creates("/v1/products"), creates("/v1/prices")), (2, 2));
    // A second sync creates nothing new.
    let output = shop.command(&["catalog", "sync"]).output().await.unwrap();
    assert!(output.status.success());
    assert_eq!((creates("/v1/products"), creates("/v1/prices")), (2, 2));

    common::after_retrieves(&sim, 1, SessionAction::Pay);
    let (code, stderr) = finish(
        shop.command(&["charge", "latte", "croissant=3", "--json"])
            .spawn()
            .unwrap(),
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let create = sim
        .requests()
        .into_iter()
        .find(|r| r.path == CREATE)
        .unwrap();
    let body = create.body.unwrap();
    assert!(
        body["line_items"][0]["price"]
            .as_str()
            .unwrap()
            .starts_with("price_"),
        "{body}"
    );
    assert!(body["line_items"][0].get("price_data").is_none());
    assert_eq!(body["line_items"][1]["quantity"], 3);
    assert_eq!(sim.sessions()[0]["amount_total"], 340 + 3 * 275);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_key_appears_nowhere_in_the_most_verbose_logs() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    sim.inject(rule(
        "GET",
        RETRIEVE,
        1,
        Fault::Status {
            status: 500,
            retry_after_s: None,
        },
    ));
    common::after_retrieves(&sim, 2, SessionAction::Pay);
    let output = shop
        .command(&["-vv", "charge", "latte"])
        .env("RUST_LOG", "trace")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TRACE") || stderr.contains("trace"),
        "the log really was at trace level"
    );
    assert!(stdout.contains("PAID £3.40"), "{stdout}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains(common::KEY), "the key leaked");
        assert!(
            !text.contains("c2tfdGVzdF9ibGFja2JveDAxMjM0NTY3ODk"),
            "the key leaked in its Basic-auth form"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standalone_simulator_serves_a_real_sale() {
    use tokio::io::AsyncBufReadExt;
    let mut simulate = kiosk_command()
        .args(["simulate", "--listen", "127.0.0.1:0"])
        .env("WOOSHPAY_SECRET_KEY", common::KEY)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(simulate.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let base = first.rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");

    let shop = Shop::new(&base, "");
    let http = common::http_client();
    let auto = serde_json::json!({"after_retrieves": 1, "action": "pay"});
    assert!(
        http.put(format!("{base}/_sim/auto"))
            .json(&auto)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let (code, stderr) = finish(
        shop.command(&["charge", "croissant=2", "--json"])
            .spawn()
            .unwrap(),
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    let sessions: Vec<serde_json::Value> = http
        .get(format!("{base}/_sim/sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["amount_total"], 550);
    assert_eq!(sessions[0]["payment_status"], "paid");

    send_signal(&simulate, "INT");
    let status = simulate.wait().await.unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_payment_exits_5_with_a_failed_event() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    common::after_retrieves(&sim, 1, SessionAction::Decline);
    let mut child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut child);
    let failed = events.until("failed").await;
    assert_eq!(failed["reason"], "declined");
    assert!(
        failed["message"].as_str().unwrap().contains("declined"),
        "{failed}"
    );
    let (code, stderr) = finish(child).await;
    assert_eq!(code, 5, "{stderr}");
    assert_eq!(
        sim.sessions()[0]["status"],
        "expired",
        "the declined session was closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_with_a_named_but_unreadable_config_is_an_error_never_demo_mode() {
    let (code, stderr) = finish(
        kiosk_command()
            .args(["--config", "/nonexistent/kiosk.toml"])
            .spawn()
            .unwrap(),
    )
    .await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("/nonexistent/kiosk.toml") && !stderr.contains("DEMO"),
        "{stderr}"
    );

    let mut command = kiosk_command();
    command.env("WOOSHPAY_KIOSK_CONFIG", "/nonexistent/env.toml");
    let (code, stderr) = finish(command.spawn().unwrap()).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/nonexistent/env.toml"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_file_other_users_can_read_gets_a_warning_that_does_not_show_the_key() {
    use std::os::unix::fs::PermissionsExt;
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    let key_file = shop.dir.path().join("secret.key");
    std::fs::write(&key_file, format!("{}\n", common::KEY)).unwrap();
    let config = std::fs::read_to_string(shop.config_path()).unwrap();
    std::fs::write(
        shop.config_path(),
        config.replace(
            "[wooshpay]\n",
            "[wooshpay]\nsecret_key_file = \"secret.key\"\n",
        ),
    )
    .unwrap();
    let check = |mode: u32| {
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(mode)).unwrap();
        let mut command = shop.command(&["check"]);
        command.env_remove("WOOSHPAY_SECRET_KEY");
        command.output()
    };

    let output = check(0o644).await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("readable by every user"), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert!(
        !stderr.contains(common::KEY),
        "the warning names the file, not the key"
    );

    let output = check(0o600).await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("readable by every user"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_lists_every_sale_once_as_json_csv_and_since_a_date() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    common::after_retrieves(&sim, 1, SessionAction::Pay);
    let paid = shop.command(&["charge", "latte=2"]).output().await.unwrap();
    assert_eq!(paid.status.code(), Some(0));
    common::after_retrieves(&sim, 1, SessionAction::Decline);
    let declined = shop
        .command(&["charge", "croissant"])
        .output()
        .await
        .unwrap();
    assert_eq!(declined.status.code(), Some(5));

    let json = shop.command(&["sales", "--json"]).output().await.unwrap();
    assert_eq!(json.status.code(), Some(0));
    let sales: Vec<serde_json::Value> = String::from_utf8(json.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let sessions = sim.sessions();
    assert_eq!(sales.len(), 2);
    assert_eq!(sales[0]["id"], sessions[0]["id"]);
    assert_eq!(
        (
            &sales[0]["outcome"],
            &sales[0]["amount_total"],
            &sales[0]["currency"]
        ),
        (&json!("paid"), &json!(680), &json!("GBP"))
    );
    assert_eq!(sales[0]["lines"][0]["quantity"], 2);
    // The first paid sale of the shift is order 1; a sale that was not paid has no number. No tips here.
    assert_eq!(
        (&sales[0]["order_number"], &sales[1]["order_number"]),
        (&json!(1), &json!(null))
    );
    assert_eq!(
        (&sales[0]["tip_amount"], &sales[1]["tip_amount"]),
        (&json!(0), &json!(0))
    );
    assert!(sales[0]["created"].as_str().unwrap().ends_with('Z'));
    assert!(sales[0]["finished"].is_string());
    assert_eq!(sales[1]["id"], sessions[1]["id"]);
    assert_eq!(
        (&sales[1]["outcome"], &sales[1]["amount_total"]),
        (&json!("failed"), &json!(275))
    );

    let csv = shop.command(&["sales", "--csv"]).output().await.unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[0].starts_with(
        "id,client_reference_id,created,finished,lines,amount_total,currency,amount,outcome,order_number,tip_amount"
    ));
    // Then refunded, tax_total and tax (none here).
    assert!(rows[1].ends_with(",680,GBP,6.80,paid,1,0,0,0,"), "{csv}");
    assert!(rows[2].ends_with(",275,GBP,2.75,failed,,0,0,0,"), "{csv}");

    let human = shop.command(&["sales"]).output().await.unwrap();
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(
        human.contains("£6.80") && human.contains("2 × Latte") && human.contains("(order 1)"),
        "{human}"
    );

    let future = shop
        .command(&["sales", "--json", "--since", "2999-01-01"])
        .output()
        .await
        .unwrap();
    assert_eq!((future.status.code(), future.stdout.len()), (Some(0), 0));
    let today = shop
        .command(&["sales", "--json", "--since", "today"])
        .output()
        .await
        .unwrap();
    assert_eq!(String::from_utf8(today.stdout).unwrap().lines().count(), 2);
    let bad = shop
        .command(&["sales", "--since", "last tuesday"])
        .output()
        .await
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected a date like 2026-11-24"));
}

/// `charge` keeps the same stock ledger as the touch screen: it refuses what is not left before any session,
/// counts its own paid sales, takes a newer catalog's level as a restock and never one from an older copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charge_keeps_the_stock_ledger_and_refuses_what_is_not_left() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "");
    let catalog = |latte: u32| {
        common::CATALOG.replace(
            "unit_amount = 340",
            &format!("unit_amount = 340\nstock = {latte}"),
        )
    };
    std::fs::write(shop.dir.path().join("catalog.toml"), catalog(3)).unwrap();
    let charge = |items: &'static [&'static str]| {
        let mut args = vec!["charge"];
        args.extend_from_slice(items);
        let child = shop.command(&args).spawn().unwrap();
        finish(child)
    };

    let (code, stderr) = charge(&["latte=4"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("latte: only 3 left, 4 asked for; nothing was charged"),
        "{stderr}"
    );
    assert!(sim.sessions().is_empty(), "refused before any session");

    common::after_retrieves(&sim, 1, SessionAction::Pay);
    let (code, stderr) = charge(&["latte=2"]).await;
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = charge(&["latte=2"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("latte: only 1 left, 2 asked for"),
        "{stderr}"
    );
    common::after_retrieves(&sim, 1, SessionAction::Pay);
    let (code, stderr) = charge(&["latte"]).await;
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = charge(&["latte", "croissant"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("latte is sold out"), "{stderr}");
    assert_eq!(
        sim.sessions().len(),
        2,
        "two sales, no session for a refusal"
    );

    // A newer catalog restocks; the older one served again puts nothing back.
    std::fs::write(shop.dir.path().join("catalog.toml"), catalog(10)).unwrap();
    common::after_retrieves(&sim, 1, SessionAction::Pay);
    let (code, stderr) = charge(&["latte"]).await;
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(shop.dir.path().join("catalog.toml"), catalog(3)).unwrap();
    let (code, stderr) = charge(&["latte=10"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("latte: only 9 left, 10 asked for"),
        "{stderr}"
    );
}
