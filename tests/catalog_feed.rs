//! One catalog for many kiosks, against a web server on 127.0.0.1: what a shop sees when its catalog server
//! updates, answers 304, fails, serves a broken or forged file, or is gone, through the library and through the
//! real binary's `check`.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ed25519_dalek::{Signer, SigningKey};
use tokio::sync::oneshot;
use url::Url;
use wooshpay_kiosk::catalog_feed::{CatalogFeed, CatalogFeedSettings, Refresh, SignatureKey};
use wooshpay_kiosk::config::Config;
use wooshpay_kiosk::money::Currency;

const TEA: &str = "serial = 1\n[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 250\n";
const TEA_DEARER: &str = "serial = 2\n[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 270\n";
const LAST_MODIFIED: &str = "Wed, 01 Jan 2025 10:00:00 GMT";

/// What the catalog server serves, and what it was asked.
#[derive(Default)]
struct Served {
    catalog: Vec<u8>,
    etag: String,
    /// `None`: `/catalog.toml.sig` answers 404.
    signature: Option<Vec<u8>>,
    /// Answers every catalog request with this status instead.
    fail_with: Option<StatusCode>,
    /// The If-None-Match and If-Modified-Since of each catalog request, in order.
    conditions: Vec<(Option<String>, Option<String>)>,
    signature_requests: usize,
}

