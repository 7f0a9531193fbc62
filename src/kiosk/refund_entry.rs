//! A refund as staff key it on the sale's detail: the amount on a keypad (the remainder to start with, never more
//! than what is left), a reason, whether the goods came back, and a confirmation that says what goes back.

use crate::wooshpay::RefundReason;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundStep {
    /// The sale's detail, with Refund, Reprint and Re-check.
    Sale,
    /// The amount keypad.
    Amount,
    /// The reason, "goods returned", and the confirmation.
    Confirm,
    /// Sent: waiting for WooshPay.
    Sending,
    /// WooshPay's answer (or why nothing was sent).
    Answer,
}

impl RefundStep {
    /// The step's number on the sale screen's adapter.
    pub fn index(self) -> i32 {
        match self {
            RefundStep::Sale => 0,
            RefundStep::Amount => 1,
            RefundStep::Confirm => 2,
            RefundStep::Sending => 3,
            RefundStep::Answer => 4,
        }
    }
}

/// The sale open on the staff screen, and its refund as keyed so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenSale {
    pub session_id: String,
    pub entry: RefundEntry,
    /// WooshPay's last answer as shown (its text, and whether the money went back).
    pub answer: Option<(String, bool)>,
}

/// What staff asked for, once confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundRequest {
    pub amount: i64,
    pub reason: RefundReason,
    pub goods_returned: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundEntry {
    step: RefundStep,
    /// What is left to refund of the sale, in minor units.
    remaining: i64,
    /// Digits keyed, in minor units; the remainder when the keypad opens.
    digits: String,
    /// The keypad shows the remainder as it opened: the first digit typed starts a new amount.
    untouched: bool,
    reason: RefundReason,
    goods_returned: bool,
}

impl RefundEntry {
    /// A sale's detail, with `remaining` left to refund.
    pub fn for_sale(remaining: i64) -> Self {
        Self {
            step: RefundStep::Sale,
            remaining: remaining.max(0),
            digits: String::new(),
            untouched: true,
            reason: RefundReason::RequestedByCustomer,
            goods_returned: false,
        }
    }

    pub fn step(&self) -> RefundStep {
        self.step
    }

    pub fn remaining(&self) -> i64 {
        self.remaining
    }

    pub fn reason(&self) -> RefundReason {
        self.reason
    }

    pub fn goods_returned(&self) -> bool {
        self.goods_returned
    }

    /// Something is left to refund, and nothing is on its way.
    pub fn can_refund(&self) -> bool {
        self.remaining > 0 && self.step == RefundStep::Sale
    }

    /// Refund: the keypad, with the whole remainder keyed in.
    pub fn start(&mut self) -> bool {
        if !self.can_refund() {
            return false;
        }
        self.step = RefundStep::Amount;
        self.digits = self.remaining.to_string();
        self.untouched = true;
        true
    }

    pub fn amount(&self) -> i64 {
        self.digits.parse().unwrap_or(0)
    }

    /// Digits fill from the right, like a till. A digit that would make the amount more than what is left is
    /// ignored, so the keypad can never ask for more.
    pub fn digit(&mut self, digit: &str) {
        if self.step != RefundStep::Amount
            || digit.len() != 1
            || !digit.bytes().all(|b| b.is_ascii_digit())
        {
            return;
        }
        let base = if self.untouched {
            ""
        } else {
            self.digits.as_str()
        };
        if base.is_empty() && digit == "0" {
            if self.untouched {
                self.digits.clear();
                self.untouched = false;
            }
            return;
        }
        let candidate = format!("{base}{digit}");
        if candidate.parse::<i64>().is_ok_and(|v| v <= self.remaining) {
            self.digits = candidate;
            self.untouched = false;
        }
    }

    pub fn erase(&mut self) {
        if self.step == RefundStep::Amount {
            self.digits.pop();
            self.untouched = false;
        }
    }

