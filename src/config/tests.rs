use std::time::Duration;

use super::identity::validate_kiosk_id;
use super::*;
use crate::secret::SecretKey;

#[test]
fn two_kiosks_with_the_same_host_name_get_different_default_ids() {
    let a = kiosk_id_from("raspberrypi", Some("0123456789abcdef0123456789abcdef\n"));
    let b = kiosk_id_from("raspberrypi", Some("fedcba9876543210fedcba9876543210\n"));
    assert_ne!(a, b);
    assert!(
        a.starts_with("raspberrypi-") && a.len() == "raspberrypi-".len() + 4,
        "{a}"
    );
    // Stable: the same machine always gets the same id.
    assert_eq!(
        a,
        kiosk_id_from("raspberrypi", Some("0123456789abcdef0123456789abcdef"))
    );
    assert!(validate_kiosk_id(&a).is_ok());
    assert_eq!(kiosk_id_from("till 1", None), "till-1");
    let long = kiosk_id_from(&"h".repeat(100), Some("x"));
    assert_eq!(long.len(), 64);
    assert!(validate_kiosk_id(&long).is_ok());
    assert!(!a.contains("0123"), "the machine id itself is not exposed");
}

const VALID: &str = r#"
catalog = "catalog.toml"
[wooshpay]
success_url = "https://shop.example/thanks"
cancel_url = "https://shop.example/cancelled"
[checkout]
currency = "GBP"
[kiosk]
id = "front-counter-1"
"#;

fn write_shop(config: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog.toml"),
        "[[item]]\nid=\"tea\"\nname=\"Tea\"\nunit_amount=250\n",
    )
    .unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    (dir, path)
}

#[test]
fn loads_a_valid_configuration_with_defaults() {
    let (_dir, path) = write_shop(VALID);
    let config = Config::load(&path).unwrap();
    assert_eq!(config.kiosk_id, "front-counter-1");
    assert_eq!(config.order_prefix, None);
    let (_dir, path) = write_shop(&VALID.replace("[kiosk]", "[kiosk]\norder_prefix = \"B\""));
    assert_eq!(
        Config::load(&path).unwrap().order_prefix.as_deref(),
        Some("B")
    );
    assert_eq!(config.checkout.poll_interval, Duration::from_millis(2000));
    assert_eq!(config.checkout.timeout, Duration::from_secs(180));
    assert_eq!(config.catalog.items[0].id, "tea");
    let test_key = SecretKey::parse("sk_test_1").unwrap();
    assert_eq!(
        config.api_base_url(&test_key).unwrap().as_str(),
        "https://apitest.wooshpay.com/"
    );
    let live_key = SecretKey::parse("sk_live_1").unwrap();
    assert_eq!(
        config.api_base_url(&live_key).unwrap().as_str(),
        "https://api.wooshpay.com/"
    );
}

#[test]
fn errors_name_the_file_and_the_key() {
    let cases = [
        (
            VALID.replace("\"GBP\"", "\"GBX\""),
            "[checkout] currency: unknown currency code \"GBX\"",
        ),
        (
            VALID.replace("[kiosk]", "colour = \"red\"\n[kiosk]"),
            "unknown field `colour`",
        ),
        (
            VALID.replace(
                "currency = \"GBP\"",
                "currency = \"GBP\"\npoll_interval_ms = \"fast\"",
            ),
            "key `poll_interval_ms`",
        ),
        (
            VALID.replace(
                "[checkout]",
                "base_url = \"http://pay.example.com\"\n[checkout]",
            ),
            "plain http:// is only allowed to this machine",
        ),
        (
            VALID.replace("https://shop.example/thanks", "www.example.com"),
            "[wooshpay] success_url",
        ),
        (
            VALID.replace("catalog.toml", "missing.toml"),
            "missing.toml: cannot read the catalog file",
        ),
        (
            VALID.replace("[kiosk]", "[kiosk]\norder_prefix = \"A-\""),
            "[kiosk] order_prefix: expected 1 to 3 letters or digits, got \"A-\"",
        ),
    ];
    for (text, expected) in cases {
        let (_dir, path) = write_shop(&text);
        let error = Config::load(&path).unwrap_err().0;
        assert!(
            error.contains("config.toml") || error.contains("missing.toml"),
            "{error}"
        );
        assert!(
            error.contains(expected),
            "{error:?} should contain {expected:?}"
        );
    }
}