struct CatalogServer {
    served: Arc<Mutex<Served>>,
    url: Url,
    stop: Option<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

impl CatalogServer {
    async fn start(catalog: &str, etag: &str) -> Self {
        let served = Arc::new(Mutex::new(Served {
            catalog: catalog.as_bytes().to_vec(),
            etag: etag.to_owned(),
            ..Served::default()
        }));
        let app = Router::new()
            .route("/kiosks/catalog.toml", get(serve_catalog))
            .route("/kiosks/catalog.toml.sig", get(serve_signature))
            .with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!(
            "http://{}/kiosks/catalog.toml",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Self {
            served,
            url,
            stop: Some((tx, task)),
        }
    }

    fn set(&self, change: impl FnOnce(&mut Served)) {
        change(&mut self.served.lock().unwrap());
    }

    fn conditions(&self) -> Vec<(Option<String>, Option<String>)> {
        self.served.lock().unwrap().conditions.clone()
    }

    /// Stops listening and closes every connection, kept-alive ones too: the server is gone.
    async fn shut_down(&mut self) {
        if let Some((tx, task)) = self.stop.take() {
            tx.send(()).unwrap();
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("the server shuts down")
                .unwrap();
        }
    }
}

async fn serve_catalog(State(served): State<Arc<Mutex<Served>>>, headers: HeaderMap) -> Response {
    let mut served = served.lock().unwrap();
    let header_text = |name| {
        headers
            .get(name)
            .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let if_none_match = header_text(header::IF_NONE_MATCH);
    served.conditions.push((
        if_none_match.clone(),
        header_text(header::IF_MODIFIED_SINCE),
    ));
    if let Some(status) = served.fail_with {
        return (status, "catalog server broken").into_response();
    }
    if if_none_match.as_deref() == Some(served.etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::ETAG, served.etag.clone()),
            (header::LAST_MODIFIED, LAST_MODIFIED.to_owned()),
        ],
        served.catalog.clone(),
    )
        .into_response()
}

async fn serve_signature(State(served): State<Arc<Mutex<Served>>>) -> Response {
    let mut served = served.lock().unwrap();
    served.signature_requests += 1;
    match served.signature.clone() {
        Some(signature) => signature.into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn gbp() -> Currency {
    Currency::from_code("GBP").unwrap()
}

fn signer() -> SigningKey {
    SigningKey::from_bytes(&[42; 32])
}

fn settings(url: &Url, signed: bool, image_dir: &Path) -> CatalogFeedSettings {
    CatalogFeedSettings {
        url: url.clone(),
        refresh: Duration::from_secs(300),
        signature_key: signed
            .then(|| SignatureKey::from_bytes(signer().verifying_key().as_bytes()).unwrap()),
        image_dir: image_dir.to_owned(),
    }
}

fn open(server: &CatalogServer, state: &Path, signed: bool) -> CatalogFeed {
    CatalogFeed::open(settings(&server.url, signed, state), gbp(), state).unwrap()
}

fn price_of_tea(refresh: &Refresh) -> i64 {
    match refresh {
        Refresh::Updated(catalog) => catalog.item("tea").unwrap().unit_amount,
        other => panic!("expected an updated catalog, got {other:?}"),
    }
}

fn failure(refresh: Refresh) -> String {
    match refresh {
        Refresh::Failed { error } => error,
        other => panic!("expected a failed refresh, got {other:?}"),
    }
}

fn kept_copy(state: &Path) -> String {
    std::fs::read_to_string(state.join("catalog-feed/catalog.toml")).unwrap()
}

fn kept_tea_price(feed: &CatalogFeed) -> i64 {
    feed.catalog().unwrap().item("tea").unwrap().unit_amount
}

#[tokio::test]
async fn the_first_fetch_keeps_a_copy_and_a_new_etag_brings_the_new_prices() {
    let server = CatalogServer::start(TEA, "\"v1\"").await;
    let state = tempfile::tempdir().unwrap();
    let mut feed = open(&server, state.path(), false);
    assert!(feed.catalog().is_none());

    assert_eq!(price_of_tea(&feed.refresh().await), 250);
    assert_eq!(kept_copy(state.path()), TEA, "kept byte for byte");
    let record = wooshpay_kiosk::catalog_feed::read_record(state.path())
        .unwrap()
        .unwrap();
    assert_eq!(record.url, server.url.as_str());
    assert_eq!(record.etag.as_deref(), Some("\"v1\""));
    assert_eq!(record.last_modified.as_deref(), Some(LAST_MODIFIED));
    let status = feed.status().clone();
    assert_eq!(status.fetched_at_ms, Some(record.fetched_at_ms));
    assert_eq!(status.last_error, None);
    assert!(status.last_attempt_ms.is_some() && status.checked_at_ms.is_some());
    // The first request had no copy to keep, so it asked unconditionally.
    assert_eq!(server.conditions(), vec![(None, None)]);

    server.set(|s| {
        s.catalog = TEA_DEARER.as_bytes().to_vec();
        s.etag = "\"v2\"".to_owned();
    });
    assert_eq!(price_of_tea(&feed.refresh().await), 270);
    assert_eq!(kept_copy(state.path()), TEA_DEARER);
    assert_eq!(kept_tea_price(&feed), 270);
}

#[tokio::test]
async fn an_unchanged_catalog_is_a_304_asked_with_the_kept_etag() {
    let server = CatalogServer::start(TEA, "\"v1\"").await;
    let state = tempfile::tempdir().unwrap();
    let mut feed = open(&server, state.path(), false);
    price_of_tea(&feed.refresh().await);
    let fetched_at = feed.status().fetched_at_ms;

    // On a task of its own, as the UI's periodic refresh runs it (this does not compile unless it is Send).
    let (feed, refresh) = tokio::spawn(async move {
        let refresh = feed.refresh().await;
        (feed, refresh)
    })
    .await
    .unwrap();
    assert_eq!(refresh, Refresh::Unchanged);
    let conditions = server.conditions();
    assert_eq!(
        conditions[1],
        (Some("\"v1\"".to_owned()), Some(LAST_MODIFIED.to_owned())),
        "the second request carries the kept ETag and Last-Modified"
    );
    assert_eq!(feed.status().fetched_at_ms, fetched_at);
    assert_eq!(kept_tea_price(&feed), 250);
}

#[tokio::test]
async fn a_server_error_keeps_the_last_good_copy_and_names_the_url_and_status() {
    let server = CatalogServer::start(TEA, "\"v1\"").await;
    let state = tempfile::tempdir().unwrap();
    let mut feed = open(&server, state.path(), false);
    price_of_tea(&feed.refresh().await);

    server.set(|s| s.fail_with = Some(StatusCode::INTERNAL_SERVER_ERROR));
    let error = failure(feed.refresh().await);
    assert_eq!(
        error,
        format!(
            "{}: the server answered 500 Internal Server Error, expected 200 OK",
            server.url
        )
    );
    assert_eq!(feed.status().last_error.as_deref(), Some(error.as_str()));
    assert_eq!(kept_tea_price(&feed), 250);
    assert_eq!(kept_copy(state.path()), TEA);

    // The next good answer clears the error.
    server.set(|s| s.fail_with = None);
    assert_eq!(feed.refresh().await, Refresh::Unchanged);
    assert_eq!(feed.status().last_error, None);
}

#[tokio::test]
async fn an_invalid_file_never_replaces_the_last_good_copy() {
    let server = CatalogServer::start(TEA, "\"v1\"").await;
    let state = tempfile::tempdir().unwrap();
    let mut feed = open(&server, state.path(), false);
    price_of_tea(&feed.refresh().await);

    let cases: [(&[u8], &str); 4] = [
        (b"[[item]\nid = \"tea\"", "line 1"),
        (
            b"[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = -5\n",
            "unit_amount",
        ),
        (
            b"[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 250\n[[item]]\nid = \"coffee\"\n",
            "item 2",
        ),
        (b"\xff\xfe not text", "not UTF-8 text"),
    ];
    for (index, (body, expected)) in cases.into_iter().enumerate() {
        server.set(|s| {
            s.catalog = body.to_vec();
            s.etag = format!("\"broken-{index}\"");
        });
        let error = failure(feed.refresh().await);
        assert!(
            error.starts_with(server.url.as_str()) && error.contains(expected),
            "{error:?} should name the URL and {expected:?}"
        );
        assert_eq!(kept_copy(state.path()), TEA, "the kept copy is untouched");
        assert_eq!(kept_tea_price(&feed), 250);
    }

    // Far larger than any catalog: refused before it is read to the end.
    server.set(|s| {
        s.catalog = vec![b'#'; 2 * 1024 * 1024];
        s.etag = "\"huge\"".to_owned();
    });
    let error = failure(feed.refresh().await);
    assert!(error.contains("larger than 1024 KiB"), "{error}");
    assert_eq!(kept_copy(state.path()), TEA);
}

#[tokio::test]
async fn with_a_signature_key_only_a_catalog_signed_by_it_is_used() {
    let server = CatalogServer::start(TEA, "\"v1\"").await;
    let state = tempfile::tempdir().unwrap();
    let mut feed = open(&server, state.path(), true);
    let sig_url = format!("{}.sig", server.url);

    // No .sig beside the file: refused, and nothing is kept.
    let error = failure(feed.refresh().await);
    assert_eq!(
        error,
        format!("{sig_url}: the server answered 404 Not Found, expected 200 OK")
    );
    assert!(feed.catalog().is_none());
    assert!(!state.path().join("catalog-feed/catalog.toml").exists());

    // Signed by the right key (raw 64 bytes, as openssl writes them): accepted.
    server.set(|s| s.signature = Some(signer().sign(TEA.as_bytes()).to_bytes().to_vec()));
    assert_eq!(price_of_tea(&feed.refresh().await), 250);
    assert!(feed.status().signature_checked);

    // Someone on the shop's network changes the price but cannot sign it: refused, the signed copy stays.
    server.set(|s| {
        s.catalog = TEA_DEARER.as_bytes().to_vec();
        s.etag = "\"v2\"".to_owned();
    });
    let error = failure(feed.refresh().await);
    assert!(
        error.starts_with(&format!(
            "{sig_url}: the signature does not match the catalog"
        )),
        "{error}"
    );
    assert_eq!(kept_tea_price(&feed), 250);
    assert_eq!(kept_copy(state.path()), TEA);

    // Signed with another key: refused too.
    let stranger = SigningKey::from_bytes(&[9; 32]);
    server.set(|s| s.signature = Some(stranger.sign(TEA_DEARER.as_bytes()).to_bytes().to_vec()));
    let error = failure(feed.refresh().await);
    assert!(error.contains("the signature does not match"), "{error}");
    assert_eq!(kept_tea_price(&feed), 250);

    // The owner signs the new prices (base64 text this time): accepted.
    use base64::Engine as _;
    let signature = base64::engine::general_purpose::STANDARD
        .encode(signer().sign(TEA_DEARER.as_bytes()).to_bytes());
    server.set(|s| s.signature = Some(format!("{signature}\n").into_bytes()));
    assert_eq!(price_of_tea(&feed.refresh().await), 270);
    assert_eq!(kept_copy(state.path()), TEA_DEARER);
}

/// Serves `catalog` under a new ETag with the owner's signature.
fn publish(server: &CatalogServer, catalog: &str, etag: &str) {
    server.set(|s| {
        s.catalog = catalog.as_bytes().to_vec();
        s.etag = format!("\"{etag}\"");
        s.signature = Some(signer().sign(catalog.as_bytes()).to_bytes().to_vec());
    });
}

#[tokio::test]
async fn a_signed_catalog_cannot_be_rolled_back_replayed_with_other_bytes_or_expired() {
    let server = CatalogServer::start(TEA, "\"v1\"").await;
    let state = tempfile::tempdir().unwrap();
    let mut feed = open(&server, state.path(), true);
    publish(&server, TEA, "v1");
    assert_eq!(price_of_tea(&feed.refresh().await), 250);
    publish(&server, TEA_DEARER, "v2");
    assert_eq!(price_of_tea(&feed.refresh().await), 270);

    // Last month's catalog and its genuine signature, served again: a rollback, refused.
    publish(&server, TEA, "v1-replayed");
    let error = failure(feed.refresh().await);
    assert!(
        error.contains("refused as a rollback: its serial 1 is lower than the serial 2"),
        "{error}"
    );
    assert_eq!(feed.status().last_error.as_deref(), Some(error.as_str()));
    assert_eq!(kept_tea_price(&feed), 270);
    assert_eq!(kept_copy(state.path()), TEA_DEARER);

    // The same serial with other bytes (even signed): refused.
    let cheap = "serial = 2\n[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 100\n";
    publish(&server, cheap, "v2-other");
    let error = failure(feed.refresh().await);
    assert!(
        error.contains("serial 2 is the catalog in use, but these bytes differ"),
        "{error}"
    );

    // Past its expiry: refused.
    let stale = "serial = 3\nexpires = 2020-01-31T00:00:00Z\n[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 100\n";
    publish(&server, stale, "v3-stale");
    let error = failure(feed.refresh().await);
    assert!(error.contains("expired at 2020-01-31T00:00:00Z"), "{error}");

    // No serial at all: refused.
    let unnumbered = "[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 100\n";
    publish(&server, unnumbered, "v-none");
    let error = failure(feed.refresh().await);
    assert!(
        error.contains("must have a top-level `serial = N`"),
        "{error}"
    );
    assert_eq!(kept_tea_price(&feed), 270);

    // After a restart the rule still holds: the kept copy's serial is the floor.
    drop(feed);
    let mut restarted = open(&server, state.path(), true);
    publish(&server, TEA, "v1-again");
    let error = failure(restarted.refresh().await);
    assert!(error.contains("refused as a rollback"), "{error}");
    assert_eq!(kept_tea_price(&restarted), 270);

    // The next genuine catalog, with a later expiry, is taken.
    let next = "serial = 3\nexpires = 2099-01-31T00:00:00Z\n[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 280\n";
    publish(&server, next, "v3");
    assert_eq!(price_of_tea(&restarted.refresh().await), 280);
    assert_eq!(
        restarted.catalog().unwrap().expires,
        Some("2099-01-31T00:00:00Z".parse().unwrap())
    );
}

#[tokio::test]
async fn when_the_server_is_gone_the_copy_stays_and_a_restart_starts_from_it() {
    let mut server = CatalogServer::start(TEA, "\"v1\"").await;
    let state = tempfile::tempdir().unwrap();
    let mut feed = open(&server, state.path(), true);
    server.set(|s| s.signature = Some(signer().sign(TEA.as_bytes()).to_bytes().to_vec()));
    price_of_tea(&feed.refresh().await);
    let fetched_at = feed.status().fetched_at_ms;

    server.shut_down().await;
    let error = failure(feed.refresh().await);
    assert!(
        error.starts_with(&format!("{}: cannot connect", server.url)),
        "{error}"
    );
    assert_eq!(kept_tea_price(&feed), 250);

    // A restart with the server still down: the feed and the configuration both start from the kept copy.
    drop(feed);
    let mut restarted = open(&server, state.path(), true);
    assert_eq!(kept_tea_price(&restarted), 250);
    assert_eq!(restarted.status().fetched_at_ms, fetched_at);
    assert!(matches!(restarted.refresh().await, Refresh::Failed { .. }));
    assert_eq!(kept_tea_price(&restarted), 250);

    let config_path = state.path().join("config.toml");
    let config_text = format!(
        "catalog_url = \"{}\"\ncatalog_signature_key = \"{}\"\n\
         [wooshpay]\nsuccess_url = \"https://shop.example/thanks\"\ncancel_url = \"https://shop.example/cancelled\"\n\
         [checkout]\ncurrency = \"GBP\"\n",
        server.url,
        SignatureKey::from_bytes(signer().verifying_key().as_bytes())
            .unwrap()
            .to_base64()
    );
    let config = Config::parse_with_state_dir(&config_text, &config_path, state.path()).unwrap();
    assert_eq!(config.catalog.item("tea").unwrap().unit_amount, 250);
}

/// A shop directory whose configuration fetches its catalog from `url` (and has no local catalog file).
fn feed_shop(simulator_url: &str, catalog_url: &Url) -> common::Shop {
    let shop = common::Shop::new(simulator_url, "");
    let config = std::fs::read_to_string(shop.config_path()).unwrap();
    std::fs::write(
        shop.config_path(),
        config.replace(
            "catalog = \"catalog.toml\"\n",
            &format!("catalog_url = \"{catalog_url}\"\n"),
        ),
    )
    .unwrap();
    std::fs::remove_file(shop.dir.path().join("catalog.toml")).unwrap();
    shop
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_fetches_a_fresh_kiosks_catalog_and_says_where_it_came_from() {
    let sim = common::simulator().await;
    let mut server = CatalogServer::start(TEA, "\"v1\"").await;
    let shop = feed_shop(&sim.api_base_url(), &server.url);

    let output = shop.command(&["check"]).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Configuration OK: 1 catalog items in GBP"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Catalog: fetched from {} at ", server.url)),
        "{stdout}"
    );
    // `check` keeps nothing (run with sudo, it would leave files the kiosk's user cannot replace): the kiosk
    // keeps its own copy when it starts.
    assert!(
        !shop
            .dir
            .path()
            .join("state")
            .join("catalog-feed")
            .join("catalog.toml")
            .exists(),
        "check wrote the kept copy"
    );
    let mut kiosk = shop.command(&["--headless"]).spawn().unwrap();
    for _ in 0..300 {
        let kept = shop.dir.path().join("state").join("catalog-feed");
        if kept.join("copy.json").exists() && kept.join("catalog.toml").exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    kiosk.kill().await.unwrap();
    assert_eq!(kept_copy(&shop.dir.path().join("state")), TEA);

    // The server is gone: the kept copy still starts the kiosk, but check says the feed is broken.
    server.shut_down().await;
    let output = shop.command(&["check"]).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Configuration OK: 1 catalog items"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "the catalog could not be fetched: {}: cannot connect",
            server.url
        )),
        "{stderr}"
    );

    // A fresh kiosk (no kept copy, no catalog file) with the server gone cannot start, and says why.
    std::fs::remove_dir_all(shop.dir.path().join("state")).unwrap();
    let output = shop.command(&["check"]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no catalog to start with: {}: cannot connect",
            server.url
        )),
        "{stderr}"
    );
}

