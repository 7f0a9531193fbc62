//! The simulator's objects and the rules they follow.

use std::collections::HashMap;

use serde_json::{Value, json};

mod create;
mod paging;
mod params;
mod products;
mod refunds;

pub use params::ApiError;

use super::faults::FaultRule;
use super::ids::now_ms;
use super::{AutoAction, RecordedRequest, RefundSettlement, SessionAction, SimError};

/// Checkout sessions expire 24 hours after creation (the guide).
const SESSION_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

pub struct StoredResponse {
    pub request: String,
    pub body: Value,
    pub status: u16,
    pub response: Vec<u8>,
}

struct Session {
    value: Value,
    auto: Option<AutoAction>,
    retrieves: u32,
}

#[derive(Default)]
pub struct Store {
    products: HashMap<String, Value>,
    /// Prices keep their product as an id; it is embedded when rendered.
    prices: HashMap<String, Value>,
    sessions: Vec<Session>,
    intents: HashMap<String, Value>,
    /// Every refund, oldest first.
    refunds: Vec<Value>,
    /// The status new refunds are given (a test sets `pending` or `failed`).
    pub refund_settlement: RefundSettlement,
    pub idempotency: HashMap<String, StoredResponse>,
    pub requests: Vec<RecordedRequest>,
    pub faults: Vec<FaultRule>,
    pub auto_action: Option<AutoAction>,
}

impl Store {
    fn find(&mut self, id: &str) -> Option<&mut Session> {
        self.sessions.iter_mut().find(|s| s.value["id"] == id)
    }

    /// A session as the API returns it now (lazily expired). `retrieve`: counts towards auto actions.
    pub fn session(&mut self, id: &str, retrieve: bool) -> Result<Value, ApiError> {
        let now = now_ms();
        let session = self
            .find(id)
            .ok_or_else(|| ApiError::not_found("checkout session", id))?;
        let mut due = None;
        if retrieve {
            session.retrieves += 1;
            if let Some(auto) = &session.auto
                && session.retrieves == auto.after_retrieves
            {
                due = Some(auto.action);
            }
        }
        if let Some(action) = due {
            let _ = self.apply(id, action);
        }
        self.expire_if_stale(id, now);
        Ok(self
            .find(id)
            .map(|s| s.value.clone())
            .unwrap_or(Value::Null))
    }

    fn expire_if_stale(&mut self, id: &str, now: i64) {
        let stale = self.find(id).is_some_and(|s| {
            s.value["status"] == "open"
                && s.value["expires_at"].as_i64().is_some_and(|at| now >= at)
        });
        if stale {
            let _ = self.apply(id, SessionAction::Expire);
        }
    }

    /// Newest first, `limit` at a time after the cursor (a session id from the previous page).
    pub fn list_sessions(
        &mut self,
        limit: usize,
        starting_after: Option<&str>,
    ) -> Result<Value, ApiError> {
        let newest_first: Vec<String> = self
            .sessions
            .iter()
            .rev()
            .filter_map(|s| s.value["id"].as_str().map(str::to_owned))
            .collect();
        let (ids, has_more) = paging::page(
            &newest_first,
            |id| Some(id.as_str()),
            limit,
            starting_after,
            "checkout.session",
        )?;
        let ids = ids.to_vec();
        let data: Vec<Value> = ids
            .iter()
            .filter_map(|id| self.session(id, false).ok())
            .collect();
        Ok(json!({
            "object": "list",
            "data": data,
            "has_more": has_more,
            "url": "/v1/checkout/sessions/list",
        }))
    }

    pub fn line_items(&mut self, id: &str) -> Result<Value, ApiError> {
        let session = self.session(id, false)?;
        let mut list = session["line_items"].clone();
        list["url"] = json!(format!("/v1/checkout/sessions/{id}/line_items"));
        list["has_more"] = json!(false);
        Ok(list)
    }

    pub fn expire_session(&mut self, id: &str) -> Result<Value, ApiError> {
        let session = self.session(id, false)?;
        if session["status"] != "open" {
            return Err(ApiError::invalid(
                "session_not_open",
                format!(
                    "Only open checkout sessions can be expired; {id} is {} ({}).",
                    session["status"].as_str().unwrap_or("unknown"),
                    session["payment_status"].as_str().unwrap_or("unknown")
                ),
                None,
            ));
        }
        self.apply(id, SessionAction::Expire)
            .map_err(|e| ApiError::invalid("session_not_open", e.to_string(), None))?;
        self.session(id, false)
    }

    pub fn intent(&self, id: &str) -> Result<Value, ApiError> {
        self.intents
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("payment_intent", id))
    }

    /// What a customer (or a test) does to a session. Only open sessions change.
    pub fn apply(&mut self, id: &str, action: SessionAction) -> Result<(), SimError> {
        let now = now_ms();
        let session = self
            .find(id)
            .ok_or_else(|| SimError::NotFound(id.to_owned()))?;
        let status = session.value["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let expired_by_age = session.value["expires_at"]
            .as_i64()
            .is_some_and(|at| now >= at);
        if status != "open" || (expired_by_age && action != SessionAction::Expire) {
            return Err(SimError::NotOpen {
                id: id.to_owned(),
                status,
            });
        }
        let intent_id = session.value["payment_intent"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let amount = session.value["amount_total"].clone();
        match action {
            SessionAction::Pay => {
                session.value["status"] = json!("complete");
                session.value["payment_status"] = json!("paid");
            }
            SessionAction::Decline => {}
            SessionAction::Expire => {
                session.value["status"] = json!("expired");
            }
        }
        if let Some(intent) = self.intents.get_mut(&intent_id) {
            match action {
                SessionAction::Pay => {
                    intent["status"] = json!("succeeded");
                    intent["amount_received"] = amount;
                    intent["last_payment_error"] = Value::Null;
                }
                SessionAction::Decline => {
                    intent["status"] = json!("failed");
                    intent["last_payment_error"] = json!({ "type": "card_error", "code": "card_declined", "message": "Your card was declined." });
                }
                SessionAction::Expire => intent["status"] = json!("canceled"),
            }
        }
        Ok(())
    }

    pub fn all_sessions(&mut self) -> Vec<Value> {
        let ids: Vec<String> = self
            .sessions
            .iter()
            .filter_map(|s| s.value["id"].as_str().map(str::to_owned))
            .collect();
        ids.iter()
            .filter_map(|id| self.session(id, false).ok())
            .collect()
    }

    /// The session and its payment intent, for the pay page.
    pub fn session_with_intent(&mut self, id: &str) -> Option<(Value, Value)> {
        let session = self.session(id, false).ok()?;
        let intent = self
            .intent(session["payment_intent"].as_str().unwrap_or_default())
            .unwrap_or(Value::Null);
        Some((session, intent))
    }
}
