//! Refunds as WooshPay documents them (`POST /v1/refunds` with `payment_intent`, optional `amount` and `reason`)
//! and as Stripe, which WooshPay copies, behaves where WooshPay says nothing: partial refunds up to what is left,
//! `GET /v1/refunds/{id}`, a list newest first, and statuses `pending`, `succeeded`, `failed`, `canceled`.

use serde_json::{Value, json};

use super::params::{ApiError, integer, metadata, object, optional_string, required_string};
use super::{RefundSettlement, Store};
use crate::simulator::ids::{new_id, now_ms};

/// The reasons WooshPay (like Stripe) accepts.
const REASONS: [&str; 3] = ["duplicate", "fraudulent", "requested_by_customer"];

impl Store {
    pub fn create_refund(&mut self, body: &Value) -> Result<Value, ApiError> {
        let params = object(body)?;
        let intent_id = required_string(params, "payment_intent", "")?;
        let intent = self
            .intents
            .get(&intent_id)
            .cloned()
            .ok_or_else(|| ApiError {
                param: Some("payment_intent".into()),
                ..ApiError::not_found("payment_intent", &intent_id)
            })?;
        if intent["status"] != "succeeded" {
            return Err(ApiError::invalid(
                "charge_not_refundable",
                format!(
                    "PaymentIntent {intent_id} has no successful payment to refund (it is {}).",
                    intent["status"].as_str().unwrap_or("unknown")
                ),
                Some("payment_intent".into()),
            ));
        }
        let received = intent["amount_received"].as_i64().unwrap_or_default();
        let left = received - self.refunded_or_in_flight(&intent_id);
        if left <= 0 {
            return Err(ApiError::invalid(
                "charge_already_refunded",
                format!("PaymentIntent {intent_id} has already been refunded."),
                None,
            ));
        }
        let amount = match params.get("amount") {
            None | Some(Value::Null) => left,
            Some(_) => integer(params, "amount", "")?,
        };
        if amount <= 0 {
            return Err(ApiError::invalid(
                "parameter_invalid",
                "Refund amount must be a positive integer.",
                Some("amount".into()),
            ));
        }
        if amount > left {
            return Err(ApiError::invalid(
                "amount_too_large",
                format!(
                    "Refund amount ({amount}) is greater than unrefunded amount on the payment ({left})."
                ),
                Some("amount".into()),
            ));
        }
        let reason = optional_string(params, "reason", "")?;
        if let Some(reason) = reason.as_deref()
            && !REASONS.contains(&reason)
        {
            return Err(ApiError::invalid(
                "parameter_invalid",
                format!("Invalid reason: must be one of {}.", REASONS.join(", ")),
                Some("reason".into()),
            ));
        }
        let metadata = metadata(params, "")?;
        let status = match self.refund_settlement {
            RefundSettlement::Succeed => "succeeded",
            RefundSettlement::Pending => "pending",
            RefundSettlement::Fail => "failed",
        };
        let refund = json!({
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent_id,
            "reason": reason,
            "status": status,
            "failure_reason": if status == "failed" { json!("declined") } else { Value::Null },
            "created": now_ms(),
            "metadata": metadata,
        });
        self.refunds.push(refund.clone());
        self.update_amount_refunded(&intent_id);
        Ok(refund)
    }

    pub fn refund(&self, id: &str) -> Result<Value, ApiError> {
        self.refunds
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("refund", id))
    }

    /// Newest first, `limit` at a time after the cursor; only one payment intent's when `payment_intent` is given.
    pub fn list_refunds(
        &self,
        limit: usize,
        starting_after: Option<&str>,
        payment_intent: Option<&str>,
    ) -> Result<Value, ApiError> {
        let newest_first: Vec<&Value> = self
            .refunds
            .iter()
            .rev()
            .filter(|r| payment_intent.is_none_or(|pi| r["payment_intent"] == pi))
            .collect();
        let (page, has_more) = super::paging::page(
            &newest_first,
            |r| r["id"].as_str(),
            limit,
            starting_after,
            "refund",
        )?;
        let data: Vec<Value> = page.iter().map(|r| (*r).clone()).collect();
        Ok(json!({ "object": "list", "data": data, "has_more": has_more, "url": "/v1/refunds" }))
    }

    /// What the bank decides about a pending refund (a test, through the control API).
    pub fn settle_refund(&mut self, id: &str, status: &str) -> Result<Value, ApiError> {
        let refund = self
            .refunds
            .iter_mut()
            .find(|r| r["id"] == id)
            .ok_or_else(|| ApiError::not_found("refund", id))?;
        if refund["status"] != "pending" {
            return Err(ApiError::invalid(
                "refund_not_pending",
                format!(
                    "Refund {id} is {}, not pending.",
                    refund["status"].as_str().unwrap_or("unknown")
                ),
                None,
            ));
        }
        refund["status"] = json!(status);
        if status == "failed" {
            refund["failure_reason"] = json!("declined");
        }
        let refund = refund.clone();
        let intent = refund["payment_intent"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.update_amount_refunded(&intent);
        Ok(refund)
    }

    pub fn all_refunds(&self) -> Vec<Value> {
        self.refunds.clone()
    }

    /// What is refunded or still on its way back: a failed or canceled refund gives its amount back to the
    /// remainder.
    fn refunded_or_in_flight(&self, intent_id: &str) -> i64 {
        self.refunds
            .iter()
            .filter(|r| r["payment_intent"] == intent_id)
            .filter(|r| r["status"] == "succeeded" || r["status"] == "pending")
            .filter_map(|r| r["amount"].as_i64())
            .sum()
    }

    fn update_amount_refunded(&mut self, intent_id: &str) {
        let refunded: i64 = self
            .refunds
            .iter()
            .filter(|r| r["payment_intent"] == intent_id && r["status"] == "succeeded")
            .filter_map(|r| r["amount"].as_i64())
            .sum();
        if let Some(intent) = self.intents.get_mut(intent_id) {
            intent["amount_refunded"] = json!(refunded);
        }
    }
}
