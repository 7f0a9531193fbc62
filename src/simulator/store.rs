//! The simulator's objects and the rules they follow.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::faults::FaultRule;
use super::ids::{new_id, now_ms, random_token};
use super::{AutoAction, RecordedRequest, SessionAction, SimError};

/// Checkout sessions expire 24 hours after creation (the guide).
const SESSION_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

/// An error as the API returns it: HTTP status and the `{"error":{…}}` envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub error_type: &'static str,
    pub code: &'static str,
    pub message: String,
    pub param: Option<String>,
}

impl ApiError {
    pub fn invalid(code: &'static str, message: impl Into<String>, param: Option<String>) -> Self {
        Self {
            status: 400,
            error_type: "invalid_request_error",
            code,
            message: message.into(),
            param,
        }
    }

    pub fn missing(param: &str) -> Self {
        Self::invalid(
            "parameter_missing",
            format!("Missing required param: {param}."),
            Some(param.to_owned()),
        )
    }

    pub fn not_found(kind: &str, id: &str) -> Self {
        Self {
            status: 404,
            error_type: "invalid_request_error",
            code: "resource_missing",
            message: format!("No such {kind}: '{id}'"),
            param: Some("id".into()),
        }
    }

    pub fn body(&self) -> Value {
        let mut error =
            json!({ "type": self.error_type, "code": self.code, "message": self.message });
        if let Some(param) = &self.param {
            error["param"] = json!(param);
        }
        json!({ "error": error })
    }
}

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
    pub idempotency: HashMap<String, StoredResponse>,
    pub requests: Vec<RecordedRequest>,
    pub faults: Vec<FaultRule>,
    pub auto_action: Option<AutoAction>,
}

impl Store {
    pub fn create_product(&mut self, body: &Value) -> Result<Value, ApiError> {
        let params = object(body)?;
        let product = self.new_product(params, "")?;
        Ok(product)
    }

    fn new_product(
        &mut self,
        params: &Map<String, Value>,
        param_prefix: &str,
    ) -> Result<Value, ApiError> {
        let name = required_string(params, "name", param_prefix)?;
        let now = now_ms();
        let product = json!({
            "id": new_id("prod"),
            "object": "product",
            "created": now,
            "active": optional_bool(params, "active", param_prefix)?.unwrap_or(true),
            "description": optional_string(params, "description", param_prefix)?,
            "metadata": metadata(params, param_prefix)?,
            "name": name,
            "livemode": false,
            "url": optional_string(params, "url", param_prefix)?,
            "updated": now,
            "images": params.get("images").cloned().unwrap_or(Value::Null),
        });
        self.products.insert(
            product["id"].as_str().unwrap_or_default().to_owned(),
            product.clone(),
        );
        Ok(product)
    }

    pub fn product(&self, id: &str) -> Result<Value, ApiError> {
        self.products
            .get(id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("product", id))
    }

    pub fn create_price(&mut self, body: &Value) -> Result<Value, ApiError> {
        let params = object(body)?;
        let price = self.new_price(params, "")?;
        self.render_price(&price)
    }

