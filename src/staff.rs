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
/// What `hash-pin` recommends: a million PINs, where four digits give ten thousand.
pub const RECOMMENDED_PIN_DIGITS: usize = 6;

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

    /// Checks `pin` unless a lockout runs, and records the result.
    pub fn attempt(&mut self, hash: &PinHash, pin: &str, now: Duration) -> Attempt {
        if let Some(remaining) = self.remaining_lockout(now) {
            return Attempt::LockedOut { remaining };
        }
        self.record(hash.matches(pin), now)
    }

    /// The one place the count of wrong PINs changes: the result of one check, made while no lockout ran.
    pub fn record(&mut self, matched: bool, now: Duration) -> Attempt {
        if matched {
            *self = Self::default();
            return Attempt::Accepted;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures < FREE_ATTEMPTS {
            return Attempt::Rejected {
                attempts_left: FREE_ATTEMPTS - self.failures,
                locked_for: Duration::ZERO,
            };
        }
        let locked_for = lockout_after(self.failures);
        self.locked_until = Some(now + locked_for);
        Attempt::Rejected {
            attempts_left: 0,
            locked_for,
        }
    }

    /// What outlives a restart (a power cut must not hand out fresh attempts): the count of wrong PINs and the
    /// end of the lockout on the wall clock, as `FAILURES UNTIL_UNIX_MS`.
    pub fn saved(&self, now: Duration, wall_now_ms: i64) -> String {
        let remaining = self.remaining_lockout(now).unwrap_or_default();
        let until =
            wall_now_ms.saturating_add(i64::try_from(remaining.as_millis()).unwrap_or(i64::MAX));
        format!("{} {until}", self.failures)
    }

    /// The guard [`saved`](Self::saved) wrote. The lockout left is never longer than the count earns, so a wall
    /// clock set back while the kiosk was off cannot lock staff out for days; text that cannot be read (written
    /// by hand) counts as a lockout already earned, never as a fresh start.
    pub fn restored(text: &str, now: Duration, wall_now_ms: i64) -> Self {
        let mut words = text.split_whitespace();
        let parsed = match (words.next(), words.next(), words.next()) {
            (Some(failures), Some(until), None) => {
                failures.parse::<u32>().ok().zip(until.parse::<i64>().ok())
            }
            _ => None,
        };
        let Some((failures, until_ms)) = parsed else {
            tracing::warn!(saved = %text, "the saved PIN lockout cannot be read; the keypad starts locked out");
            return Self {
                failures: FREE_ATTEMPTS,
                locked_until: Some(now + FIRST_LOCKOUT),
            };
        };
        let left = u64::try_from(until_ms.saturating_sub(wall_now_ms)).unwrap_or(0);
        let left = Duration::from_millis(left).min(if failures >= FREE_ATTEMPTS {
            lockout_after(failures)
        } else {
            Duration::ZERO
        });
        Self {
            failures,
            locked_until: (!left.is_zero()).then(|| now + left),
        }
    }
}

/// 30 s at the third wrong PIN, doubling with each further one, at most 15 minutes.
fn lockout_after(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(FREE_ATTEMPTS).min(16);
    FIRST_LOCKOUT
        .saturating_mul(1 << doublings)
        .min(LONGEST_LOCKOUT)
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
    fn the_count_and_the_lockout_outlive_a_restart_and_a_clock_set_back_cannot_stretch_them() {
        let mut guard = PinGuard::default();
        for _ in 0..4 {
            guard.record(false, 100 * SECOND);
        }
        assert_eq!(guard.remaining_lockout(100 * SECOND), Some(60 * SECOND));
        let saved = guard.saved(110 * SECOND, 1_000_000);
        assert_eq!(saved, "4 1050000");
        // After a restart (a new monotonic clock), 20 s of wall time later: 30 s left, and the count stands.
        let mut back = PinGuard::restored(&saved, 5 * SECOND, 1_020_000);
        assert_eq!(back.remaining_lockout(5 * SECOND), Some(30 * SECOND));
        assert_eq!(
            back.record(false, 40 * SECOND),
            Attempt::Rejected {
                attempts_left: 0,
                locked_for: 120 * SECOND
            },
            "the next wrong PIN doubles on from the saved count"
        );
        // A clock set back a year: no more than the count earns.
        let back = PinGuard::restored(&saved, SECOND, 1_000_000 - 31_536_000_000);
        assert_eq!(back.remaining_lockout(SECOND), Some(60 * SECOND));
        // Garbage is a lockout, never a fresh start; a lockout long over is none.
        assert!(
            PinGuard::restored("junk", SECOND, 0)
                .remaining_lockout(SECOND)
                .is_some()
        );
        let over = PinGuard::restored(&saved, SECOND, 9_000_000);
        assert_eq!(over.remaining_lockout(SECOND), None);
        assert_eq!(over.saved(SECOND, 9_000_000), "4 9000000");
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
