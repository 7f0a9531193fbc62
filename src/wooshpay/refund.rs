use serde::{Deserialize, Serialize};

use super::{HasId, Metadata, Timestamp};

/// `POST /v1/refunds`: all of the payment when `amount` is left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateRefund {
    pub payment_intent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<RefundReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// The reasons WooshPay accepts for a refund (Stripe's three).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    RequestedByCustomer,
    Duplicate,
    Fraudulent,
    #[serde(other)]
    Unknown,
}

impl RefundReason {
    /// The words the API, the command line and the journal use.
    pub const CHOICES: [RefundReason; 3] = [
        RefundReason::RequestedByCustomer,
        RefundReason::Duplicate,
        RefundReason::Fraudulent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefundReason::RequestedByCustomer => "requested_by_customer",
            RefundReason::Duplicate => "duplicate",
            RefundReason::Fraudulent => "fraudulent",
            RefundReason::Unknown => "unknown",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::CHOICES.into_iter().find(|r| r.as_str() == word)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    // Decided on: read strictly.
    pub id: String,
    pub status: Option<RefundStatus>,
    pub amount: Option<i64>,
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub payment_intent: Option<String>,
    // Shown or logged only: a value of an unexpected type is ignored.
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub reason: Option<RefundReason>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub failure_reason: Option<String>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub metadata: Option<Metadata>,
    #[serde(default, deserialize_with = "crate::wooshpay::lenient")]
    pub created: Option<Timestamp>,
}

impl HasId for Refund {
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Pending,
    RequiresAction,
    Succeeded,
    Failed,
    Canceled,
    #[serde(other)]
    Unknown,
}

impl RefundStatus {
    /// The money did not go back and will not: the amount is refundable again.
    pub fn is_final_failure(self) -> bool {
        matches!(self, RefundStatus::Failed | RefundStatus::Canceled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refund_reads_with_unknown_values_and_odd_types() {
        let refund: Refund = serde_json::from_str(
            r#"{"id":"re_1","object":"refund","amount":150,"currency":"GBP","payment_intent":"pi_1",
                "status":"brand_new","reason":7,"created":1765000000000,"metadata":"x"}"#,
        )
        .unwrap();
        assert_eq!(refund.status, Some(RefundStatus::Unknown));
        assert_eq!(refund.reason, None);
        assert_eq!(refund.amount, Some(150));
        assert!(
            serde_json::from_str::<Refund>(r#"{"id":"re_1","amount":"150"}"#).is_err(),
            "the amount is decided on: a string is not read as money"
        );
    }

    #[test]
    fn a_whole_refund_leaves_the_amount_out() {
        let body = CreateRefund {
            payment_intent: "pi_1".into(),
            amount: None,
            reason: Some(RefundReason::Duplicate),
            metadata: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"payment_intent": "pi_1", "reason": "duplicate"})
        );
    }
}