/// docs/catalog-feed.md's recipe, run as written: a key made by openssl, the catalog signed by openssl, the
/// public key as the shell pipeline prints it. Skipped where openssl is not installed.
#[test]
fn a_catalog_signed_with_openssl_as_documented_is_accepted() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let run = |script: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(dir.path())
            .output()
    };
    match run("command -v openssl") {
        Ok(output) if output.status.success() => {}
        _ => {
            eprintln!("openssl is not installed; skipping");
            return;
        }
    }
    std::fs::write(dir.path().join("catalog.toml"), TEA).unwrap();
    let output = run("openssl genpkey -algorithm ed25519 -out key.pem \
         && openssl pkeyutl -sign -inkey key.pem -rawin -in catalog.toml -out catalog.toml.sig \
         && openssl pkey -in key.pem -pubout -outform DER | tail -c 32 | base64")
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let key = SignatureKey::parse(&String::from_utf8(output.stdout).unwrap()).unwrap();
    let signature = std::fs::read(dir.path().join("catalog.toml.sig")).unwrap();
    let sig_url = Url::parse("https://shop.example/kiosks/catalog.toml.sig").unwrap();
    key.verify(TEA.as_bytes(), &signature, &sig_url).unwrap();
    assert!(
        key.verify(TEA_DEARER.as_bytes(), &signature, &sig_url)
            .is_err()
    );
}

