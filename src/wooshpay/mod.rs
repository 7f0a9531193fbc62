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
mod refund;
mod timestamp;

pub use checkout_session::{
    CheckoutSession, CreateCheckoutSession, CreateLineItem, InlinePriceData, LineItem,
    SessionPaymentStatus, SessionStatus,
};
pub use client::{Client, ClientConfig, IdempotencyKey, RetryPolicy, install_tls_provider};
pub use error::{ApiErrorBody, ApiErrorType, Error};
pub use expandable::{Expandable, HasId};
pub use list::List;
pub use payment_intent::{PaymentError, PaymentIntent, PaymentIntentStatus};
pub use price::{CreatePrice, Price, PriceType};
pub use product::{CreateProduct, Product};
pub use refund::{CreateRefund, Refund, RefundReason, RefundStatus};
pub use timestamp::Timestamp;

/// Metadata values are strings when we send them; tolerate anything when reading.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// Parses a checkout session as returned by the API (used by benches and fuzzing, and by the client).
pub fn parse_checkout_session(body: &[u8]) -> Result<CheckoutSession, serde_json::Error> {
    serde_json::from_slice(body)
}

/// For a field the kiosk never decides on: a value of an unexpected type is ignored (logged at debug level)
/// instead of making the whole session or payment intent unreadable, so a provider that changes, say,
/// `customer` into an object never stops a paid sale from settling. Use with `#[serde(default)]`.
pub(crate) fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::Deserialize;
    let value = serde_json::Value::deserialize(deserializer)?;
    if value.is_null() {
        return Ok(None);
    }
    match serde_json::from_value(value) {
        Ok(parsed) => Ok(Some(parsed)),
        Err(error) => {
            tracing::debug!(
                expected = std::any::type_name::<T>(),
                %error,
                "ignoring a WooshPay field of an unexpected type"
            );
            Ok(None)
        }
    }
}

/// A list's items, skipping any that cannot be read (logged at debug level): one odd object in a list of
/// sessions must not hide all the others.
pub(crate) fn lenient_items<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::Deserialize;
    let items = Option::<Vec<serde_json::Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(items
        .into_iter()
        .filter_map(|item| match serde_json::from_value(item) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                tracing::debug!(%error, "skipping a list item that cannot be read");
                None
            }
        })
        .collect())
}
