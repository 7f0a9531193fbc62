//! The staff PIN: stored only as an Argon2id hash (`wooshpay-kiosk hash-pin` makes one), and a lockout that
//! grows with every wrong attempt, so a short PIN cannot be guessed at the counter.
//!
//! Pure and synchronous; time is passed in, so the lockout is tested with a fake clock.

use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_PIN_DIGITS: usize = 4;
pub const MAX_PIN_DIGITS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("a PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits (0–9), got {0} characters")]
    Format(usize),
    #[error(
        "not a PIN hash: expected the $argon2id$… line printed by `wooshpay-kiosk hash-pin` ({0})"
    )]
    Hash(String),
}

/// Digits only, so it can be typed on the on-screen keypad.
pub fn check_format(pin: &str) -> Result<(), PinError> {
    let length = pin.chars().count();
    if (MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&length)
        && pin.chars().all(|c| c.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(PinError::Format(length))
    }
}

/// Argon2id with parameters a Raspberry Pi Zero 2 W verifies in well under a second (19 MiB, 2 passes).
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string to put in `[staff] pin_hash`; a fresh random salt every time.
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    check_format(pin)?;
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(pin.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// A validated `[staff] pin_hash`.
#[derive(Clone, PartialEq, Eq)]
pub struct PinHash(String);

impl std::fmt::Debug for PinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinHash(argon2id, redacted)")
    }
}

impl PinHash {
    pub fn parse(text: &str) -> Result<Self, PinError> {
        let text = text.trim();
        let parsed = PasswordHash::new(text).map_err(|e| PinError::Hash(e.to_string()))?;
        if parsed.algorithm.as_str() != "argon2id" {
            return Err(PinError::Hash(format!(
                "algorithm {} is not argon2id",
                parsed.algorithm
            )));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn matches(&self, pin: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(&self.0) else {
            return false;
        };
        hasher().verify_password(pin.as_bytes(), &parsed).is_ok()
    }
}

/// Wrong attempts allowed before the first lockout.
pub const FREE_ATTEMPTS: u32 = 3;
const FIRST_LOCKOUT: Duration = Duration::from_secs(30);
const LONGEST_LOCKOUT: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Accepted,
    /// Wrong; `locked_for` is how long entry is refused now (zero while attempts remain).
    Rejected {
        attempts_left: u32,
        locked_for: Duration,
    },
    /// Entry is refused until the lockout ends; the PIN was not even checked.
    LockedOut {
        remaining: Duration,
    },
}

/// Counts wrong PINs: three free attempts, then 30 s, doubling with each further wrong PIN up to 15 minutes.
/// A right PIN resets it. `now` is any monotonic clock.
#[derive(Debug, Default, Clone)]
pub struct PinGuard {
    failures: u32,
    locked_until: Option<Duration>,
}

impl PinGuard {
    pub fn remaining_lockout(&self, now: Duration) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    pub fn attempt(&mut self, hash: &PinHash, pin: &str, now: Duration) -> Attempt {
        if let Some(remaining) = self.remaining_lockout(now) {
            return Attempt::LockedOut { remaining };
        }
        if hash.matches(pin) {
            *self = Self::default();
            return Attempt::Accepted;
        }
        self.failures += 1;
        if self.failures < FREE_ATTEMPTS {
            return Attempt::Rejected {
                attempts_left: FREE_ATTEMPTS - self.failures,
                locked_for: Duration::ZERO,
            };
        }
        let doublings = (self.failures - FREE_ATTEMPTS).min(16);
        let locked_for = FIRST_LOCKOUT
            .saturating_mul(1 << doublings)
            .min(LONGEST_LOCKOUT);
        self.locked_until = Some(now + locked_for);
        Attempt::Rejected {
            attempts_left: 0,
            locked_for,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_hash_matches_its_pin_only_and_never_shows_it() {
        let hash = PinHash::parse(&hash_pin("4821").unwrap()).unwrap();
        assert!(hash.matches("4821"));
        assert!(!hash.matches("4822"));
        assert!(!hash.matches(""));
        assert!(!format!("{hash:?}").contains("argon2id$"));
        assert_ne!(
            hash_pin("4821").unwrap(),
            hash_pin("4821").unwrap(),
            "salted"
        );
    }

    #[test]
    fn pins_are_four_to_eight_digits_and_hashes_must_be_argon2id() {
        assert_eq!(check_format("123"), Err(PinError::Format(3)));
        assert_eq!(check_format("12a4"), Err(PinError::Format(4)));
        assert_eq!(check_format("123456789"), Err(PinError::Format(9)));
        assert!(check_format("00000000").is_ok());
        assert!(matches!(PinHash::parse("1234"), Err(PinError::Hash(_))));
        let error = PinHash::parse("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo")
            .unwrap_err()
            .to_string();
        assert!(error.contains("hash-pin"), "{error}");
    }

    #[test]
    fn the_lockout_grows_with_each_wrong_pin_and_a_right_pin_resets_it() {
        let hash = PinHash::parse(&hash_pin("2468").unwrap()).unwrap();
        let mut guard = PinGuard::default();
        let t0 = Duration::ZERO;
        assert_eq!(
            guard.attempt(&hash, "1111", t0),
            Attempt::Rejected {
                attempts_left: 2,
                locked_for: Duration::ZERO
            }
        );
        guard.attempt(&hash, "1111", t0);
        assert_eq!(
            guard.attempt(&hash, "1111", t0),
            Attempt::Rejected {
                attempts_left: 0,
                locked_for: 30 * SECOND
            }
        );
        // Even the right PIN is refused while locked out.
        assert_eq!(
            guard.attempt(&hash, "2468", 10 * SECOND),
            Attempt::LockedOut {
                remaining: 20 * SECOND
            }
        );
        assert_eq!(
            guard.attempt(&hash, "1111", 30 * SECOND),
            Attempt::Rejected {
                attempts_left: 0,
                locked_for: 60 * SECOND
            }
        );
        assert_eq!(guard.attempt(&hash, "2468", 90 * SECOND), Attempt::Accepted);
        assert_eq!(guard.remaining_lockout(90 * SECOND), None);
        assert!(matches!(
            guard.attempt(&hash, "1111", 91 * SECOND),
            Attempt::Rejected {
                attempts_left: 2,
                ..
            }
        ));
    }

    #[test]
    fn the_lockout_never_exceeds_fifteen_minutes() {
        let hash = PinHash::parse(&hash_pin("2468").unwrap()).unwrap();
        let mut guard = PinGuard::default();
        let mut now = Duration::ZERO;
        let mut last = Duration::ZERO;
        for _ in 0..12 {
            if let Attempt::Rejected { locked_for, .. } = guard.attempt(&hash, "0000", now) {
                last = locked_for;
                now += locked_for;
            }
        }
        assert_eq!(last, LONGEST_LOCKOUT);
    }
}
