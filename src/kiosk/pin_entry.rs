//! The staff PIN keypad's rules: the digits typed so far (at most [`MAX_PIN_DIGITS`], cleared whenever the
//! keypad opens and at every submit) and the wrong-PIN lockout. Time comes in as `now`, any monotonic clock,
//! so the lockout is tested without waiting.
//!
//! One check at a time: from a submit until its result is in, keys and submits are ignored, and the result is
//! recorded here, in one place, against the one guard. (Each check used to take its own copy of the count, so
//! a burst of twenty submits was twenty first tries.)

use std::time::Duration;

use crate::staff::{Attempt, MAX_PIN_DIGITS, MIN_PIN_DIGITS, PinGuard};

#[derive(Debug, Default)]
pub struct PinEntry {
    digits: String,
    guard: PinGuard,
    notice: PinNotice,
    /// A submitted PIN is being checked (Argon2, off the UI thread).
    checking: bool,
}

/// The line under the keypad's dots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PinNotice {
    #[default]
    None,
    /// "Enter the staff PIN".
    Prompt,
    /// A wrong PIN, with the tries left before a lockout; stays until the next try.
    Wrong { attempts_left: u32 },
    /// Entry refused for this long after wrong PINs.
    LockedOut { remaining: Duration },
}

impl PinEntry {
    /// The keypad opens or closes: nothing typed.
    pub fn clear(&mut self) {
        self.digits.clear();
    }

    /// One key: a digit is added while there is room and no check runs; anything else is ignored.
    pub fn type_digit(&mut self, key: &str) {
        let is_digit = key.len() == 1 && key.bytes().all(|b| b.is_ascii_digit());
        if is_digit && !self.checking && self.digits.len() < MAX_PIN_DIGITS {
            self.digits.push_str(key);
        }
    }

    pub fn erase(&mut self) {
        if !self.checking {
            self.digits.pop();
        }
    }

    /// Whether a submitted PIN is still being checked (the keypad is disabled meanwhile).
    pub fn checking(&self) -> bool {
        self.checking
    }

    /// How many dots the keypad shows.
    pub fn digits_typed(&self) -> usize {
        self.digits.len()
    }

    /// How long entry is still refused after wrong PINs, if it is.
    pub fn lockout(&self, now: Duration) -> Option<Duration> {
        self.guard.remaining_lockout(now)
    }

    /// Takes what was typed (the keypad shows no dots again) for checking: `None`, and nothing counted, while
    /// another check runs, during a lockout, or with fewer digits than a PIN has.
    pub fn submit(&mut self, now: Duration) -> Option<String> {
        if self.checking {
            return None;
        }
        let pin = std::mem::take(&mut self.digits);
        if self.lockout(now).is_some() || pin.len() < MIN_PIN_DIGITS {
            return None;
        }
        self.checking = true;
        Some(pin)
    }

    /// The result of the check [`submit`](Self::submit) started: the count of wrong PINs changes here only.
    pub fn checked(&mut self, matched: bool, now: Duration) -> Attempt {
        self.checking = false;
        self.guard.record(matched, now)
    }

    /// The check could not be started: the keypad takes keys again and nothing is counted.
    pub fn abandoned(&mut self) {
        self.checking = false;
    }

    /// The guard as it should outlive a restart (see [`PinGuard::saved`]).
    pub fn saved_guard(&self, now: Duration, wall_now_ms: i64) -> String {
        self.guard.saved(now, wall_now_ms)
    }

    /// At start: the count and lockout saved before the restart.
    pub fn restore_guard(&mut self, saved: &str, now: Duration, wall_now_ms: i64) {
        self.guard = PinGuard::restored(saved, now, wall_now_ms);
    }

    /// The notice as of `now`: the lockout's countdown while it runs, then the prompt again; a wrong-PIN notice
    /// stays until the next try.
    pub fn notice(&mut self, now: Duration) -> PinNotice {
        self.notice = match (self.lockout(now), self.notice) {
            (Some(remaining), _) => PinNotice::LockedOut { remaining },
            (None, PinNotice::None | PinNotice::LockedOut { .. }) => PinNotice::Prompt,
            (None, kept) => kept,
        };
        self.notice
    }

    pub fn rejected(&mut self, attempts_left: u32) {
        self.notice = PinNotice::Wrong { attempts_left };
    }

    pub fn accepted(&mut self) {
        self.notice = PinNotice::None;
    }

