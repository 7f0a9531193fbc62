//! The WooshPay secret key: held in a redacting type so it cannot reach a log, error or panic message.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    Test,
    Live,
}

#[derive(Clone)]
pub struct SecretKey {
    secret: SecretString,
    mode: KeyMode,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretKeyError {
    #[error("the key is empty")]
    Empty,
    #[error(
        "this is a publishable key (pk_…): a kiosk must use the secret key (sk_test_… or sk_live_…) from the WooshPay dashboard"
    )]
    Publishable,
    #[error("expected a WooshPay secret key starting with sk_test_ or sk_live_")]
    UnknownPrefix,
}

impl SecretKey {
    /// Accepts `sk_test_…` and `sk_live_…`; surrounding whitespace (a key file's trailing newline) is dropped.
    pub fn parse(raw: &str) -> Result<Self, SecretKeyError> {
        let key = raw.trim();
        let mode = if key.is_empty() {
            return Err(SecretKeyError::Empty);
        } else if key.starts_with("pk_") {
            return Err(SecretKeyError::Publishable);
        } else if key.starts_with("sk_test_") {
            KeyMode::Test
        } else if key.starts_with("sk_live_") {
            KeyMode::Live
        } else {
            return Err(SecretKeyError::UnknownPrefix);
        };
        Ok(Self {
            secret: SecretString::from(key.to_owned()),
            mode,
        })
    }

    pub fn mode(&self) -> KeyMode {
        self.mode
    }

    /// The only way to read the key; used to build the Authorization header and nothing else.
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            KeyMode::Test => f.write_str("SecretKey(sk_test_[redacted])"),
            KeyMode::Live => f.write_str("SecretKey(sk_live_[redacted])"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_secret_keys_and_never_prints_them() {
        let key = SecretKey::parse("  sk_test_abc123XYZ\n").unwrap();
        assert_eq!(key.mode(), KeyMode::Test);
        assert_eq!(key.expose(), "sk_test_abc123XYZ");
        assert!(!format!("{key:?}").contains("abc123XYZ"));
        assert_eq!(SecretKey::parse("sk_live_1").unwrap().mode(), KeyMode::Live);
    }

    #[test]
    fn rejects_publishable_and_foreign_keys() {
        assert_eq!(
            SecretKey::parse("pk_test_abc").unwrap_err(),
            SecretKeyError::Publishable
        );
        assert_eq!(SecretKey::parse("").unwrap_err(), SecretKeyError::Empty);
        assert_eq!(
            SecretKey::parse("Bearer x").unwrap_err(),
            SecretKeyError::UnknownPrefix
        );
    }
}
