use serde::{Deserialize, Serialize};

use super::{HasId, Metadata, Timestamp};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentIntent {
    // Decided on: read strictly.
    pub id: String,
    pub status: Option<PaymentIntentStatus>,
    pub currency: Option<String>,
    // Shown or logged only: a value of an unexpected type is ignored.
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub object: Option<String>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub amount: Option<i64>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub amount_received: Option<i64>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub last_payment_error: Option<PaymentError>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub metadata: Option<Metadata>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub livemode: Option<bool>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub created: Option<Timestamp>,
}

impl HasId for PaymentIntent {
    fn id(&self) -> &str {
        &self.id
    }
}

impl PaymentIntent {
    pub fn has_succeeded(&self) -> bool {
        self.status == Some(PaymentIntentStatus::Succeeded)
    }

    /// The customer's payment attempt was refused: the kiosk should stop offering this session.
    pub fn has_failed(&self) -> bool {
        matches!(
            self.status,
            Some(PaymentIntentStatus::Failed | PaymentIntentStatus::Canceled)
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentIntentStatus {
    RequiresPaymentMethod,
    RequiresConfirmation,
    RequiresAction,
    RequiresCapture,
    Processing,
    Canceled,
    Succeeded,
    Failed,
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentError {
    pub code: Option<String>,
    pub decline_code: Option<String>,
    pub message: Option<String>,
    #[serde(rename = "type")]
    pub error_type: Option<String>,
}
