//! Reading an answer: the body as the expected type or as WooshPay's error envelope, `Retry-After`, and
//! transport failures named by their whole cause chain.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;

use super::super::error::{ApiErrorBody, Error};

pub(super) fn read_response<T: DeserializeOwned>(
    status: StatusCode,
    retry_after: Option<Duration>,
    location: Option<String>,
    bytes: &[u8],
) -> Result<T, Error> {
    let code = status.as_u16();
    if status.is_redirection() {
        return Err(Error::Redirect {
            status: code,
            location: location.unwrap_or_else(|| "(no Location)".to_owned()),
        });
    }
    if status.is_success() {
        return serde_json::from_slice(bytes).map_err(|e| Error::Decode {
            status: code,
            detail: e.to_string(),
        });
    }
    match ApiErrorBody::parse(bytes) {
        Some(body) if code == 401 => Err(Error::Authentication { status: code, body }),
        Some(body) => Err(Error::Api {
            status: code,
            body,
            retry_after,
        }),
        None if code == 401 => Err(Error::Authentication {
            status: code,
            body: ApiErrorBody::default(),
        }),
        None => Err(Error::UnexpectedResponse {
            status: code,
            snippet: snippet(bytes),
            retry_after,
        }),
    }
}

/// The start of an unexpected body, on one line, for the log: enough to tell a proxy page from an outage.
pub(super) fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(160)]);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        "(empty body)".to_owned()
    } else {
        one_line
    }
}

pub(super) fn parse_retry_after(value: &HeaderValue) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

pub(super) fn transport_error(error: reqwest::Error) -> Error {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "connection error"
    };
    Error::Transport(format!("{kind}: {}", error_chain(&error)))
}

pub(super) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
