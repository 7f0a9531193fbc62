use serde::{Deserialize, Serialize};

use super::{HasId, Metadata, Timestamp};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub object: Option<String>,
    pub status: Option<PaymentIntentStatus>,
    pub amount: Option<i64>,
    pub amount_received: Option<i64>,
    pub currency: Option<String>,
    pub last_payment_error: Option<PaymentError>,
    pub metadata: Option<Metadata>,
    pub livemode: Option<bool>,
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
