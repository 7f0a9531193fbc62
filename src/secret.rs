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
    #[error(
        "the key starts with a byte order mark (U+FEFF); save the file as plain UTF-8 without BOM"
    )]
    ByteOrderMark,
    #[error("the key contains a NUL byte; the file is not plain text")]
    Nul,
    #[error(
        "the key ends its line with a carriage return (Windows line ending); save the file with Unix line endings"
    )]
    CarriageReturn,
    #[error("the key file has more than one line; it must hold the key alone")]
    SeveralLines,
    #[error("the key has whitespace inside it; it must be one word")]
    InnerWhitespace,
    #[error("the key contains a control character")]
    ControlCharacter,
}

impl SecretKey {
    /// Accepts `sk_test_…` and `sk_live_…` alone, with at most a trailing newline (and surrounding spaces).
    /// Anything a text editor may have hidden in a key file is refused by name, never sent as a key.
    pub fn parse(raw: &str) -> Result<Self, SecretKeyError> {
        if raw.starts_with('\u{feff}') {
            return Err(SecretKeyError::ByteOrderMark);
        }
        if raw.contains('\0') {
            return Err(SecretKeyError::Nul);
        }
        if raw.contains('\r') {
            return Err(SecretKeyError::CarriageReturn);
        }
        let key = raw.trim();
        if key.contains('\n') {
            return Err(SecretKeyError::SeveralLines);
        }
        if key.chars().any(char::is_whitespace) {
            return Err(SecretKeyError::InnerWhitespace);
        }
        if key.chars().any(char::is_control) {
            return Err(SecretKeyError::ControlCharacter);
        }
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
    fn hidden_characters_are_refused_by_name() {
        let cases = [
            ("\u{feff}sk_test_abc\n", SecretKeyError::ByteOrderMark),
            ("sk_test_abc\r\n", SecretKeyError::CarriageReturn),
            ("sk_test_abc\nsk_test_def\n", SecretKeyError::SeveralLines),
            ("sk_test_abc\0", SecretKeyError::Nul),
            ("sk_test_a bc", SecretKeyError::InnerWhitespace),
            ("sk_test_a\tbc", SecretKeyError::InnerWhitespace),
            ("sk_test_a\u{7}bc", SecretKeyError::ControlCharacter),
        ];
        for (raw, expected) in cases {
            assert_eq!(SecretKey::parse(raw).unwrap_err(), expected, "{raw:?}");
        }
        assert!(SecretKey::parse("sk_test_abc\n").is_ok());
    }

    #[test]
    fn rejects_publishable_and_foreign_keys() {
        assert_eq!(
            SecretKey::parse("pk_test_abc").unwrap_err(),
            SecretKeyError::Publishable
        );
        assert_eq!(SecretKey::parse("").unwrap_err(), SecretKeyError::Empty);
        assert_eq!(
            SecretKey::parse("Bearer_x").unwrap_err(),
            SecretKeyError::UnknownPrefix
        );
    }
}