    /// "All that is left".
    pub fn whole(&mut self) {
        if self.step == RefundStep::Amount {
            self.digits = self.remaining.to_string();
            self.untouched = true;
        }
    }

    pub fn can_continue(&self) -> bool {
        self.step == RefundStep::Amount && (1..=self.remaining).contains(&self.amount())
    }

    /// From the keypad to the reason and the confirmation.
    pub fn to_confirmation(&mut self) -> bool {
        if !self.can_continue() {
            return false;
        }
        self.step = RefundStep::Confirm;
        true
    }

    pub fn choose_reason(&mut self, reason: RefundReason) {
        if self.step == RefundStep::Confirm && reason != RefundReason::Unknown {
            self.reason = reason;
        }
    }

    pub fn toggle_goods_returned(&mut self) {
        if self.step == RefundStep::Confirm {
            self.goods_returned = !self.goods_returned;
        }
    }

    /// The confirmation: what to send. Only once: a second tap while it is on its way sends nothing.
    pub fn confirm(&mut self) -> Option<RefundRequest> {
        if self.step != RefundStep::Confirm || !(1..=self.remaining).contains(&self.amount()) {
            return None;
        }
        self.step = RefundStep::Sending;
        Some(RefundRequest {
            amount: self.amount(),
            reason: self.reason,
            goods_returned: self.goods_returned,
        })
    }

    /// WooshPay answered (or the refund was refused before sending): the answer is on screen.
    pub fn answered(&mut self) {
        self.step = RefundStep::Answer;
    }

    /// Back one step; from the answer to the sale (whose figures the caller reads again).
    pub fn back(&mut self) {
        self.step = match self.step {
            RefundStep::Amount | RefundStep::Answer => RefundStep::Sale,
            RefundStep::Confirm => RefundStep::Amount,
            // Nothing leaves while WooshPay is being asked.
            step @ (RefundStep::Sale | RefundStep::Sending) => step,
        };
    }

    /// The sale's figures after a refund: what is left now.
    pub fn set_remaining(&mut self, remaining: i64) {
        self.remaining = remaining.max(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keypad_opens_at_the_remainder_and_never_goes_past_it() {
        let mut entry = RefundEntry::for_sale(340);
        assert!(entry.start());
        assert_eq!(entry.amount(), 340);
        // The first digit starts a new amount: 1, 5, 0 → 1.50.
        for d in ["1", "5", "0"] {
            entry.digit(d);
        }
        assert_eq!(entry.amount(), 150);
        // 1500 would be more than what is left: ignored.
        entry.digit("0");
        assert_eq!(entry.amount(), 150);
        entry.erase();
        entry.erase();
        entry.erase();
        assert_eq!(entry.amount(), 0);
        assert!(!entry.can_continue(), "nothing to refund");
        entry.whole();
        assert_eq!(entry.amount(), 340);
    }

    #[test]
    fn a_refund_is_confirmed_once_with_its_reason_and_goods() {
        let mut entry = RefundEntry::for_sale(500);
        assert!(entry.start());
        entry.digit("2");
        assert!(entry.to_confirmation());
        entry.choose_reason(RefundReason::Duplicate);
        entry.toggle_goods_returned();
        assert_eq!(
            entry.confirm(),
            Some(RefundRequest {
                amount: 2,
                reason: RefundReason::Duplicate,
                goods_returned: true
            })
        );
        assert_eq!(entry.confirm(), None, "a second tap sends nothing");
        entry.back();
        assert_eq!(
            entry.step(),
            RefundStep::Sending,
            "nothing leaves while WooshPay is asked"
        );
        entry.answered();
        entry.back();
        assert_eq!(entry.step(), RefundStep::Sale);
    }

    #[test]
    fn nothing_left_means_no_refund_button() {
        let mut entry = RefundEntry::for_sale(0);
        assert!(!entry.can_refund());
        assert!(!entry.start());
        assert_eq!(entry.step(), RefundStep::Sale);
    }
}