    /// A price from `params` (a create body or a line item's `price_data`), stored with its product id.
    fn new_price(&mut self, params: &Map<String, Value>, prefix: &str) -> Result<Value, ApiError> {
        let currency = currency(params, prefix)?;
        let unit_amount = integer(params, "unit_amount", prefix)?;
        if unit_amount < 0 {
            return Err(ApiError::invalid(
                "parameter_invalid",
                "unit_amount must be a non-negative integer",
                Some(format!("{prefix}unit_amount")),
            ));
        }
        let product_id = match (params.get("product"), params.get("product_data")) {
            (Some(Value::String(id)), _) => {
                if !self.products.contains_key(id) {
                    return Err(ApiError::invalid(
                        "resource_missing",
                        format!("No such product: '{id}'"),
                        Some(format!("{prefix}product")),
                    ));
                }
                id.clone()
            }
            (_, Some(Value::Object(data))) => {
                let nested = if prefix.is_empty() {
                    "product_data[".to_owned()
                } else {
                    format!("{prefix}product_data][")
                };
                let product = self.new_product(data, &nested)?;
                product["id"].as_str().unwrap_or_default().to_owned()
            }
            _ => {
                return Err(ApiError::invalid(
                    "parameter_missing",
                    "Provide either product or product_data.",
                    Some(format!("{prefix}product")),
                ));
            }
        };
        let price = json!({
            "id": new_id("price"),
            "object": "price",
            "created": now_ms(),
            "active": optional_bool(params, "active", prefix)?.unwrap_or(true),
            "currency": currency,
            "metadata": metadata(params, prefix)?,
            "nickname": optional_string(params, "nickname", prefix)?,
            "product": product_id,
            "type": "one_time",
            "livemode": false,
            "unit_amount": unit_amount,
            "billing_scheme": "per_unit",
            "lookup_key": optional_string(params, "lookup_key", prefix)?,
        });
        self.prices.insert(
            price["id"].as_str().unwrap_or_default().to_owned(),
            price.clone(),
        );
        Ok(price)
    }

    fn render_price(&self, price: &Value) -> Result<Value, ApiError> {
        let mut rendered = price.clone();
        let product_id = price["product"].as_str().unwrap_or_default();
        rendered["product"] = self.product(product_id)?;
        Ok(rendered)
    }

    pub fn price(&self, id: &str) -> Result<Value, ApiError> {
        let price = self
            .prices
            .get(id)
            .ok_or_else(|| ApiError::not_found("price", id))?;
        self.render_price(price)
    }

