//! When a sale waiting for its customer is read next, and whether that read includes the payment intent.
//!
//! A chain's kiosks share one WooshPay account and its rate limit, so each read is spent where it can find a
//! payment. Polls fall on multiples of `poll_interval` counted from the moment the QR code appeared (not an
//! interval after each answer, which drifts later by every answer's time): while customers typically pay, the
//! kiosk polls at the same rhythm as before, so a payment reaches the screen as soon as before on average and
//! never more than one interval (plus one session read) after it is made. What is left out is what costs
//! requests and rarely finds anything: the first seconds (nobody scans, opens and pays a page that fast),
//! every other poll once the QR has been up a minute, and the payment intent on most reads (the session alone
//! says "paid", and "still open, unpaid"; anything else is read with the intent, see `observation.rs`).

use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub struct Timing {
    /// `[checkout] poll_interval_ms`: the time between polls while a customer is likely to be paying. Polls
    /// fall on its multiples, counted from the moment the QR code appeared.
    pub poll_interval: Duration,
    /// From the session's creation until the kiosk gives up and expires it.
    pub timeout: Duration,
    /// Longest wait between polls while they fail.
    pub max_poll_backoff: Duration,
    /// How long, after deciding to close a session, the kiosk keeps trying to expire and re-read it before
    /// reporting the outcome as unconfirmed.
    pub close_grace: Duration,
    /// No poll before the QR code has been up this long (rounded up to a multiple of `poll_interval`): nobody
    /// scans, opens and pays a page faster.
    pub first_poll_after: Duration,
    /// Once the QR code has been up this long, polls come every `slow_poll_interval`: a customer who has not
    /// paid within a minute rarely pays at all.
    pub busy_until: Duration,
    pub slow_poll_interval: Duration,
    /// Every this many polls of a session still open, the payment intent is read too: a declined card shows
    /// only there.
    pub intent_every: u32,
}

impl Timing {
    /// The schedule `[checkout] poll_interval_ms` and `timeout_s` give: the first poll 6 s after the QR
    /// appears (3 intervals when the interval is shorter than 2 s), one every interval until the QR has been
    /// up a minute, then one every 2 intervals; every 10th poll also reads the payment intent.
    pub fn new(poll_interval: Duration, timeout: Duration) -> Self {
        Self {
            poll_interval,
            timeout,
            max_poll_backoff: Duration::from_secs(15).max(poll_interval),
            close_grace: Duration::from_secs(90),
            first_poll_after: (poll_interval * 3).min(Duration::from_secs(6)),
            busy_until: Duration::from_secs(60),
            slow_poll_interval: poll_interval * 2,
            intent_every: 10,
        }
    }
}

/// What a poll reads besides the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntentRead {
    /// The payment intent only when the session alone cannot settle the poll: anything but "open, unpaid"
    /// (complete but unpaid, expired, a status this build does not know). The session says "paid" itself.
    IfSessionUndecided,
    /// The payment intent unless the session says paid: a declined card shows only there, and "not paid"
    /// needs both.
    UnlessPaid,
}

/// Where a sale stands in its poll schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct PollSchedule {
    /// A machine instant, and how long the QR code had been showing then.
    since: Duration,
    shown_then: Duration,
    /// Successful polls to go before the next one that reads the payment intent too (0: the next one does).
    polls_until_intent: u32,
}

impl PollSchedule {
    /// The QR code of a new session appears at `now`.
    pub(super) fn shown_at(now: Duration, timing: &Timing) -> Self {
        Self {
            since: now,
            shown_then: Duration::ZERO,
            polls_until_intent: timing.intent_every.saturating_sub(1),
        }
    }

    /// A session taken over after a restart, its QR code already up for `shown_for`: nothing is known about
    /// it, so its first read includes the payment intent.
    pub(super) fn resumed(now: Duration, shown_for: Duration) -> Self {
        Self {
            since: now,
            shown_then: shown_for,
            polls_until_intent: 0,
        }
    }

    /// How the next poll reads the sale.
    pub(super) fn next_read(&self) -> IntentRead {
        if self.polls_until_intent == 0 {
            IntentRead::UnlessPaid
        } else {
            IntentRead::IfSessionUndecided
        }
    }

    /// A poll was answered (a failed one is repeated as it was).
    pub(super) fn polled(&mut self, timing: &Timing) {
        self.polls_until_intent = match self.polls_until_intent {
            0 => timing.intent_every.saturating_sub(1),
            n => n - 1,
        };
    }

    /// The machine instant of the next poll after one answered at `now` (or after the QR appeared).
    pub(super) fn next_poll_at(&self, now: Duration, timing: &Timing) -> Duration {
        let shown = self.shown_then + now.saturating_sub(self.since);
        let interval = if shown >= timing.busy_until {
            timing.slow_poll_interval
        } else {
            timing.poll_interval
        }
        .max(Duration::from_millis(1));
        let next = next_multiple(shown, interval).max(round_up(timing.first_poll_after, interval));
        now + (next - shown)
    }
}

/// The first multiple of `step` strictly after `at`.
fn next_multiple(at: Duration, step: Duration) -> Duration {
    let steps = at.as_nanos() / step.as_nanos() + 1;
    nanos(steps * step.as_nanos())
}

/// The first multiple of `step` at or after `at`.
fn round_up(at: Duration, step: Duration) -> Duration {
    let steps = at.as_nanos().div_ceil(step.as_nanos());
    nanos(steps * step.as_nanos())
}

fn nanos(n: u128) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
}
