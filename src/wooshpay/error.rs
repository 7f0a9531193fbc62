//! WooshPay's error envelope, and the client's error type.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiErrorType {
    ApiError,
    CardError,
    IdempotencyError,
    InvalidRequestError,
    AuthenticationError,
    RateLimitError,
    #[serde(other)]
    Unknown,
}

/// The body of an error, read from Stripe's nested `{"error":{…}}` or a flat `{type, code, message}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    #[serde(rename = "type")]
    pub error_type: Option<ApiErrorType>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub param: Option<String>,
}

impl ApiErrorBody {
    /// Reads either envelope; `None` when the body is not a JSON error at all (an HTML proxy page, say).
    pub fn parse(body: &[u8]) -> Option<Self> {
        #[derive(Deserialize)]
        struct Nested {
            error: ApiErrorBody,
        }
        if let Ok(nested) = serde_json::from_slice::<Nested>(body) {
            return Some(nested.error);
        }
        let flat = serde_json::from_slice::<ApiErrorBody>(body).ok()?;
        (flat.error_type.is_some() || flat.message.is_some() || flat.code.is_some()).then_some(flat)
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(message) = self.message.as_deref().filter(|m| !m.is_empty()) {
            parts.push(message.to_owned());
        }
        if let Some(code) = self.code.as_deref().filter(|c| !c.is_empty()) {
            parts.push(format!("code {code}"));
        }
        if let Some(param) = self.param.as_deref().filter(|p| !p.is_empty()) {
            parts.push(format!("parameter {param}"));
        }
        if parts.is_empty() {
            "no details given".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

/// What went wrong talking to WooshPay, after any retries.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("WooshPay rejected the secret key (HTTP {status}): {}", body.describe())]
    Authentication { status: u16, body: ApiErrorBody },
    #[error("WooshPay refused the request (HTTP {status}): {}", body.describe())]
    Api {
        status: u16,
        body: ApiErrorBody,
        retry_after: Option<Duration>,
    },
    #[error("WooshPay answered HTTP {status} with a page that is not a WooshPay error: {snippet}")]
    UnexpectedResponse {
        status: u16,
        snippet: String,
        retry_after: Option<Duration>,
    },
    #[error("WooshPay's response could not be read (HTTP {status}): {detail}")]
    Decode { status: u16, detail: String },
    #[error("could not reach WooshPay: {0}")]
    Transport(String),
    /// The kiosk never follows redirects: the request went to the configured origin and nowhere else.
    #[error(
        "WooshPay answered with a redirect (HTTP {status} to {location}), which the kiosk never follows; \
         check [wooshpay] base_url"
    )]
    Redirect { status: u16, location: String },
    /// A refusal that came after an earlier attempt of the same request got no answer: that attempt may have
    /// been carried out, so the refusal does not prove nothing happened.
    #[error("{last} (an earlier attempt got no answer and may have been carried out)")]
    AfterLostAnswer { last: Box<Error> },
    #[error("invalid request: {0}")]
    InvalidInput(String),
}

impl Error {
    /// Worth sending again (with the same idempotency key): rate limits, server errors, unreadable bodies and
    /// transport failures. Other 4xx answers will not change by repeating the request.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } | Error::UnexpectedResponse { status, .. } => {
                *status == 429 || *status >= 500
            }
            Error::Decode { .. } | Error::Transport(_) => true,
            Error::Authentication { .. }
            | Error::InvalidInput(_)
            | Error::Redirect { .. }
            | Error::AfterLostAnswer { .. } => false,
        }
    }

    /// Whether WooshPay may have carried the request out although the kiosk has no answer it can use: true for
    /// everything but a plain refusal (a 4xx other than 409) of a request whose every attempt was answered.
    /// A create that fails this way may have made a session, so its sale is never settled as failed.
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            Error::Authentication { .. } | Error::InvalidInput(_) => false,
            Error::Api { status, .. } => !(400..500).contains(status) || *status == 409,
            Error::UnexpectedResponse { .. }
            | Error::Decode { .. }
            | Error::Transport(_)
            | Error::Redirect { .. }
            | Error::AfterLostAnswer { .. } => true,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } | Error::UnexpectedResponse { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// The gateway could not be reached or did not answer sensibly, as opposed to answering "no".
    pub fn is_connectivity(&self) -> bool {
        self.is_retryable()
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Authentication { status, .. }
            | Error::Api { status, .. }
            | Error::UnexpectedResponse { status, .. }
            | Error::Decode { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            Error::AfterLostAnswer { last } => last.status(),
            Error::Transport(_) | Error::InvalidInput(_) => None,
        }
    }

    pub fn api_error_type(&self) -> Option<ApiErrorType> {
        match self {
            Error::Api { body, .. } | Error::Authentication { body, .. } => body.error_type,
            Error::AfterLostAnswer { last } => last.api_error_type(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_and_flat_envelopes() {
        let nested = br#"{"error":{"type":"invalid_request_error","code":"parameter_missing","message":"Missing","param":"mode"}}"#;
        let body = ApiErrorBody::parse(nested).unwrap();
        assert_eq!(body.error_type, Some(ApiErrorType::InvalidRequestError));
        assert_eq!(body.param.as_deref(), Some("mode"));

        let flat = br#"{"type":"idempotency_error","code":"409","message":"same idempotent key"}"#;
        let body = ApiErrorBody::parse(flat).unwrap();
        assert_eq!(body.error_type, Some(ApiErrorType::IdempotencyError));

        let unknown = br#"{"error":{"type":"brand_new_error","message":"x"}}"#;
        assert_eq!(
            ApiErrorBody::parse(unknown).unwrap().error_type,
            Some(ApiErrorType::Unknown)
        );

        assert!(ApiErrorBody::parse(b"<html><body>502 Bad Gateway</body></html>").is_none());
        assert!(ApiErrorBody::parse(b"{\"id\":\"cs_1\"}").is_none());
    }
}