#[test]
fn accessibility_settings_default_off_and_can_be_turned_on() {
    let display = Config::load(&write_shop(VALID).1).unwrap().display;
    assert!(!display.large_text && !display.high_contrast);
    let (_dir, path) = write_shop(&format!(
        "{VALID}[display]\nlarge_text = true\nhigh_contrast = true\n"
    ));
    let display = Config::load(&path).unwrap().display;
    assert!(display.large_text && display.high_contrast);
    let (_dir, path) = write_shop(&format!("{VALID}[display]\nlarge_text = \"yes\"\n"));
    let error = Config::load(&path).unwrap_err().0;
    assert!(error.contains("large_text"), "{error}");
}

#[test]
fn display_fullscreen_is_unset_unless_given_and_must_be_a_boolean() {
    // Unset: the UI decides (a configured kiosk fills its screen); see ui::fullscreen::window_mode.
    let display = Config::load(&write_shop(VALID).1).unwrap().display;
    assert_eq!(display.fullscreen, None);
    for (value, expected) in [("true", Some(true)), ("false", Some(false))] {
        let (_dir, path) = write_shop(&format!("{VALID}[display]\nfullscreen = {value}\n"));
        assert_eq!(Config::load(&path).unwrap().display.fullscreen, expected);
    }
    let (_dir, path) = write_shop(&format!("{VALID}[display]\nfullscreen = \"yes\"\n"));
    let error = Config::load(&path).unwrap_err().0;
    assert!(error.contains("fullscreen"), "{error}");
    let (_dir, path) = write_shop(&format!("{VALID}[display]\nfull_screen = true\n"));
    let error = Config::load(&path).unwrap_err().0;
    assert!(
        error.contains("full_screen"),
        "unknown keys stay errors: {error}"
    );
}

#[test]
fn display_language_is_one_with_a_translation() {
    let display = Config::load(&write_shop(VALID).1).unwrap().display;
    assert_eq!(display.language, crate::i18n::Language::English);
    let (_dir, path) = write_shop(&format!("{VALID}[display]\nlanguage = \"zh-CN\"\n"));
    let display = Config::load(&path).unwrap().display;
    assert_eq!(display.language, crate::i18n::Language::SimplifiedChinese);
    let (_dir, path) = write_shop(&format!("{VALID}[display]\nlanguage = \"fr\"\n"));
    let error = Config::load(&path).unwrap_err().0;
    assert!(
        error.contains("config.toml")
            && error.contains("[display] language")
            && error.contains("\"fr\"")
            && error.contains("\"de\""),
        "{error}"
    );
}

#[test]
fn a_staff_pin_hash_is_validated_and_never_echoed() {
    let hash = crate::staff::hash_pin("4821").unwrap();
    let (_dir, path) = write_shop(&format!(
        "{VALID}[staff]\npin_hash = \"{hash}\"\nadmin_lock_after_s = 120\n"
    ));
    let staff = Config::load(&path).unwrap().staff.unwrap();
    assert!(staff.pin_hash.matches("4821"));
    assert_eq!(staff.admin_lock_after, Duration::from_secs(120));

    // A PIN typed where its hash belongs: refused, and the PIN is not repeated in the error.
    let (_dir, path) = write_shop(&format!("{VALID}[staff]\npin_hash = \"48213\"\n"));
    let error = Config::load(&path).unwrap_err().0;
    assert!(
        error.contains("[staff] pin_hash") && error.contains("hash-pin"),
        "{error}"
    );
    assert!(!error.contains("48213"), "{error}");
    assert!(Config::load(&write_shop(VALID).1).unwrap().staff.is_none());
}

