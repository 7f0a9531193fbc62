//! The sale on the payment screen: how to stop it, what it charges (for the result screen) and when its
//! session runs out (the countdown), on the kiosk's monotonic clock.

use std::time::Duration;

use crate::checkout::Canceller;
use crate::money::Money;

#[derive(Default)]
pub struct PaymentView {
    running: Option<Running>,
}

struct Running {
    canceller: Canceller,
    total: Money,
    /// When the session expires; `None` until its QR code is on screen.
    deadline: Option<Duration>,
}

impl PaymentView {
    /// A sale (new, or resumed after a restart) is on the payment screen from now.
    pub fn follow(&mut self, canceller: Canceller, total: Money) {
        self.running = Some(Running {
            canceller,
            total,
            deadline: None,
        });
    }

    /// Whether a sale is on the payment screen (staff screens and a second sale wait for it).
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Asks the running sale to stop; WooshPay's session is expired before the sale ends.
    pub fn cancel(&self) {
        if let Some(running) = &self.running {
            running.canceller.cancel();
        }
    }

    /// The QR code is up: the session can be paid for `timeout` from `now`.
    pub fn session_shown(&mut self, now: Duration, timeout: Duration) {
        if let Some(running) = &mut self.running {
            running.deadline = Some(now + timeout);
        }
    }

    /// The countdown's time left; `None` before the QR code is up or after the sale.
    pub fn remaining(&self, now: Duration) -> Option<Duration> {
        let deadline = self.running.as_ref()?.deadline?;
        Some(deadline.saturating_sub(now))
    }

    /// The running sale's total, to write it again in another language.
    pub fn total(&self) -> Option<Money> {
        self.running.as_ref().map(|running| running.total)
    }

    /// The sale has ended: its total, for the result screen.
    pub fn finish(&mut self) -> Option<Money> {
        self.running.take().map(|running| running.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn canceller() -> Canceller {
        Canceller::detached()
    }

    #[test]
    fn the_countdown_starts_with_the_qr_code_and_never_goes_below_zero() {
        let total = Money::new(680, Currency::from_code("GBP").unwrap());
        let mut view = PaymentView::default();
        assert!(!view.is_running());
        view.follow(canceller(), total);
        assert!(view.is_running());
        assert_eq!(view.remaining(Duration::from_secs(5)), None, "no QR yet");
        view.session_shown(Duration::from_secs(5), Duration::from_secs(60));
        assert_eq!(
            view.remaining(Duration::from_secs(20)),
            Some(Duration::from_secs(45))
        );
        assert_eq!(
            view.remaining(Duration::from_secs(90)),
            Some(Duration::ZERO)
        );
        assert_eq!(
            view.finish(),
            Some(total),
            "the result screen shows the total"
        );
        assert!(!view.is_running());
        assert_eq!(view.remaining(Duration::from_secs(20)), None);
        assert_eq!(view.finish(), None);
    }

    #[test]
    fn cancel_reaches_the_running_sale() {
        let canceller = canceller();
        let watching = canceller.clone();
        let mut view = PaymentView::default();
        view.cancel();
        assert!(
            !watching.is_cancelled(),
            "nothing running, nothing cancelled"
        );
        view.follow(
            canceller,
            Money::new(100, Currency::from_code("EUR").unwrap()),
        );
        view.cancel();
        assert!(watching.is_cancelled());
    }
}
