//! Reading a sale's state from WooshPay: the session, and its payment intent when the session alone cannot
//! say "paid" or prove "not paid" (or the machine asks for it). The one place that turns WooshPay's answers
//! into the machine's inputs.

use super::machine::{IntentRead, Observation, RequestFailure};
use crate::wooshpay::{self, CheckoutSession, Client, SessionPaymentStatus, SessionStatus};

/// Reads the session, and its payment intent as `intent` says. Each read is a request against the account's
/// shared rate limit, so a session that is simply still open and unpaid is not followed by an intent read
/// unless the machine asks for one.
pub(super) async fn observe(
    client: &Client,
    session_id: &str,
    intent: IntentRead,
) -> Result<(CheckoutSession, Observation), wooshpay::Error> {
    let session = client.retrieve_checkout_session(session_id).await?;
    let mut observation = observation_of(&session);
    let wanted = match intent {
        IntentRead::UnlessPaid => true,
        IntentRead::IfSessionUndecided => !still_waiting(&observation),
    };
    if wanted
        && !observation.is_paid()
        && observation.intent_status.is_none()
        && let Some(intent_id) = session.payment_intent_id()
    {
        // "Not paid" needs both reads: if the intent cannot be read, neither can the outcome, so the whole read
        // fails and the sale is retried, never settled as expired on the session's word alone.
        let intent = client
            .retrieve_payment_intent(intent_id)
            .await
            .inspect_err(|error| {
                tracing::info!(payment_intent = intent_id, %error, "could not read the payment intent")
            })?;
        observation.intent_status = intent.status;
        observation.intent_error = intent.last_payment_error.and_then(|e| e.message);
    }
    Ok((session, observation))
}

/// The session says, by itself, that the customer has not paid yet and still can: open and unpaid. Anything
/// else (complete but unpaid, expired, a field missing or a value this build does not know) needs the intent.
fn still_waiting(observation: &Observation) -> bool {
    observation.status == Some(SessionStatus::Open)
        && observation.payment_status == Some(SessionPaymentStatus::Unpaid)
}

pub(super) fn observation_of(session: &CheckoutSession) -> Observation {
    let intent = session.payment_intent.as_ref().and_then(|p| p.as_object());
    Observation {
        status: session.status,
        payment_status: session.payment_status,
        intent_status: intent.and_then(|i| i.status),
        intent_error: intent
            .and_then(|i| i.last_payment_error.as_ref())
            .and_then(|e| e.message.clone()),
    }
}

pub(super) fn failure(error: wooshpay::Error) -> RequestFailure {
    RequestFailure {
        refused: !error.is_retryable(),
        message: error.to_string(),
    }
}
