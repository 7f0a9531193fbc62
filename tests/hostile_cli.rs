//! The real binary at the edges: two processes on one state directory, `sales` on a read-only state directory
//! as another user, a `charge` that must not wait silently on earlier sales, sessions nobody can scan, and bad
//! input (key files, quantities, catalog text, CSV cells).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::{Events, Shop, finish, send_signal, simulator};
use serde_json::json;
use wooshpay_kiosk::simulator::{Fault, FaultRule};

fn rule(method: &str, path: &str, count: u32, fault: Fault) -> FaultRule {
    FaultRule {
        method: Some(method.into()),
        path: path.into(),
        count,
        after_processing: false,
        fault,
    }
}

async fn output(shop: &Shop, args: &[&str]) -> (i32, String, String) {
    let out = tokio::time::timeout(Duration::from_secs(120), shop.command(args).output())
        .await
        .expect("the command finishes")
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn state_dir(shop: &Shop) -> std::path::PathBuf {
    shop.dir.path().join("state")
}

// One owner of the state directory (issue 11, point 7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_on_the_state_directory_is_refused_by_name_and_sales_still_reads() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let mut first = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut first);
    let created = events.until("session_created").await;
    let pid = first.id().unwrap();

    for args in [
        &["recover", "--json"][..],
        &["charge", "croissant", "--json"][..],
    ] {
        let (code, _, stderr) = output(&shop, args).await;
        assert_eq!(code, 1, "{args:?}: {stderr}");
        let expected = format!(
            "another wooshpay-kiosk (pid {pid}) is using {}",
            state_dir(&shop).display()
        );
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
        assert!(
            !stderr.to_lowercase().contains("database is locked"),
            "{stderr}"
        );
    }
    assert_eq!(
        sim.sessions().len(),
        1,
        "the refused charge created nothing"
    );

    let (code, stdout, stderr) = output(&shop, &["sales", "--json"]).await;
    assert_eq!(code, 0, "sales needs no lock: {stderr}");
    assert!(stdout.contains(created["id"].as_str().unwrap()), "{stdout}");

    send_signal(&first, "TERM");
    let (code, _) = finish(first).await;
    assert_eq!(code, 4);
    // Once the first is gone, the state directory is free again.
    let (code, _, stderr) = output(&shop, &["recover"]).await;
    assert_eq!(code, 0, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_reads_a_read_only_state_directory_as_another_user() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let mut child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut child);
    let created = events.until("session_created").await;
    sim.pay(created["id"].as_str().unwrap()).unwrap();
    events.until("paid").await;
    assert_eq!(finish(child).await.0, 0);

    let state = state_dir(&shop);
    std::fs::set_permissions(shop.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(&state).unwrap() {
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o555)).unwrap();
    let mut command = shop.command(&["sales", "--json"]);
    // As root (CI) permissions do not bind: run as nobody, who may only read, when nobody can reach the binary
    // (a checkout under /root cannot be); otherwise the read-only directory alone is tested.
    if nix_is_root() && nobody_can_run(env!("CARGO_BIN_EXE_wooshpay-kiosk")) {
        command.uid(65534).gid(65534);
    }
    let out = command.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sale: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(sale["outcome"], "paid");
    assert_eq!(sale["id"], created["id"]);
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn nobody_can_run(binary: &str) -> bool {
    use std::os::unix::process::CommandExt;
    std::process::Command::new("test")
        .args(["-x", binary])
        .uid(65534)
        .gid(65534)
        .status()
        .is_ok_and(|status| status.success())
}

fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

// No silent waits (point 8): an earlier sale whose expire keeps failing holds a new charge for a bounded time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charge_settles_earlier_sales_for_a_bounded_time_and_says_so() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let mut child = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    let mut events = Events::of(&mut child);
    let earlier = events.until("session_created").await;
    send_signal(&child, "KILL");
    let _ = child.wait().await;
    // Make it an hour old, so the next start must expire it; its expire keeps failing.
    let db = rusqlite::Connection::open(state_dir(&shop).join("sales.sqlite")).unwrap();
    db.execute("UPDATE sales SET created_ms = created_ms - 3600000", [])
        .unwrap();
    drop(db);
    sim.inject(rule(
        "POST",
        "/v1/checkout/sessions/*/expire",
        100_000,
        Fault::Status {
            status: 503,
            retry_after_s: None,
        },
    ));

    let started = Instant::now();
    let mut child = shop
        .command(&["charge", "croissant", "--json"])
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let mut events = Events::of(&mut child);
    let created = events.until("session_created").await;
    let waited = started.elapsed();
    assert_ne!(created["id"], earlier["id"]);
    assert!(
        waited < Duration::from_secs(40),
        "the new sale waited {waited:?} for the earlier one"
    );
    sim.clear_faults();
    sim.pay(created["id"].as_str().unwrap()).unwrap();
    events.until("paid").await;
    let (code, _) = finish(child).await;
    let mut text = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut text)
        .await
        .unwrap();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("settling 1 earlier sale"), "{text}");
    // What could not be settled stays for recover, which now can.
    let (code, stdout, stderr) = output(&shop, &["recover", "--json"]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(r#""outcome":"expired""#), "{stdout}");
}

// Unusable sessions (point 9): expired at once by the CLI too, and journalled with their session id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_nobody_can_scan_is_expired_at_once_and_keeps_its_id_in_the_journal() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let long = format!("https://pay.example/{}", "x".repeat(3_000));
    for url in [long.as_str(), "ftp://pay.example/cs_1"] {
        sim.inject(rule(
            "POST",
            "/v1/checkout/sessions",
            1,
            Fault::Mutate {
                set: json!({ "url": url }).as_object().unwrap().clone(),
            },
        ));
        let started = Instant::now();
        let (code, stdout, stderr) = output(&shop, &["charge", "latte", "--json"]).await;
        assert_eq!(code, 1, "{stdout}{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "not left waiting for the timeout"
        );
        let last = sim.sessions().pop().unwrap();
        assert_eq!(last["status"], "expired", "{url:.40}: nobody can pay it");
        let (_, sales, _) = output(&shop, &["sales", "--json"]).await;
        let sale: serde_json::Value = serde_json::from_str(sales.lines().last().unwrap()).unwrap();
        assert_eq!(
            sale["id"], last["id"],
            "{url:.40}: the journal keeps the session id"
        );
        assert_eq!(sale["outcome"], "failed");
    }
}

