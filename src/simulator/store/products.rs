//! Products and prices: created on their own or inline with a session's line items.

use serde_json::{Map, Value, json};

use super::Store;
use super::params::{
    ApiError, currency, integer, metadata, object, optional_bool, optional_string, required_string,
};
use crate::simulator::ids::{new_id, now_ms};

impl Store {
    pub fn create_product(&mut self, body: &Value) -> Result<Value, ApiError> {
        let params = object(body)?;
        let product = self.new_product(params, "")?;
        Ok(product)
    }

    pub(super) fn new_product(
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
    pub(super) fn new_price(
        &mut self,
        params: &Map<String, Value>,
        prefix: &str,
    ) -> Result<Value, ApiError> {
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

    pub(super) fn render_price(&self, price: &Value) -> Result<Value, ApiError> {
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
}
