use serde::{Deserialize, Serialize};

use super::{CreateProduct, Expandable, HasId, List, Metadata, PaymentIntent, Price, Timestamp};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSession {
    // The fields the kiosk decides on: read strictly, so a wrong type makes the session unreadable (and the
    // sale stays unconfirmed) rather than guessed at.
    pub id: String,
    pub status: Option<SessionStatus>,
    pub payment_status: Option<SessionPaymentStatus>,
    /// The hosted payment page: encode it in the QR code verbatim.
    pub url: Option<String>,
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub client_reference_id: Option<String>,
    pub metadata: Option<Metadata>,
    // Everything else: a value of an unexpected type is ignored.
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub object: Option<String>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub line_items: Option<List<LineItem>>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub amount_subtotal: Option<i64>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub mode: Option<String>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub customer: Option<String>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub customer_email: Option<String>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub success_url: Option<String>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub cancel_url: Option<String>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub livemode: Option<bool>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub created: Option<Timestamp>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub expires_at: Option<Timestamp>,
}

impl HasId for CheckoutSession {
    fn id(&self) -> &str {
        &self.id
    }
}

impl CheckoutSession {
    /// Paid per the contract: `payment_status == paid`. The payment intent is the other proof; see
    /// [`PaymentIntent::has_succeeded`]. `status == complete` alone is not payment.
    pub fn is_paid(&self) -> bool {
        matches!(self.payment_status, Some(SessionPaymentStatus::Paid))
            || self
                .payment_intent
                .as_ref()
                .and_then(Expandable::as_object)
                .is_some_and(|intent| intent.has_succeeded())
    }

    pub fn payment_intent_id(&self) -> Option<&str> {
        self.payment_intent
            .as_ref()
            .map(Expandable::id)
            .filter(|id| !id.is_empty())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Open,
    Complete,
    Expired,
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionPaymentStatus {
    Unpaid,
    Paid,
    NoPaymentRequired,
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    pub id: Option<String>,
    pub object: Option<String>,
    pub description: Option<String>,
    pub currency: Option<String>,
    pub price: Option<Price>,
    pub quantity: Option<i64>,
    pub amount_subtotal: Option<i64>,
    pub amount_total: Option<i64>,
}

/// Body of `POST /v1/checkout/sessions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateCheckoutSession {
    pub mode: String,
    pub success_url: String,
    pub cancel_url: String,
    pub line_items: Vec<CreateLineItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method_types: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateLineItem {
    pub quantity: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_data: Option<InlinePriceData>,
}

/// An inline price for a line item, creating its product on the fly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InlinePriceData {
    pub currency: String,
    pub unit_amount: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_data: Option<CreateProduct>,
}