#[test]
fn gpio_pins_must_exist_and_not_collide() {
    let with_gpio = |section: &str| VALID.to_owned() + "[gpio]\n" + section;
    let (_dir, path) = write_shop(&with_gpio(
        "led_ready = 17\nled_paid = 22\nbuzzer_pin = 24\nactive_low = true\n",
    ));
    let gpio = Config::load(&path).unwrap().gpio.unwrap();
    assert_eq!(
        (gpio.led_ready, gpio.led_paid, gpio.buzzer_pin),
        (Some(17), Some(22), Some(24))
    );
    assert!(gpio.active_low && gpio.buzzer_enabled);

    let (_dir, path) = write_shop(&with_gpio("led_ready = 17\nbutton_cancel = 17\n"));
    let error = Config::load(&path).unwrap_err().0;
    assert!(
        error.contains("[gpio] button_cancel and led_ready both use GPIO 17"),
        "{error}"
    );

    let (_dir, path) = write_shop(&with_gpio("led_error = 40\n"));
    let error = Config::load(&path).unwrap_err().0;
    assert!(
        error.contains("[gpio] led_error = 40") && error.contains("0 to 27"),
        "{error}"
    );

    let (_dir, path) = write_shop(&with_gpio("led_blue = 3\n"));
    assert!(
        Config::load(&path)
            .unwrap_err()
            .0
            .contains("unknown field `led_blue`")
    );

    let (_dir, path) = write_shop(VALID);
    assert!(
        Config::load(&path).unwrap().gpio.is_none(),
        "no [gpio] section: no GPIO"
    );
}

#[test]
fn loopback_http_is_allowed_and_credentials_in_urls_are_not() {
    assert!(parse_base_url("http://127.0.0.1:8787").is_ok());
    assert!(parse_base_url("http://[::1]:8787").is_ok());
    assert!(parse_base_url("http://localhost:8787").is_ok());
    assert!(parse_base_url("http://192.168.1.2:8787").is_err());
    assert!(parse_base_url("https://sk_test_x@apitest.wooshpay.com").is_err());
}

#[test]
fn a_test_key_is_refused_for_the_live_host() {
    let config = VALID.replace(
        "[checkout]",
        "base_url = \"https://api.wooshpay.com\"\n[checkout]",
    );
    let (_dir, path) = write_shop(&config);
    let config = Config::load(&path).unwrap();
    let error = config
        .api_base_url(&SecretKey::parse("sk_test_1").unwrap())
        .unwrap_err();
    assert!(error.0.contains("does not match the secret key"), "{error}");
}

#[test]
fn a_secret_pasted_into_the_config_is_not_echoed_in_the_error() {
    let text = VALID.replace(
        "[checkout]",
        "secret_key = \"sk_live_TOPSECRET\"\n[checkout]",
    );
    let (_dir, path) = write_shop(&text);
    let error = Config::load(&path).unwrap_err().0;
    assert!(error.contains("unknown field `secret_key`"), "{error}");
    assert!(!error.contains("TOPSECRET"), "{error}");
}

#[test]
fn tips_are_off_by_default_and_percentages_are_checked() {
    let (_dir, path) = write_shop(VALID);
    assert!(
        Config::load(&path)
            .unwrap()
            .checkout
            .tip_percentages
            .is_empty()
    );
    let with = |list: &str| {
        let (dir, path) = write_shop(&VALID.replace(
            "currency = \"GBP\"",
            &format!("currency = \"GBP\"\ntip_percentages = {list}"),
        ));
        (dir, Config::load(&path))
    };
    let (_dir, loaded) = with("[10, 15, 20]");
    assert_eq!(loaded.unwrap().checkout.tip_percentages, [10, 15, 20]);
    for (list, expected) in [
        (
            "[0]",
            "tip_percentages must be whole percentages from 1 to 100, got 0",
        ),
        ("[10, 10]", "tip_percentages lists 10 twice"),
        (
            "[5, 10, 15, 20, 25]",
            "tip_percentages must list at most 4 percentages, got 5",
        ),
        ("[150]", "from 1 to 100, got 150"),
    ] {
        let (_dir, loaded) = with(list);
        let error = loaded.err().unwrap().to_string();
        assert!(
            error.contains("config.toml: [checkout] ") && error.contains(expected),
            "{list}: {error}"
        );
    }
}

