//! Shared set-up for black-box tests: a simulator on loopback, a shop directory, the real binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};
use wooshpay_kiosk::simulator::{Simulator, SimulatorConfig};

pub mod engine;
pub mod ui;

pub const KEY: &str = "sk_test_blackbox0123456789";
pub const CATALOG: &str = r#"
[[item]]
id = "latte"
name = "Latte"
unit_amount = 340
category = "Coffee"

[[item]]
id = "croissant"
name = "Butter croissant"
unit_amount = 275
"#;

/// An order for one latte at `amount` pence, as the kiosk would send it.
pub fn latte_order(amount: i64) -> wooshpay_kiosk::order::Order {
    wooshpay_kiosk::order::Order {
        currency: wooshpay_kiosk::money::Currency::from_code("GBP").unwrap(),
        lines: vec![wooshpay_kiosk::order::OrderLine {
            item_id: "latte".into(),
            name: "Latte".into(),
            description: None,
            unit_amount: amount,
            quantity: 1,
            tax_rate: None,
        }],
    }
}

/// `charge latte` through the real binary, paid by the customer at the first read: one paid sale in the journal.
pub async fn sell_one_latte(sim: &Simulator, shop: &Shop) {
    after_retrieves(sim, 1, wooshpay_kiosk::simulator::SessionAction::Pay);
    let paid = shop.command(&["charge", "latte"]).output().await.unwrap();
    assert!(
        paid.status.success(),
        "{}",
        String::from_utf8_lossy(&paid.stderr)
    );
    sim.set_auto_action(None);
}

/// The customer acts on their phone after the kiosk has read the session `reads` times.
pub fn after_retrieves(
    sim: &Simulator,
    reads: u32,
    action: wooshpay_kiosk::simulator::SessionAction,
) {
    sim.set_auto_action(Some(wooshpay_kiosk::simulator::AutoAction {
        after_retrieves: reads,
        action,
    }));
}

pub async fn simulator() -> Simulator {
    Simulator::start(
        "127.0.0.1:0".parse().unwrap(),
        SimulatorConfig {
            secret_key: KEY.into(),
            public_base_url: None,
        },
    )
    .await
    .expect("simulator starts")
}

pub struct Shop {
    pub dir: tempfile::TempDir,
    pub key: String,
}

impl Shop {
    /// A configuration pointing at `base_url`; `extra_checkout` lines go into `[checkout]`.
    pub fn new(base_url: &str, extra_checkout: &str) -> Self {
        Self::in_dir(tempfile::tempdir().unwrap(), base_url, extra_checkout)
    }

    /// A shop whose state directory is on a real disk (the build's own temporary directory), never a tmpfs:
    /// for tests that measure what the kiosk writes to its storage.
    pub fn on_disk(base_url: &str, extra_checkout: &str) -> Self {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        Self::in_dir(dir, base_url, extra_checkout)
    }

    fn in_dir(dir: tempfile::TempDir, base_url: &str, extra_checkout: &str) -> Self {
        std::fs::write(dir.path().join("catalog.toml"), CATALOG).unwrap();
        let config = format!(
            "catalog = \"catalog.toml\"\n\
             [wooshpay]\nbase_url = \"{base_url}\"\nsuccess_url = \"https://shop.example/thanks\"\n\
             cancel_url = \"https://shop.example/cancelled\"\n\
             [checkout]\ncurrency = \"GBP\"\npoll_interval_ms = 250\n{extra_checkout}\n\
             [kiosk]\nid = \"test-kiosk\"\n"
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Self {
            dir,
            key: KEY.into(),
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = kiosk_command();
        command
            .arg("--config")
            .arg(self.config_path())
            .args(args)
            .env("WOOSHPAY_SECRET_KEY", &self.key)
            .env("STATE_DIRECTORY", self.dir.path().join("state"));
        command
    }

    /// `sales --json`: one object per sale, newest first.
    pub async fn sales(&self) -> Vec<serde_json::Value> {
        let output = self.command(&["sales", "--json"]).output().await.unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

/// The real binary; under emulation (aarch64 tests on x86-64) through `$WOOSHPAY_KIOSK_TEST_RUNNER`,
/// e.g. `qemu-aarch64`, since a test cannot exec a foreign binary directly without binfmt_misc.
pub fn kiosk_command() -> Command {
    let binary = env!("CARGO_BIN_EXE_wooshpay-kiosk");
    let mut command = match std::env::var_os("WOOSHPAY_KIOSK_TEST_RUNNER").filter(|r| !r.is_empty())
    {
        Some(runner) => {
            let mut command = Command::new(runner);
            command.arg(binary);
            command
        }
        None => Command::new(binary),
    };
    command
        .env_remove("WOOSHPAY_KIOSK_CONFIG")
        .env_remove("WOOSHPAY_SECRET_KEY")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("JOURNAL_STREAM")
        .env_remove("RUST_LOG")
        .env_remove("RUNTIME_DIRECTORY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Reads `--json` events from a running `charge`.
pub struct Events {
    lines: Lines<BufReader<ChildStdout>>,
    pub seen: Vec<serde_json::Value>,
}

impl Events {
    pub fn of(child: &mut Child) -> Self {
        Self {
            lines: BufReader::new(child.stdout.take().unwrap()).lines(),
            seen: Vec::new(),
        }
    }

    /// The next event, or `None` at the end of output. A generous bound so a hang fails instead of blocking CI.
    pub async fn next(&mut self) -> Option<serde_json::Value> {
        let line = tokio::time::timeout(Duration::from_secs(120), self.lines.next_line())
            .await
            .expect("charge printed nothing for two minutes")
            .expect("stdout readable")?;
        let event: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not a JSON line: {line:?}: {e}"));
        assert!(
            event["event"].is_string(),
            "every line has an event field: {line}"
        );
        self.seen.push(event.clone());
        Some(event)
    }

    /// Skips ahead to the first event called `name`.
    pub async fn until(&mut self, name: &str) -> serde_json::Value {
        while let Some(event) = self.next().await {
            if event["event"] == name {
                return event;
            }
        }
        panic!("output ended before a {name:?} event; saw {:?}", self.seen);
    }

    pub async fn rest(&mut self) -> Vec<serde_json::Value> {
        let mut rest = Vec::new();
        while let Some(event) = self.next().await {
            rest.push(event);
        }
        rest
    }
}

pub async fn finish(child: Child) -> (i32, String) {
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("charge exits")
        .expect("charge ran");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub fn send_signal(child: &Child, signal: &str) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

/// A plain HTTP client for the tests' own calls to the simulator's control API. reqwest is built without a
/// rustls provider of its own, so the kiosk's (ring) is installed first.
pub fn http_client() -> reqwest::Client {
    wooshpay_kiosk::wooshpay::install_tls_provider();
    reqwest::Client::new()
}