/// The configuration is read once: a file that can be read only once, such as a pipe from a decrypting
/// command (`--config <(sops -d config.toml)`), works, and the feed's settings and the rest come from the same
/// reading. Before, the feed's keys were read first and the whole file again after the fetch: the second read
/// of the pipe found it empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reads_the_configuration_once_so_a_pipe_works() {
    let sim = common::simulator().await;
    let server = CatalogServer::start(TEA, "\"v1\"").await;
    let shop = feed_shop(&sim.api_base_url(), &server.url);
    let text = std::fs::read_to_string(shop.config_path()).unwrap();
    let pipe = shop.dir.path().join("config-pipe.toml");
    let c_path = std::ffi::CString::new(pipe.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo only reads the path, a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);

    let child = common::kiosk_command()
        .arg("--config")
        .arg(&pipe)
        .arg("check")
        .env("WOOSHPAY_SECRET_KEY", &shop.key)
        .env("STATE_DIRECTORY", shop.dir.path().join("state"))
        .spawn()
        .unwrap();
    // One writer, once: opening the pipe waits for the kiosk to open it for reading.
    let writer = tokio::task::spawn_blocking(move || std::fs::write(&pipe, text));
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("check finishes")
        .unwrap();
    writer.await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Configuration OK: 1 catalog items in GBP"),
        "{stdout}"
    );
}

/// A catalog over plain http with no signature key could be changed by anyone on the shop's network: `check`
/// refuses the configuration before any request, naming the key and the fix.
#[tokio::test]
async fn check_refuses_a_plain_http_catalog_url_without_a_key() {
    let shop = common::Shop::new("http://127.0.0.1:9", "");
    let config = std::fs::read_to_string(shop.config_path()).unwrap();
    std::fs::write(
        shop.config_path(),
        format!("catalog_url = \"http://shop.example/kiosks/catalog.toml\"\n{config}"),
    )
    .unwrap();
    let output = shop.command(&["check"]).output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("catalog_url: http://shop.example/kiosks/catalog.toml is plain http with no catalog_signature_key"),
        "{stderr}"
    );
}
