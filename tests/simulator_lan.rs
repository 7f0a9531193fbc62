//! The demo simulator's control API answers this machine only (issue 24, point 5); its pay page stays on the
//! LAN for the phone. "Another host" is a network namespace joined to this one by a veth pair that the test
//! creates and removes: no packet leaves the machine.

use std::process::Command;

use wooshpay_kiosk::simulator::{Simulator, SimulatorConfig};

const KEY: &str = "sk_test_lan0123456789";

/// A network namespace and the veth pair to it; removed on drop (deleting the namespace deletes the pair).
struct OtherHost {
    name: String,
    host_ip: String,
}

impl OtherHost {
    fn create() -> Option<Self> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 || Command::new("ip").arg("-V").output().is_err() {
            return None;
        }
        let id = std::process::id();
        let name = format!("wk-lan-{id}");
        let (outer, inner) = (
            format!("wkh{}", id % 100_000),
            format!("wkn{}", id % 100_000),
        );
        let subnet = id % 250 + 1;
        let host_ip = format!("10.231.{subnet}.1");
        let address = format!("10.231.{subnet}.2");
        let host = Self {
            name: name.clone(),
            host_ip: host_ip.clone(),
        };
        let ns = |args: &[&str]| {
            let mut all = vec!["netns", "exec", name.as_str(), "ip"];
            all.extend_from_slice(args);
            all.into_iter().map(str::to_owned).collect::<Vec<_>>()
        };
        let steps: Vec<Vec<String>> = vec![
            vec!["netns".into(), "add".into(), name.clone()],
            [
                "link", "add", &outer, "type", "veth", "peer", "name", &inner,
            ]
            .map(str::to_owned)
            .to_vec(),
            ["link", "set", &inner, "netns", &name]
                .map(str::to_owned)
                .to_vec(),
            ["addr", "add", &format!("{host_ip}/30"), "dev", &outer]
                .map(str::to_owned)
                .to_vec(),
            ["link", "set", &outer, "up"].map(str::to_owned).to_vec(),
            ns(&["addr", "add", &format!("{address}/30"), "dev", &inner]),
            ns(&["link", "set", &inner, "up"]),
            ns(&["link", "set", "lo", "up"]),
        ];
        for step in steps {
            let status = Command::new("ip").args(&step).status().unwrap();
            assert!(status.success(), "ip {step:?} failed");
        }
        Some(host)
    }

    /// The HTTP status of `method path` at `url`, asked from the other host (retried until its link is up).
    fn status(&self, method: &str, url: &str) -> u16 {
        let script = r#"
import sys, time, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 30
while True:
    try:
        request = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
        with urllib.request.urlopen(request, timeout=10) as answer:
            print(answer.status)
        break
    except urllib.error.HTTPError as error:
        print(error.code)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.1)
"#;
        let output = Command::new("ip")
            .args([
                "netns", "exec", &self.name, "python3", "-c", script, method, url,
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for OtherHost {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_answers_loopback_only_and_the_pay_page_answers_the_lan() {
    let Some(other) = OtherHost::create() else {
        eprintln!("skipped: needs root and `ip` (CI runs as root with iproute2)");
        return;
    };
    let sim = Simulator::start(
        "0.0.0.0:0".parse().unwrap(),
        SimulatorConfig {
            secret_key: KEY.into(),
            public_base_url: None,
        },
    )
    .await
    .unwrap();
    let port = sim.addr().port();
    let from_lan = format!("http://{}:{port}", other.host_ip);

    // A sale waiting for its customer.
    let created = {
        wooshpay_kiosk::wooshpay::install_tls_provider();
        reqwest::Client::new()
    }
    .post(format!("{}/v1/checkout/sessions", sim.api_base_url()))
    .basic_auth(KEY, Some(""))
    .json(&serde_json::json!({
        "mode": "payment",
        "success_url": "https://shop.example/thanks",
        "cancel_url": "https://shop.example/cancelled",
        "line_items": [{ "quantity": 1, "price_data": {
            "currency": "GBP", "unit_amount": 340, "product_data": { "name": "Latte" } } }]
    }))
    .send()
    .await
    .unwrap();
    assert!(created.status().is_success(), "{}", created.status());
    let session: serde_json::Value = created.json().await.unwrap();
    let id = session["id"].as_str().unwrap().to_owned();
    let pay_page = session["url"]
        .as_str()
        .unwrap()
        .replace(
            &format!("127.0.0.1:{port}"),
            &format!("{}:{port}", other.host_ip),
        )
        .replace(
            &format!("0.0.0.0:{port}"),
            &format!("{}:{port}", other.host_ip),
        );

    let (sessions, pay, scripted, page) = tokio::task::spawn_blocking({
        let from_lan = from_lan.clone();
        let id = id.clone();
        move || {
            (
                other.status("GET", &format!("{from_lan}/_sim/sessions")),
                other.status("POST", &format!("{from_lan}/_sim/sessions/{id}/pay")),
                other.status("PUT", &format!("{from_lan}/_sim/auto")),
                other.status("GET", &pay_page),
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(sessions, 403, "the control API's session list from the LAN");
    assert_eq!(pay, 403, "paying through the control API from the LAN");
    assert_eq!(scripted, 403, "scripting the next sale from the LAN");
    assert_eq!(page, 200, "the phone's pay page from the LAN");
    assert_eq!(
        sim.sessions()[0]["payment_status"],
        "unpaid",
        "nothing the other host asked changed the sale"
    );

    // This machine still drives the demo.
    let local = {
        wooshpay_kiosk::wooshpay::install_tls_provider();
        reqwest::Client::new()
    }
    .post(format!("{}/_sim/sessions/{id}/pay", sim.api_base_url()))
    .send()
    .await
    .unwrap();
    assert!(local.status().is_success(), "{}", local.status());
    assert_eq!(sim.sessions()[0]["payment_status"], "paid");
}