    pub fn create_session(
        &mut self,
        body: &Value,
        public_base_url: &str,
        publishable_key: &str,
    ) -> Result<Value, ApiError> {
        let params = object(body)?;
        match params.get("mode") {
            None => return Err(ApiError::missing("mode")),
            Some(Value::String(mode)) if mode == "payment" => {}
            Some(_) => {
                return Err(ApiError::invalid(
                    "parameter_invalid",
                    "mode must be \"payment\"",
                    Some("mode".into()),
                ));
            }
        }
        let success_url = required_string(params, "success_url", "")?;
        let cancel_url = required_string(params, "cancel_url", "")?;
        let client_reference_id = optional_string(params, "client_reference_id", "")?;
        if client_reference_id
            .as_ref()
            .is_some_and(|id| id.len() > 200)
        {
            return Err(ApiError::invalid(
                "parameter_invalid",
                "client_reference_id must be at most 200 characters",
                Some("client_reference_id".into()),
            ));
        }
        let items = match params.get("line_items") {
            Some(Value::Array(items)) if !items.is_empty() => items,
            Some(Value::Array(_)) | None => return Err(ApiError::missing("line_items")),
            Some(_) => {
                return Err(ApiError::invalid(
                    "parameter_invalid",
                    "line_items must be an array",
                    Some("line_items".into()),
                ));
            }
        };
        // Validate every line before creating anything, so a bad request leaves no stray objects.
        for (index, item) in items.iter().enumerate() {
            self.check_line_item(item, index)?;
        }
        let mut currency: Option<String> = None;
        let mut line_items = Vec::new();
        let mut total: i64 = 0;
        for (index, item) in items.iter().enumerate() {
            let prefix = format!("line_items[{index}][");
            let item = object(item)?;
            let quantity = integer(item, "quantity", &prefix)?;
            let price = match item.get("price") {
                Some(Value::String(id)) => self.prices.get(id).cloned().expect("checked above"),
                _ => {
                    let data = item
                        .get("price_data")
                        .and_then(Value::as_object)
                        .expect("checked above");
                    self.new_price(data, &format!("{prefix}price_data]["))?
                }
            };
            let line_currency = price["currency"].as_str().unwrap_or_default().to_owned();
            if currency.get_or_insert_with(|| line_currency.clone()) != &line_currency {
                return Err(ApiError::invalid(
                    "parameter_invalid",
                    "All line items must use the same currency.",
                    Some(format!("{prefix}price]")),
                ));
            }
            let amount = price["unit_amount"]
                .as_i64()
                .unwrap_or(0)
                .checked_mul(quantity)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "parameter_invalid",
                        "amount too large",
                        Some(format!("{prefix}quantity]")),
                    )
                })?;
            total = total.checked_add(amount).ok_or_else(|| {
                ApiError::invalid(
                    "parameter_invalid",
                    "amount too large",
                    Some("line_items".into()),
                )
            })?;
            let rendered = self.render_price(&price)?;
            line_items.push(json!({
                "id": new_id("li"),
                "object": "item",
                "currency": line_currency,
                "description": rendered["product"]["name"],
                "price": rendered,
                "quantity": quantity,
                "amount_subtotal": amount,
                "amount_total": amount,
            }));
        }
        if total <= 0 || total > 99_999_999 {
            return Err(ApiError::invalid(
                "amount_too_small",
                "The total must be between 1 and 99999999 minor units.",
                Some("line_items".into()),
            ));
        }
        let currency = currency.unwrap_or_default();
        let created = now_ms();
        let digits = super::ids::snowflake();
        let intent_id = new_id("pi");
        let client_secret = format!("{intent_id}_secret_{}", random_token(24));
        let metadata = metadata(params, "")?;
        self.intents.insert(
            intent_id.clone(),
            json!({
                "id": intent_id,
                "object": "payment_intent",
                "amount": total,
                "amount_received": 0,
                "currency": currency,
                "status": "requires_payment_method",
                "created": created,
                "livemode": false,
                "metadata": metadata,
                "last_payment_error": null,
                "client_secret": client_secret,
            }),
        );
        let session = json!({
            "id": format!("cs_{digits}"),
            "object": "checkout.session",
            "created": created,
            "currency": currency,
            "customer": "",
            "mode": "payment",
            "livemode": false,
            "shipping": null,
            "status": "open",
            "url": format!("{public_base_url}/pay/cs_test_{digits}?key={publishable_key}"),
            "cancel_url": cancel_url,
            "client_reference_id": client_reference_id,
            "customer_email": optional_string(params, "customer_email", "")?,
            "line_items": { "object": "list", "data": line_items, "url": null, "has_more": null },
            "payment_intent": intent_id,
            "payment_method_types": params.get("payment_method_types").cloned().unwrap_or(Value::Null),
            "payment_status": "unpaid",
            "success_url": success_url,
            "amount_subtotal": total,
            "amount_total": total,
            "billing_address_collection": "auto",
            "expires_at": created + SESSION_LIFETIME_MS,
            "payment_link": "",
            "payment_method_options": null,
            "phone_number_collection": null,
            "shipping_address_collection": null,
            "client_secret": client_secret,
            "metadata": metadata,
        });
        self.sessions.push(Session {
            value: session.clone(),
            auto: self.auto_action.clone(),
            retrieves: 0,
        });
        Ok(session)
    }

    fn check_line_item(&self, item: &Value, index: usize) -> Result<(), ApiError> {
        let prefix = format!("line_items[{index}][");
        let item = item.as_object().ok_or_else(|| {
            ApiError::invalid(
                "parameter_invalid",
                "each line item must be an object",
                Some(format!("line_items[{index}]")),
            )
        })?;
        let quantity = integer(item, "quantity", &prefix)?;
        if quantity < 1 {
            return Err(ApiError::invalid(
                "parameter_invalid",
                "quantity must be at least 1",
                Some(format!("{prefix}quantity]")),
            ));
        }
        match (item.get("price"), item.get("price_data")) {
            (Some(Value::String(id)), None) => match self.prices.get(id) {
                Some(price) if price["active"] != false => Ok(()),
                Some(_) => Err(ApiError::invalid(
                    "parameter_invalid",
                    format!("Price '{id}' is not active"),
                    Some(format!("{prefix}price]")),
                )),
                None => Err(ApiError::invalid(
                    "resource_missing",
                    format!("No such price: '{id}'"),
                    Some(format!("{prefix}price]")),
                )),
            },
            (None, Some(Value::Object(data))) => {
                currency(data, &format!("{prefix}price_data]["))?;
                integer(data, "unit_amount", &format!("{prefix}price_data]["))?;
                if let Some(Value::Object(product)) = data.get("product_data") {
                    required_string(
                        product,
                        "name",
                        &format!("{prefix}price_data][product_data]["),
                    )?;
                }
                Ok(())
            }
            _ => Err(ApiError::invalid(
                "parameter_missing",
                "Each line item needs exactly one of price or price_data.",
                Some(format!("{prefix}price]")),
            )),
        }
    }

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

    pub fn list_sessions(&mut self, limit: usize) -> Value {
        let ids: Vec<String> = self
            .sessions
            .iter()
            .rev()
            .take(limit)
            .filter_map(|s| s.value["id"].as_str().map(str::to_owned))
            .collect();
        let data: Vec<Value> = ids
            .iter()
            .filter_map(|id| self.session(id, false).ok())
            .collect();
        json!({
            "object": "list",
            "data": data,
            "has_more": self.sessions.len() > limit,
            "url": "/v1/checkout/sessions/list",
        })
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

fn object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| {
        ApiError::invalid(
            "parameter_invalid",
            "The request body must be a JSON object.",
            None,
        )
    })
}