// Input hygiene (point 10): key files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_files_with_hidden_characters_get_a_specific_error_and_no_request() {
    let sim = simulator().await;
    let mut shop = Shop::new(&sim.api_base_url(), "");
    shop.key = String::new();
    let config = shop.config_path();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("[checkout]", "secret_key_file = \"key\"\n[checkout]"),
    )
    .unwrap();
    let key = common::KEY;
    let cases = [
        (format!("\u{feff}{key}\n"), "byte order mark"),
        (format!("{key}\r\n"), "carriage return"),
        (format!("{key}\nsk_test_other\n"), "more than one line"),
        (format!("{key}\0\n"), "NUL"),
        (format!("sk_test_abc {key}\n"), "whitespace inside"),
    ];
    for (content, problem) in cases {
        std::fs::write(shop.dir.path().join("key"), &content).unwrap();
        let mut command = shop.command(&["check"]);
        command.env_remove("WOOSHPAY_SECRET_KEY");
        let out = command.output().await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{problem}: {stderr}");
        assert!(
            stderr.contains("key: "),
            "{problem}: names the file: {stderr}"
        );
        assert!(stderr.contains(problem), "{problem}: {stderr}");
        assert!(
            !stderr.contains("blackbox0123456789"),
            "{problem}: the key leaked: {stderr}"
        );
    }
    assert!(
        sim.requests().is_empty(),
        "no request was sent with a doubtful key"
    );
}

