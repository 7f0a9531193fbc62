//! Creating a checkout session: the parameters the contract requires, checked as WooshPay checks them.

use serde_json::{Value, json};

use super::params::{
    ApiError, currency, integer, metadata, object, optional_string, required_string,
};
use super::{SESSION_LIFETIME_MS, Session, Store};
use crate::simulator::ids::{new_id, now_ms, random_token};

impl Store {
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
        let digits = crate::simulator::ids::snowflake();
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
}
