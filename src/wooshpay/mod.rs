//! A typed client for the WooshPay API (see `docs/` and the shared API contract).
//!
//! One module per resource; every field the provider may omit or null is an `Option`, unknown fields are
//! ignored and every enum has an `Unknown` catch-all, so a new provider value never breaks a sale.

mod checkout_session;
mod client;
mod error;
mod expandable;
mod list;
mod payment_intent;
mod price;
mod product;
mod timestamp;

pub use checkout_session::{
    CheckoutSession, CreateCheckoutSession, CreateLineItem, InlinePriceData, LineItem,
    SessionPaymentStatus, SessionStatus,
};
pub use client::{Client, ClientConfig, IdempotencyKey, RetryPolicy};
pub use error::{ApiErrorBody, ApiErrorType, Error};
pub use expandable::{Expandable, HasId};
pub use list::List;
pub use payment_intent::{PaymentError, PaymentIntent, PaymentIntentStatus};
pub use price::{CreatePrice, Price, PriceType};
pub use product::{CreateProduct, Product};
pub use timestamp::Timestamp;

/// Metadata values are strings when we send them; tolerate anything when reading.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// `null` where a collection was expected reads as empty.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Parses a checkout session as returned by the API (used by benches and fuzzing, and by the client).
pub fn parse_checkout_session(body: &[u8]) -> Result<CheckoutSession, serde_json::Error> {
    serde_json::from_slice(body)
}
