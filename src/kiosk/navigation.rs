//! Which screen is up, and the rules that change it without a tap: the attract screen after a quiet spell on
//! an empty catalog (with the backlight dimmed there, and only there), waking from it, and locking the staff
//! screens when nobody touches them. The screen lives here, in Rust; the UI only draws it. Time comes in as
//! `now`, any monotonic clock, so the rules are tested without waiting.

use std::time::Duration;

/// The kiosk's screens (the UI's `Screen` mirrors these one to one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Screen {
    #[default]
    Catalog,
    Payment,
    Result,
    Idle,
    Pin,
    Admin,
    Amount,
    Describe,
    Busy,
    /// "Add a tip?" after Charge, for the customer.
    Tip,
}

/// What the clock decided, for the UI to act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tick {
    /// Show the attract screen (and dim the backlight, if there is one).
    GoIdle,
    /// Nobody touched the staff screens for `[staff] admin_lock_after_s`: back to the catalog, locked.
    LockStaff { idle: Duration },
    /// The customer walked away from "Add a tip?": back to the cart, nothing charged, so the next customer is
    /// never asked to pay for it.
    LeaveTip,
}

#[derive(Debug)]
pub struct Navigation {
    screen: Screen,
    last_activity: Duration,
    dimmed: bool,
    idle_after: Duration,
    staff_lock_after: Option<Duration>,
}

impl Navigation {
    /// `staff_lock_after`: `None` when the kiosk has no staff screens.
    pub fn new(idle_after: Duration, staff_lock_after: Option<Duration>, now: Duration) -> Self {
        Self {
            screen: Screen::Catalog,
            last_activity: now,
            dimmed: false,
            idle_after,
            staff_lock_after,
        }
    }

    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// A touch anywhere: the quiet spell starts again.
    pub fn touched(&mut self, now: Duration) {
        self.last_activity = now;
    }

    /// Puts `screen` up. Returns whether to bring the backlight back: every screen but the attract screen is
    /// shown at full brightness, so a QR is never on a dimmed panel.
    #[must_use]
    pub fn show(&mut self, screen: Screen, now: Duration) -> bool {
        self.screen = screen;
        self.last_activity = now;
        screen != Screen::Idle && std::mem::take(&mut self.dimmed)
    }

    /// The backlight was dimmed for the attract screen.
    pub fn dimmed(&mut self) {
        self.dimmed = true;
    }

    /// Only the attract screen wakes; a stray press elsewhere (a wake button mid-payment) changes nothing.
    pub fn wakes(&self) -> bool {
        self.screen == Screen::Idle
    }

    /// Once a second: what the quiet spell calls for, if anything.
    pub fn tick(&mut self, now: Duration, cart_is_empty: bool) -> Option<Tick> {
        let idle = now.saturating_sub(self.last_activity);
        match self.screen {
            Screen::Catalog if cart_is_empty && idle >= self.idle_after => {
                self.screen = Screen::Idle;
                Some(Tick::GoIdle)
            }
            Screen::Pin | Screen::Admin
                if self.staff_lock_after.is_some_and(|after| idle >= after) =>
            {
                Some(Tick::LockStaff { idle })
            }
            Screen::Tip if idle >= self.idle_after => {
                self.screen = Screen::Catalog;
                Some(Tick::LeaveTip)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDLE_AFTER: Duration = Duration::from_secs(90);
    const LOCK_AFTER: Duration = Duration::from_secs(60);

    fn s(seconds: u64) -> Duration {
        Duration::from_secs(seconds)
    }

    #[test]
    fn an_empty_catalog_goes_idle_after_the_quiet_spell_and_a_touch_restarts_it() {
        let mut nav = Navigation::new(IDLE_AFTER, Some(LOCK_AFTER), s(0));
        assert_eq!(nav.tick(s(89), true), None);
        nav.touched(s(80));
        assert_eq!(nav.tick(s(169), true), None);
        assert_eq!(nav.tick(s(170), true), Some(Tick::GoIdle));
        assert_eq!(nav.screen(), Screen::Idle);
        assert_eq!(nav.tick(s(500), true), None, "already idle");
    }

    #[test]
    fn an_abandoned_tip_screen_returns_to_the_cart() {
        let mut nav = Navigation::new(IDLE_AFTER, None, s(0));
        let _ = nav.show(Screen::Tip, s(10));
        assert_eq!(nav.tick(s(99), false), None);
        assert_eq!(nav.tick(s(100), false), Some(Tick::LeaveTip));
        assert_eq!(nav.screen(), Screen::Catalog);
    }

    #[test]
    fn a_cart_or_any_other_screen_never_goes_idle() {
        let mut nav = Navigation::new(IDLE_AFTER, None, s(0));
        assert_eq!(nav.tick(s(1000), false), None, "items in the cart");
        for screen in [
            Screen::Payment,
            Screen::Result,
            Screen::Amount,
            Screen::Describe,
            Screen::Busy,
        ] {
            let _ = nav.show(screen, s(0));
            assert_eq!(nav.tick(s(1000), true), None, "{screen:?}");
        }
    }

    #[test]
    fn waking_works_from_the_attract_screen_only_and_brings_the_backlight_back() {
        let mut nav = Navigation::new(IDLE_AFTER, None, s(0));
        assert!(!nav.wakes());
        assert_eq!(nav.tick(s(90), true), Some(Tick::GoIdle));
        nav.dimmed();
        assert!(nav.wakes());
        assert!(
            !nav.show(Screen::Idle, s(91)),
            "the attract screen stays dim"
        );
        assert!(
            nav.show(Screen::Catalog, s(92)),
            "any other screen restores"
        );
        assert!(!nav.show(Screen::Payment, s(93)), "restored once");
    }

    #[test]
    fn staff_screens_lock_after_their_own_quiet_spell() {
        let mut nav = Navigation::new(IDLE_AFTER, Some(LOCK_AFTER), s(0));
        let _ = nav.show(Screen::Admin, s(10));
        assert_eq!(nav.tick(s(69), true), None);
        assert_eq!(nav.tick(s(70), true), Some(Tick::LockStaff { idle: s(60) }));
        let _ = nav.show(Screen::Pin, s(100));
        nav.touched(s(150));
        assert_eq!(nav.tick(s(200), true), None);
        assert_eq!(
            nav.tick(s(210), true),
            Some(Tick::LockStaff { idle: s(60) })
        );
        let mut without_staff = Navigation::new(IDLE_AFTER, None, s(0));
        let _ = without_staff.show(Screen::Admin, s(0));
        assert_eq!(without_staff.tick(s(10_000), true), None);
    }
}