/// The public key of the seed-7 ed25519 test key, as `openssl pkey -pubout -outform DER | tail -c 32 | base64`
/// prints it.
fn feed_key_base64() -> String {
    use base64::Engine as _;
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    base64::engine::general_purpose::STANDARD.encode(key.as_bytes())
}

fn with_feed(extra: &str) -> String {
    VALID.replace(
        "catalog = \"catalog.toml\"\n",
        &format!("catalog = \"catalog.toml\"\ncatalog_url = \"https://shop.example/kiosks/catalog.toml\"\n{extra}"),
    )
}

#[test]
fn catalog_feed_keys_are_read_with_a_default_refresh_and_an_optional_key() {
    let (dir, path) = write_shop(&with_feed(""));
    let state = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let config = Config::parse_with_state_dir(&text, &path, state.path()).unwrap();
    let feed = config.catalog_feed.expect("catalog_url sets a feed");
    assert_eq!(
        feed.url.as_str(),
        "https://shop.example/kiosks/catalog.toml"
    );
    assert_eq!(feed.refresh, Duration::from_secs(300));
    assert_eq!(feed.signature_key, None);
    assert_eq!(feed.image_dir, dir.path());
    // Nothing fetched yet: the local file is the catalog until a fetch succeeds.
    assert_eq!(config.catalog.items[0].id, "tea");

    let hex: String = ed25519_dalek::SigningKey::from_bytes(&[7; 32])
        .verifying_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for key in [feed_key_base64(), hex] {
        let (_dir, path) = write_shop(&with_feed(&format!(
            "catalog_refresh_s = 60\ncatalog_signature_key = \"{key}\"\n"
        )));
        let text = std::fs::read_to_string(&path).unwrap();
        let feed = Config::parse_with_state_dir(&text, &path, state.path())
            .unwrap()
            .catalog_feed
            .unwrap();
        assert_eq!(feed.refresh, Duration::from_secs(60));
        assert_eq!(
            feed.signature_key.map(|k| k.to_base64()),
            Some(feed_key_base64())
        );
    }
}

#[test]
fn catalog_feed_key_errors_name_the_file_the_key_and_what_was_expected() {
    let cases = [
        (
            with_feed("").replace(
                "https://shop.example/kiosks/catalog.toml",
                "ftp://shop.example/c.toml",
            ),
            "config.toml: catalog_url: expected the http(s) address of a catalog file",
        ),
        (
            with_feed("").replace("https://shop.example/kiosks/catalog.toml", "catalog.toml"),
            "config.toml: catalog_url: expected the http(s) address",
        ),
        (
            with_feed("").replace(
                "https://shop.example/kiosks/catalog.toml",
                "https://kiosk:hunter2@shop.example/kiosks/catalog.toml",
            ),
            "config.toml: catalog_url: must not carry a user name or password",
        ),
        (
            with_feed("").replace(
                "https://shop.example/kiosks/catalog.toml",
                "http://shop.example/kiosks/catalog.toml",
            ),
            "config.toml: catalog_url: http://shop.example/kiosks/catalog.toml is plain http with no \
             catalog_signature_key",
        ),
        (
            with_feed("catalog_refresh_s = 5\n"),
            "config.toml: catalog_refresh_s must be between 30 and 86400 seconds, got 5",
        ),
        (
            with_feed("catalog_refresh_s = 100000\n"),
            "config.toml: catalog_refresh_s must be between 30 and 86400 seconds, got 100000",
        ),
        (
            with_feed("catalog_signature_key = \"c2hvcnQ=\"\n"),
            "config.toml: catalog_signature_key: expected the base64 of a 32-byte ed25519 public key",
        ),
        (
            with_feed(&format!("catalog_signature_key = \"{}\"\n", "g".repeat(64))),
            "config.toml: catalog_signature_key: expected",
        ),
        (
            VALID.replace("[wooshpay]", "catalog_refresh_s = 60\n[wooshpay]"),
            "config.toml: catalog_refresh_s is set but catalog_url is not",
        ),
        (
            VALID.replace("[wooshpay]", "catalog_signature_key = \"x\"\n[wooshpay]"),
            "config.toml: catalog_signature_key is set but catalog_url is not",
        ),
        (
            VALID.replace("catalog = \"catalog.toml\"\n", ""),
            "config.toml: missing key `catalog`: name the catalog file",
        ),
    ];
    let state = tempfile::tempdir().unwrap();
    for (text, expected) in cases {
        let (_dir, path) = write_shop(&text);
        let error = Config::parse_with_state_dir(&text, &path, state.path())
            .unwrap_err()
            .0;
        assert!(
            error.contains(expected),
            "{error:?} should contain {expected:?}"
        );
        assert!(
            !error.contains("hunter2"),
            "a password is never echoed: {error}"
        );
    }
}