// Input hygiene (point 10): quantities, unknown items, reserved ids, control characters, CSV cells.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_items_quantities_and_catalog_text_are_refused_or_shown_safely() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let (code, _, stderr) = output(&shop, &["charge", "latte=+3"]).await;
    assert_eq!(code, 2, "{stderr}");

    let mut catalog = String::new();
    for n in 0..40 {
        catalog.push_str(&format!(
            "[[item]]\nid = \"item{n}\"\nname = \"Item {n}\"\nunit_amount = 100\n"
        ));
    }
    std::fs::write(shop.dir.path().join("catalog.toml"), &catalog).unwrap();
    let (code, _, stderr) = output(&shop, &["charge", "nosuch"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("item0"), "{stderr}");
    assert!(
        !stderr.contains("item30"),
        "at most a handful of ids: {stderr}"
    );

    // Control characters in a name are refused at load (issue 24), naming the item, and never reach the
    // terminal, a receipt or WooshPay: no sale starts. (A journal written before then: tests/clean_text.rs.)
    catalog.push_str(
        "[[item]]\nid = \"odd\"\nname = \"Odd\\u001b[2J\\u0007 tea\"\nunit_amount = 100\n",
    );
    std::fs::write(shop.dir.path().join("catalog.toml"), &catalog).unwrap();
    let (code, stdout, stderr) = output(&shop, &["charge", "odd"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("item 41 (id \"odd\"): `name` holds the control character U+001B"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}') && !stdout.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
    assert!(sim.sessions().is_empty(), "no sale was started");

    // A catalog id in the kiosk's own custom-amount namespace is refused at load.
    std::fs::write(
        shop.dir.path().join("catalog.toml"),
        "[[item]]\nid = \"custom-1\"\nname = \"Sneaky\"\nunit_amount = 100\n",
    )
    .unwrap();
    let (code, _, stderr) = output(&shop, &["check"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("custom-1") && stderr.contains("reserved"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let text = std::fs::read_to_string(shop.config_path()).unwrap();
    std::fs::write(
        shop.config_path(),
        text.replace("id = \"test-kiosk\"", "id = \"-2-3\""),
    )
    .unwrap();
    std::fs::write(
        shop.dir.path().join("catalog.toml"),
        "[[item]]\nid = \"f\"\nname = \"=HYPERLINK(\\\"http://x.example\\\")\"\nunit_amount = 100\n",
    )
    .unwrap();
    let mut child = shop.command(&["charge", "f", "--json"]).spawn().unwrap();
    let mut events = Events::of(&mut child);
    events.until("session_created").await;
    send_signal(&child, "TERM");
    finish(child).await;
    let (code, csv, _) = output(&shop, &["sales", "--csv"]).await;
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a spreadsheet would run {cell:?}"
            );
        }
    }
    assert!(
        csv.contains("'-2-3-"),
        "neutralised with a leading apostrophe: {csv}"
    );
}

// The UI, started while another process owns the state directory, says so and waits; then takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_waits_for_another_owner_of_the_state_directory_then_starts() {
    use tokio::io::AsyncBufReadExt;
    let sim = simulator().await;
    let shop = Shop::new(&sim.api_base_url(), "timeout_s = 60");
    let mut charge = shop
        .command(&["charge", "latte", "--json"])
        .spawn()
        .unwrap();
    Events::of(&mut charge).until("session_created").await;
    let pid = charge.id().unwrap();

    let mut ui = shop.command(&["--headless"]).spawn().unwrap();
    let mut stderr = tokio::io::BufReader::new(ui.stderr.take().unwrap()).lines();
    let expected = format!(
        "another wooshpay-kiosk (pid {pid}) is using {}",
        state_dir(&shop).display()
    );
    let said = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if line.contains(&expected) {
                return line;
            }
        }
        panic!("the UI ended without saying why it waits");
    })
    .await
    .expect("the UI says who holds the state directory");
    assert!(said.contains("waiting"), "{said}");
    let lists = |sim: &wooshpay_kiosk::simulator::Simulator| {
        sim.requests()
            .iter()
            .filter(|r| r.path.ends_with("/sessions/list"))
            .count()
    };
    assert_eq!(
        lists(&sim),
        0,
        "a waiting UI does not start recovery or probes"
    );

    send_signal(&charge, "TERM");
    assert_eq!(finish(charge).await.0, 4);
    // Free now: within its two-second retry the UI takes over, recovers and probes WooshPay.
    let started = tokio::time::timeout(Duration::from_secs(60), async {
        while lists(&sim) == 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let _ = ui.start_kill();
    let _ = ui.wait().await;
    assert!(
        started.is_ok(),
        "the UI never started after the state directory was free"
    );
}