    /// The keypad closes (staff left it alone, or the admin screen locked): nothing typed, and the prompt is
    /// written again, in the language of the moment, when it next opens. A running lockout stays on show.
    pub fn closed(&mut self) -> PinNotice {
        self.digits.clear();
        if !matches!(self.notice, PinNotice::LockedOut { .. }) {
            self.notice = PinNotice::None;
        }
        self.notice
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staff::PinHash;

    fn check(entry: &mut PinEntry, hash: &PinHash, typed: &str, now: Duration) -> Attempt {
        for key in typed.chars() {
            entry.type_digit(&key.to_string());
        }
        match entry.submit(now) {
            Some(pin) => entry.checked(hash.matches(&pin), now),
            None => Attempt::LockedOut {
                remaining: entry.lockout(now).unwrap_or_default(),
            },
        }
    }

    #[test]
    fn while_a_check_runs_keys_and_submits_are_ignored_and_count_nothing() {
        let hash = PinHash::parse(&crate::staff::hash_pin("2468").unwrap()).unwrap();
        let mut entry = PinEntry::default();
        let now = Duration::from_secs(1);
        for key in "1111".chars() {
            entry.type_digit(&key.to_string());
        }
        let first = entry.submit(now).expect("the first submit is checked");
        assert!(entry.checking());
        // The burst: nineteen more PINs, the right one last, while the first is checked.
        for pin in std::iter::repeat_n("1111", 18).chain(["2468"]) {
            for key in pin.chars() {
                entry.type_digit(&key.to_string());
            }
            assert_eq!(entry.digits_typed(), 0, "keys are ignored during a check");
            assert_eq!(entry.submit(now), None, "and so are submits");
        }
        assert_eq!(
            entry.checked(hash.matches(&first), now),
            Attempt::Rejected {
                attempts_left: 2,
                locked_for: Duration::ZERO
            },
            "one check, one wrong PIN counted"
        );
        assert!(!entry.checking());
        assert!(matches!(
            check(&mut entry, &hash, "2468", now),
            Attempt::Accepted
        ));
        assert_eq!(entry.submit(now), None, "nothing typed, nothing checked");
    }

    #[test]
    fn the_notice_prompts_counts_down_a_lockout_and_keeps_a_wrong_pin_until_the_next_try() {
        let hash = PinHash::parse(&crate::staff::hash_pin("2468").unwrap()).unwrap();
        let mut entry = PinEntry::default();
        let now = Duration::from_secs(5);
        assert_eq!(entry.notice(now), PinNotice::Prompt);
        check(&mut entry, &hash, "1111", now);
        entry.rejected(2);
        assert_eq!(entry.notice(now), PinNotice::Wrong { attempts_left: 2 });
        check(&mut entry, &hash, "1111", now);
        let Attempt::Rejected { locked_for, .. } = check(&mut entry, &hash, "1111", now) else {
            panic!("rejected");
        };
        assert_eq!(
            entry.notice(now + Duration::from_secs(1)),
            PinNotice::LockedOut {
                remaining: locked_for - Duration::from_secs(1)
            }
        );
        assert!(
            matches!(entry.closed(), PinNotice::LockedOut { .. }),
            "closing the keypad keeps a running lockout on show"
        );
        assert_eq!(entry.notice(now + locked_for), PinNotice::Prompt);
        entry.accepted();
        assert_eq!(entry.closed(), PinNotice::None);
    }

    #[test]
    fn keys_fill_up_to_the_longest_pin_and_only_digits_count() {
        let mut entry = PinEntry::default();
        for key in ["1", "x", "", "12", "½"] {
            entry.type_digit(key);
        }
        assert_eq!(entry.digits_typed(), 1);
        for _ in 0..20 {
            entry.type_digit("7");
        }
        assert_eq!(entry.digits_typed(), MAX_PIN_DIGITS);
        entry.erase();
        assert_eq!(entry.digits_typed(), MAX_PIN_DIGITS - 1);
        entry.clear();
        assert_eq!(entry.digits_typed(), 0);
        entry.erase();
        assert_eq!(entry.digits_typed(), 0);
    }

    #[test]
    fn submitting_takes_the_digits_and_a_right_pin_is_accepted() {
        let hash = PinHash::parse(&crate::staff::hash_pin("2468").unwrap()).unwrap();
        let mut entry = PinEntry::default();
        entry.type_digit("2");
        entry.type_digit("4");
        entry.type_digit("6");
        entry.type_digit("8");
        let pin = entry.submit(Duration::ZERO).unwrap();
        assert_eq!(pin, "2468");
        assert_eq!(entry.digits_typed(), 0, "the dots go at submit");
        assert!(matches!(
            entry.checked(hash.matches(&pin), Duration::ZERO),
            Attempt::Accepted
        ));
    }

    #[test]
    fn wrong_pins_lock_the_keypad_out_until_the_lockout_ends() {
        let hash = PinHash::parse(&crate::staff::hash_pin("2468").unwrap()).unwrap();
        let mut entry = PinEntry::default();
        let mut now = Duration::from_secs(100);
        for _ in 0..2 {
            assert!(matches!(
                check(&mut entry, &hash, "1111", now),
                Attempt::Rejected { locked_for, .. } if locked_for.is_zero()
            ));
            assert_eq!(entry.lockout(now), None);
        }
        let Attempt::Rejected { locked_for, .. } = check(&mut entry, &hash, "1111", now) else {
            panic!("the third wrong PIN is rejected");
        };
        assert!(!locked_for.is_zero());
        assert_eq!(entry.lockout(now), Some(locked_for));
        // Even the right PIN is not checked during the lockout.
        assert!(matches!(
            check(&mut entry, &hash, "2468", now + Duration::from_secs(1)),
            Attempt::LockedOut { .. }
        ));
        now += locked_for;
        assert_eq!(entry.lockout(now), None);
        assert!(matches!(
            check(&mut entry, &hash, "2468", now),
            Attempt::Accepted
        ));
        assert_eq!(entry.lockout(now), None);
    }
}
