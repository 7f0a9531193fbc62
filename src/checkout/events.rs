//! What the engine tells the outside while a sale runs: the events a screen or terminal follows, the handle
//! that cancels a sale and yields its outcome, why a sale could not start, and whether WooshPay is answering.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::{mpsc, watch};

use super::machine::{FailureReason, Outcome};
use crate::journal::JournalError;
use crate::order::OrderError;
use crate::wooshpay::{PaymentIntentStatus, SessionPaymentStatus, SessionStatus};

/// Everything a screen or a terminal needs to follow a sale.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CheckoutEvent {
    Creating {
        client_reference_id: String,
        amount_total: i64,
        currency: String,
    },
    SessionCreated {
        id: String,
        url: String,
        amount_total: i64,
        currency: String,
        timeout_ms: u64,
    },
    Status {
        id: String,
        status: Option<SessionStatus>,
        payment_status: Option<SessionPaymentStatus>,
        payment_intent_status: Option<PaymentIntentStatus>,
    },
    /// Requests to WooshPay are failing; the sale is not over, the kiosk keeps checking.
    ConnectionLost {
        message: String,
    },
    ConnectionRestored,
    /// The kiosk is closing the session (timeout, cancel, decline) and confirming nobody paid meanwhile.
    Closing {
        id: String,
    },
    Finished {
        outcome: Outcome,
        /// The order number the journal gave a paid sale (from 1, never repeated within the shift).
        #[serde(skip_serializing_if = "Option::is_none")]
        order_number: Option<u32>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("a payment is already in progress; finish or cancel it first")]
    InProgress,
    #[error(transparent)]
    Order(#[from] OrderError),
    #[error("no sale number could be allocated: {0}")]
    Journal(#[from] JournalError),
}

/// Whether WooshPay answered lately: new sales are refused on screen while it does not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GatewayStatus {
    /// `None` until the first request has an answer or fails.
    pub reachable: Option<bool>,
    /// When WooshPay last answered (milliseconds since the Unix epoch).
    pub last_contact_ms: Option<i64>,
    pub last_error: Option<String>,
}

/// A running sale: its events, a way to cancel it, and its outcome.
pub struct ChargeHandle {
    pub events: mpsc::UnboundedReceiver<CheckoutEvent>,
    pub(super) canceller: Canceller,
    pub(super) task: tokio::task::JoinHandle<Outcome>,
}

/// Asks a running sale to stop: the session is expired and re-read, and reported paid if it was paid.
#[derive(Clone)]
pub struct Canceller(pub(super) Arc<watch::Sender<bool>>);

impl Canceller {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// A canceller no sale listens to: for tests of what holds one.
    pub fn detached() -> Self {
        Self(Arc::new(watch::channel(false).0))
    }
}

impl ChargeHandle {
    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    pub fn cancel(&self) {
        self.canceller.cancel();
    }

    /// Splits the handle so events can be read on one task while another awaits the outcome.
    pub fn into_parts(
        self,
    ) -> (
        mpsc::UnboundedReceiver<CheckoutEvent>,
        Canceller,
        tokio::task::JoinHandle<Outcome>,
    ) {
        (self.events, self.canceller, self.task)
    }
}

impl ChargeHandle {
    pub async fn outcome(self) -> Outcome {
        match self.task.await {
            Ok(outcome) => outcome,
            // The task only ends early if it panicked: say so rather than invent an outcome.
            Err(e) => Outcome::Failed {
                session: None,
                reason: FailureReason::Unconfirmed(format!("the sale stopped unexpectedly: {e}")),
            },
        }
    }
}
