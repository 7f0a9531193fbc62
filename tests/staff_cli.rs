//! `wooshpay-kiosk hash-pin` as a black box: the PIN comes in on stdin, its Argon2id hash goes out.

mod common;

use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use wooshpay_kiosk::staff::PinHash;

async fn hash_pin(input: &str) -> std::process::Output {
    let mut child = common::kiosk_command()
        .arg("hash-pin")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).await.unwrap();
    drop(stdin);
    child.wait_with_output().await.unwrap()
}

#[tokio::test]
async fn hash_pin_prints_a_config_line_whose_hash_matches_only_that_pin() {
    let output = hash_pin("4821\n").await;
    assert_eq!(output.status.code(), Some(0));
    let line = String::from_utf8(output.stdout).unwrap();
    let hash = line
        .trim()
        .strip_prefix("pin_hash = \"")
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or_else(|| panic!("a [staff] line: {line}"));
    assert!(!line.contains("4821\""), "the PIN itself is not printed");
    let hash = PinHash::parse(hash).unwrap();
    assert!(hash.matches("4821"));
    assert!(!hash.matches("4822"));

    let output = hash_pin("12\n").await;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("4 to 8 digits"));
    assert!(output.stdout.is_empty());

    // Never from the command line, where every user's `ps` would show it.
    let output = common::kiosk_command()
        .args(["hash-pin", "4821"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
