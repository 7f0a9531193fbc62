//! Snowflake-style ids (`prod_1554351292598452224`) and the publishable key shown in pay-page URLs.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// Twitter's snowflake epoch: gives 19-digit ids like WooshPay's.
const EPOCH_MS: u64 = 1_288_834_974_657;

static LAST: AtomicU64 = AtomicU64::new(0);

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Time in the high bits, a sequence in the low 22: unique and increasing within the process.
pub fn snowflake() -> u64 {
    let candidate = ((now_ms() as u64).saturating_sub(EPOCH_MS)) << 22;
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = candidate.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::SeqCst, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => last = actual,
        }
    }
}

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", snowflake())
}

/// Derived from the secret key by a one-way hash: pay-page URLs are public and must reveal nothing of it.
/// URL-safe characters only, so the key survives a query string unescaped (`+` would read as a space).
pub fn publishable_key(secret_key: &str) -> String {
    use base64::Engine;
    let digest = Sha256::digest(format!("simulator publishable key\n{secret_key}").as_bytes());
    format!(
        "pk_test_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..24])
    )
}

pub fn random_token(len: usize) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_increasing_and_19_digits() {
        let a = snowflake();
        let b = snowflake();
        assert!(b > a);
        assert_eq!(a.to_string().len(), 19);
        assert!(new_id("cs").starts_with("cs_"));
    }

    #[test]
    fn the_publishable_key_does_not_contain_the_secret() {
        let pk = publishable_key("sk_test_abcdef123456");
        assert!(pk.starts_with("pk_test_"));
        assert!(!pk.contains("abcdef123456"));
        assert_eq!(pk, publishable_key("sk_test_abcdef123456"));
    }

    #[test]
    fn publishable_keys_need_no_escaping_in_a_url() {
        for n in 0..500 {
            let pk = publishable_key(&format!("sk_test_{n}"));
            assert!(
                pk.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
                "{pk}"
            );
        }
    }
}