fn required_string(
    params: &Map<String, Value>,
    key: &str,
    prefix: &str,
) -> Result<String, ApiError> {
    match params.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(ApiError::missing(&param_name(prefix, key)))
        }
        Some(_) => Err(ApiError::invalid(
            "parameter_invalid",
            format!("{key} must be a string"),
            Some(param_name(prefix, key)),
        )),
    }
}

fn optional_string(
    params: &Map<String, Value>,
    key: &str,
    prefix: &str,
) -> Result<Option<String>, ApiError> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid(
            "parameter_invalid",
            format!("{key} must be a string"),
            Some(param_name(prefix, key)),
        )),
    }
}

fn optional_bool(
    params: &Map<String, Value>,
    key: &str,
    prefix: &str,
) -> Result<Option<bool>, ApiError> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid(
            "parameter_invalid",
            format!("{key} must be a boolean"),
            Some(param_name(prefix, key)),
        )),
    }
}

fn integer(params: &Map<String, Value>, key: &str, prefix: &str) -> Result<i64, ApiError> {
    match params.get(key) {
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64().unwrap_or_default()),
        None | Some(Value::Null) => Err(ApiError::missing(&param_name(prefix, key))),
        Some(_) => Err(ApiError::invalid(
            "parameter_invalid",
            format!("{key} must be an integer"),
            Some(param_name(prefix, key)),
        )),
    }
}

fn currency(params: &Map<String, Value>, prefix: &str) -> Result<String, ApiError> {
    let code = required_string(params, "currency", prefix)?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ApiError::invalid(
            "parameter_invalid",
            format!("Invalid currency: {code}. Use a three-letter ISO 4217 code."),
            Some(param_name(prefix, "currency")),
        ));
    }
    Ok(code.to_ascii_uppercase())
}

/// Metadata values are strings, as in Stripe.
fn metadata(params: &Map<String, Value>, prefix: &str) -> Result<Value, ApiError> {
    match params.get("metadata") {
        None | Some(Value::Null) => Ok(json!({})),
        Some(Value::Object(map)) if map.values().all(Value::is_string) => {
            Ok(Value::Object(map.clone()))
        }
        Some(_) => Err(ApiError::invalid(
            "parameter_invalid",
            "metadata must be an object of string values",
            Some(param_name(prefix, "metadata")),
        )),
    }
}

fn param_name(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}{key}]")
    }
}
