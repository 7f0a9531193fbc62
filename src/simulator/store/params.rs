//! Reading request parameters as WooshPay does, and the errors it answers with when they are wrong.

use serde_json::{Map, Value, json};

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

pub(super) fn object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| {
        ApiError::invalid(
            "parameter_invalid",
            "The request body must be a JSON object.",
            None,
        )
    })
}

pub(super) fn required_string(
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

pub(super) fn optional_string(
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

pub(super) fn optional_bool(
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

pub(super) fn integer(
    params: &Map<String, Value>,
    key: &str,
    prefix: &str,
) -> Result<i64, ApiError> {
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

pub(super) fn currency(params: &Map<String, Value>, prefix: &str) -> Result<String, ApiError> {
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
pub(super) fn metadata(params: &Map<String, Value>, prefix: &str) -> Result<Value, ApiError> {
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

pub(super) fn param_name(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}{key}]")
    }
}
