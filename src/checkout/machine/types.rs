//! What the payment machine takes in (observations, failures), what it hands back (steps, outcomes) and the
//! phases it moves through. Its timing is in `schedule.rs`.

use std::time::Duration;

use serde::Serialize;

use super::schedule::{IntentRead, PollSchedule};

use crate::wooshpay::{PaymentIntentStatus, SessionPaymentStatus, SessionStatus};

/// The session as created, enough to show it and to poll it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionInfo {
    pub id: String,
    pub url: String,
}

/// What one read of a session (and its payment intent, when read) says.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observation {
    pub status: Option<SessionStatus>,
    pub payment_status: Option<SessionPaymentStatus>,
    pub intent_status: Option<PaymentIntentStatus>,
    pub intent_error: Option<String>,
}

impl Observation {
    /// The contract's definition of paid: the session says paid, or its payment intent succeeded.
    pub fn is_paid(&self) -> bool {
        self.payment_status == Some(SessionPaymentStatus::Paid)
            || self.intent_status == Some(PaymentIntentStatus::Succeeded)
    }

    pub(super) fn payment_refused(&self) -> bool {
        matches!(
            self.intent_status,
            Some(PaymentIntentStatus::Failed | PaymentIntentStatus::Canceled)
        )
    }
}

/// Why the kiosk is closing a session it created.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum CloseReason {
    KioskTimeout,
    StaffCancel,
    Declined(String),
    /// WooshPay's answer to the create cannot be shown to a customer (no URL, wrong amount).
    Unusable(String),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    Paid {
        session: SessionInfo,
    },
    /// Expired at WooshPay, or by the kiosk after its timeout.
    Expired {
        session: SessionInfo,
        by_kiosk: bool,
    },
    /// Staff cancelled; `session` is `None` when the cancel came before any session existed.
    Cancelled {
        session: Option<SessionInfo>,
    },
    Failed {
        session: Option<SessionInfo>,
        reason: FailureReason,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "message")]
pub enum FailureReason {
    /// No session could be created; nothing is payable.
    CreateFailed(String),
    /// The customer's payment was refused and the session has been closed.
    Declined(String),
    Unusable(String),
    /// The session could not be closed or read back in time: it may still be payable.
    Unconfirmed(String),
}

impl Outcome {
    pub fn is_paid(&self) -> bool {
        matches!(self, Outcome::Paid { .. })
    }

    pub fn session(&self) -> Option<&SessionInfo> {
        match self {
            Outcome::Paid { session } | Outcome::Expired { session, .. } => Some(session),
            Outcome::Cancelled { session } | Outcome::Failed { session, .. } => session.as_ref(),
        }
    }
}

/// What the driver must do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    CreateSession,
    /// Sleep until `until` (waking early for a cancel), then call [`PaymentMachine::on_wake`].
    Wait {
        until: Duration,
    },
    Poll {
        session_id: String,
        intent: IntentRead,
    },
    Expire {
        session_id: String,
    },
    /// Read the session once more after expiring it: a payment may have landed in between.
    Recheck {
        session_id: String,
    },
    Finished(Outcome),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Idle,
    Creating {
        cancel_requested: bool,
    },
    AwaitingPayment {
        session: SessionInfo,
        deadline: Duration,
        failed_polls: u32,
        schedule: PollSchedule,
    },
    Closing {
        session: SessionInfo,
        reason: CloseReason,
        give_up_at: Duration,
        failed_attempts: u32,
        /// The next request once a wait ends: expire, or re-read.
        next: CloseAction,
    },
    Finished(Outcome),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseAction {
    Expire,
    Recheck,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a payment is already in progress; finish or cancel it first")]
pub struct AlreadyInProgress;

/// A failed request, as far as the machine cares.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestFailure {
    pub message: String,
    /// WooshPay answered and refused (a 4xx): repeating the same request will not help.
    pub refused: bool,
}