#[test]
fn catalog_feed_alone_uses_the_kept_copy_and_without_one_says_none_was_fetched() {
    let text = with_feed("").replace("catalog = \"catalog.toml\"\n", "");
    let (_dir, path) = write_shop(&text);
    let state = tempfile::tempdir().unwrap();
    let error = Config::parse_with_state_dir(&text, &path, state.path())
        .unwrap_err()
        .0;
    assert!(
        error.starts_with(
            "no catalog yet: none has been fetched from https://shop.example/kiosks/catalog.toml"
        ) && error.contains("catalog-feed/catalog.toml"),
        "{error}"
    );

    // A copy as the feed keeps it: the catalog and its record, fetched from the configured URL.
    let copy = "[[item]]\nid=\"scone\"\nname=\"Scone\"\nunit_amount=300\n";
    let store = state.path().join("catalog-feed");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::write(store.join("catalog.toml"), copy).unwrap();
    let record = |url: &str| {
        serde_json::json!({
            "url": url,
            "etag": "\"v1\"",
            "last_modified": null,
            "fetched_at_ms": 1_700_000_000_000_i64,
            "sha256": crate::catalog_feed::sha256_hex(copy.as_bytes()),
            "signature_key": null,
        })
        .to_string()
    };
    std::fs::write(
        store.join("copy.json"),
        record("https://shop.example/kiosks/catalog.toml"),
    )
    .unwrap();
    let config = Config::parse_with_state_dir(&text, &path, state.path()).unwrap();
    assert_eq!(config.catalog.items[0].id, "scone");
    assert_eq!(config.catalog_path, None);

    // With a signature key configured, a copy nobody checked a signature of is not used.
    let signed = with_feed(&format!(
        "catalog_signature_key = \"{}\"\n",
        feed_key_base64()
    ))
    .replace("catalog = \"catalog.toml\"\n", "");
    let error = Config::parse_with_state_dir(&signed, &path, state.path())
        .unwrap_err()
        .0;
    assert!(
        error.contains("not used: its signature was not checked"),
        "{error}"
    );

    // Another URL's copy is never sold under this feed's name; with a local file, the file is used instead.
    std::fs::write(
        store.join("copy.json"),
        record("https://other.example/catalog.toml"),
    )
    .unwrap();
    let error = Config::parse_with_state_dir(&text, &path, state.path())
        .unwrap_err()
        .0;
    assert!(
        error
            .contains("it was fetched from https://other.example/catalog.toml, but catalog_url is"),
        "{error}"
    );
    let both = with_feed("");
    let config = Config::parse_with_state_dir(&both, &path, state.path()).unwrap();
    assert_eq!(config.catalog.items[0].id, "tea");
}
