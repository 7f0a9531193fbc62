//! The payment state machine: pure, synchronous, and driven by the caller's clock.
//!
//! Idle → Creating → AwaitingPayment → (Closing →) Finished(Paid | Expired | Cancelled | Failed).
//! The machine decides *what* to do next; the sale run (`sale_run.rs`) does the I/O and feeds results back.
//! Time is a monotonic `Duration` since an arbitrary start, so tests use a fake clock.

use std::time::Duration;

use crate::wooshpay::SessionStatus;

mod schedule;
mod types;

pub use schedule::{IntentRead, PollSchedule, Timing};
pub use types::{
    AlreadyInProgress, CloseAction, CloseReason, FailureReason, Observation, Outcome, Phase,
    RequestFailure, SessionInfo, Step,
};

pub struct PaymentMachine {
    timing: Timing,
    phase: Phase,
}

impl PaymentMachine {
    pub fn new(timing: Timing) -> Self {
        Self {
            timing,
            phase: Phase::Idle,
        }
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// Polls are failing: the UI shows "connection lost, still checking" (never a failure).
    pub fn connection_lost(&self) -> bool {
        match &self.phase {
            Phase::AwaitingPayment { failed_polls, .. } => *failed_polls > 0,
            Phase::Closing {
                failed_attempts, ..
            } => *failed_attempts > 0,
            _ => false,
        }
    }

    /// When the kiosk will give up on the current session.
    pub fn deadline(&self) -> Option<Duration> {
        match &self.phase {
            Phase::AwaitingPayment { deadline, .. } => Some(*deadline),
            _ => None,
        }
    }

    pub fn start(&mut self) -> Result<Step, AlreadyInProgress> {
        match self.phase {
            Phase::Idle | Phase::Finished(_) => {
                self.phase = Phase::Creating {
                    cancel_requested: false,
                };
                Ok(Step::CreateSession)
            }
            _ => Err(AlreadyInProgress),
        }
    }

    /// Takes over a session created earlier (before a restart): read it at once (with its payment intent),
    /// then wait for payment until `remaining` has passed; with nothing remaining the first read is followed
    /// by closing it.
    pub fn resume(
        &mut self,
        session: SessionInfo,
        remaining: Duration,
        now: Duration,
    ) -> Result<Step, AlreadyInProgress> {
        if !matches!(self.phase, Phase::Idle | Phase::Finished(_)) {
            return Err(AlreadyInProgress);
        }
        let session_id = session.id.clone();
        let schedule = PollSchedule::resumed(now, self.timing.timeout.saturating_sub(remaining));
        let intent = schedule.next_read();
        self.phase = Phase::AwaitingPayment {
            session,
            deadline: now + remaining,
            failed_polls: 0,
            schedule,
        };
        Ok(Step::Poll { session_id, intent })
    }

    pub fn on_created(
        &mut self,
        result: Result<SessionInfo, RequestFailure>,
        now: Duration,
    ) -> Step {
        let Phase::Creating { cancel_requested } = self.phase else {
            return self.unexpected("on_created");
        };
        match (result, cancel_requested) {
            (Ok(session), true) => self.close(session, CloseReason::StaffCancel, now),
            (Ok(session), false) => {
                self.phase = Phase::AwaitingPayment {
                    session,
                    deadline: now + self.timing.timeout,
                    failed_polls: 0,
                    schedule: PollSchedule::shown_at(now, &self.timing),
                };
                Step::Wait {
                    until: self.next_poll_at(now, 0),
                }
            }
            (Err(_), true) => self.finish(Outcome::Cancelled { session: None }),
            (Err(failure), false) => self.finish(Outcome::Failed {
                session: None,
                reason: FailureReason::CreateFailed(failure.message),
            }),
        }
    }

    /// The session was created but cannot be offered to a customer: close it so nobody can pay it.
    pub fn on_created_unusable(
        &mut self,
        session: SessionInfo,
        problem: String,
        now: Duration,
    ) -> Step {
        if !matches!(self.phase, Phase::Creating { .. }) {
            return self.unexpected("on_created_unusable");
        }
        self.close(session, CloseReason::Unusable(problem), now)
    }

    pub fn on_wake(&mut self, now: Duration) -> Step {
        match &self.phase {
            Phase::AwaitingPayment {
                session,
                deadline,
                schedule,
                ..
            } => {
                if now >= *deadline {
                    let session = session.clone();
                    self.close(session, CloseReason::KioskTimeout, now)
                } else {
                    Step::Poll {
                        session_id: session.id.clone(),
                        intent: schedule.next_read(),
                    }
                }
            }
            Phase::Closing { session, next, .. } => match next {
                CloseAction::Expire => Step::Expire {
                    session_id: session.id.clone(),
                },
                CloseAction::Recheck => Step::Recheck {
                    session_id: session.id.clone(),
                },
            },
            _ => self.unexpected("on_wake"),
        }
    }

    pub fn on_poll(&mut self, result: Result<Observation, RequestFailure>, now: Duration) -> Step {
        let Phase::AwaitingPayment {
            session,
            deadline,
            failed_polls,
            schedule,
        } = &mut self.phase
        else {
            return self.unexpected("on_poll");
        };
        let session = session.clone();
        let observation = match result {
            Ok(observation) => observation,
            Err(_) => {
                *failed_polls += 1;
                let failures = *failed_polls;
                let until = self.next_poll_at(now, failures);
                return Step::Wait { until };
            }
        };
        *failed_polls = 0;
        schedule.polled(&self.timing);
        let deadline = *deadline;
        if observation.is_paid() {
            return self.finish(Outcome::Paid { session });
        }
        if observation.status == Some(SessionStatus::Expired) {
            return self.finish(Outcome::Expired {
                session,
                by_kiosk: false,
            });
        }
        if observation.payment_refused() {
            let message = observation
                .intent_error
                .unwrap_or_else(|| "the payment was declined".to_owned());
            return self.close(session, CloseReason::Declined(message), now);
        }
        // Open, complete-but-unpaid (an asynchronous method still settling) or a status this build does not
        // know: none of them is an outcome, so keep watching until the deadline.
        if now >= deadline {
            return self.close(session, CloseReason::KioskTimeout, now);
        }
        Step::Wait {
            until: self.next_poll_at(now, 0),
        }
    }

    /// Staff pressed Cancel (or the process was asked to stop). `None`: noted, carry on with the current step.
    pub fn on_cancel(&mut self, now: Duration) -> Option<Step> {
        match &mut self.phase {
            Phase::Creating { cancel_requested } => {
                // The create is in flight and may already exist at WooshPay: close it once its id is known.
                *cancel_requested = true;
                None
            }
            Phase::AwaitingPayment { session, .. } => {
                let session = session.clone();
                Some(self.close(session, CloseReason::StaffCancel, now))
            }
            // Already closing or finished: nothing more to do.
            _ => None,
        }
    }

    /// `result`: what the expire call's response says about the session.
    pub fn on_expired(
        &mut self,
        result: Result<Observation, RequestFailure>,
        now: Duration,
    ) -> Step {
        let Phase::Closing {
            session,
            failed_attempts,
            next,
            ..
        } = &mut self.phase
        else {
            return self.unexpected("on_expired");
        };
        match result {
            Ok(observation) if observation.is_paid() => {
                let session = session.clone();
                self.finish(Outcome::Paid { session })
            }
            // Expired, or refused because it is no longer open (paid, or expired already): read it back either way.
            Ok(_) | Err(RequestFailure { refused: true, .. }) => {
                *failed_attempts = 0;
                *next = CloseAction::Recheck;
                Step::Recheck {
                    session_id: session.id.clone(),
                }
            }
            Err(failure) => self.retry_close(failure, now),
        }
    }

    pub fn on_recheck(
        &mut self,
        result: Result<Observation, RequestFailure>,
        now: Duration,
    ) -> Step {
        let Phase::Closing {
            session,
            reason,
            failed_attempts,
            next,
            ..
        } = &mut self.phase
        else {
            return self.unexpected("on_recheck");
        };
        let observation = match result {
            Ok(observation) => observation,
            Err(failure) => return self.retry_close(failure, now),
        };
        let session = session.clone();
        if observation.is_paid() {
            return self.finish(Outcome::Paid { session });
        }
        match observation.status {
            Some(SessionStatus::Expired) => {
                let outcome = match reason.clone() {
                    CloseReason::KioskTimeout => Outcome::Expired {
                        session,
                        by_kiosk: true,
                    },
                    CloseReason::StaffCancel => Outcome::Cancelled {
                        session: Some(session),
                    },
                    CloseReason::Declined(message) => Outcome::Failed {
                        session: Some(session),
                        reason: FailureReason::Declined(message),
                    },
                    CloseReason::Unusable(message) => Outcome::Failed {
                        session: Some(session),
                        reason: FailureReason::Unusable(message),
                    },
                };
                self.finish(outcome)
            }
            // Still open (the expire did not take) or settling: try again until the grace period ends.
            Some(SessionStatus::Open) => {
                *next = CloseAction::Expire;
                *failed_attempts += 1;
                self.retry_close(
                    RequestFailure {
                        message: "the session is still open".into(),
                        refused: false,
                    },
                    now,
                )
            }
            _ => {
                *failed_attempts += 1;
                let message = format!("the session is {:?} and not yet paid", observation.status);
                self.retry_close(
                    RequestFailure {
                        message,
                        refused: false,
                    },
                    now,
                )
            }
        }
    }

    fn close(&mut self, session: SessionInfo, reason: CloseReason, now: Duration) -> Step {
        let session_id = session.id.clone();
        self.phase = Phase::Closing {
            session,
            reason,
            give_up_at: now + self.timing.close_grace,
            failed_attempts: 0,
            next: CloseAction::Expire,
        };
        Step::Expire { session_id }
    }

    fn retry_close(&mut self, failure: RequestFailure, now: Duration) -> Step {
        let Phase::Closing {
            session,
            give_up_at,
            failed_attempts,
            ..
        } = &mut self.phase
        else {
            return self.unexpected("retry_close");
        };
        if now >= *give_up_at {
            let session = session.clone();
            let message = format!(
                "could not confirm with WooshPay that session {} is closed ({}); it may still be payable",
                session.id, failure.message
            );
            return self.finish(Outcome::Failed {
                session: Some(session),
                reason: FailureReason::Unconfirmed(message),
            });
        }
        *failed_attempts = (*failed_attempts).max(1);
        let wait = backoff(
            self.timing.poll_interval,
            *failed_attempts,
            self.timing.max_poll_backoff,
        );
        Step::Wait {
            until: (now + wait).min(*give_up_at),
        }
    }

    /// After an answered poll (or the QR appearing) the schedule's next instant; after failed ones a doubling
    /// wait. Never past the deadline, where the kiosk closes the session and reads it in full.
    fn next_poll_at(&self, now: Duration, failed_polls: u32) -> Duration {
        let Phase::AwaitingPayment {
            deadline, schedule, ..
        } = &self.phase
        else {
            return now + self.timing.poll_interval;
        };
        let next = if failed_polls == 0 {
            schedule.next_poll_at(now, &self.timing)
        } else {
            now + backoff(
                self.timing.poll_interval,
                failed_polls,
                self.timing.max_poll_backoff,
            )
        };
        next.min(*deadline)
    }

    fn finish(&mut self, outcome: Outcome) -> Step {
        self.phase = Phase::Finished(outcome.clone());
        Step::Finished(outcome)
    }

    fn unexpected(&self, event: &str) -> Step {
        // A driver bug, not a payment fact: never invent an outcome, just report and keep the phase.
        tracing::error!(event, phase = ?self.phase, "checkout event does not fit the current phase");
        match &self.phase {
            Phase::Finished(outcome) => Step::Finished(outcome.clone()),
            _ => Step::Wait {
                until: Duration::MAX,
            },
        }
    }
}

/// Doubling waits from `base`, capped at `max`: 0 failures → base.
fn backoff(base: Duration, failures: u32, max: Duration) -> Duration {
    base.saturating_mul(1u32 << failures.min(16))
        .min(max.max(base))
}

#[cfg(test)]
mod tests;
