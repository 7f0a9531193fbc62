//! The API key in the Basic auth header: checked like WooshPay checks it, and shown masked in the request log.

use axum::http::{HeaderMap, header};

pub(super) fn basic_user(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let credentials = String::from_utf8(decoded).ok()?;
    Some(
        credentials
            .split_once(':')
            .map_or(credentials.as_str(), |(user, _)| user)
            .to_owned(),
    )
}

pub(super) fn is_authorised(headers: &HeaderMap, secret_key: &str) -> bool {
    basic_user(headers).is_some_and(|user| user == secret_key && !user.starts_with("pk_"))
}

/// As Stripe does: the key's kind and its last four characters, never the whole key.
pub(super) fn masked_key(headers: &HeaderMap) -> String {
    match basic_user(headers) {
        None => "(none)".to_owned(),
        Some(key) => {
            let prefix = ["sk_test_", "sk_live_", "pk_test_", "pk_live_"]
                .into_iter()
                .find(|p| key.starts_with(p))
                .unwrap_or("");
            let chars: Vec<char> = key.chars().collect();
            let last4: String = if chars.len() > prefix.len() + 8 {
                chars[chars.len() - 4..].iter().collect()
            } else {
                String::new()
            };
            format!("{prefix}****{last4}")
        }
    }
}
