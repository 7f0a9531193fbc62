//! Answers a fault rule asks for instead of (or around) the real one: an error status, a changed field, a
//! dropped connection, a slow body.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::json::json_response;
use crate::simulator::Shared;
use crate::simulator::faults::{Fault, FaultRule};
use crate::simulator::server::ConnectionCutter;

pub(super) fn take_fault(shared: &Shared, method: &str, path: &str) -> Option<FaultRule> {
    let mut store = shared.store();
    let rule = store
        .faults
        .iter_mut()
        .find(|rule| rule.matches(method, path))?;
    rule.count -= 1;
    Some(rule.clone())
}

/// A JSON object answer with the rule's fields set; anything else is sent unchanged.
pub(super) fn mutated(bytes: &[u8], set: &serde_json::Map<String, Value>) -> Vec<u8> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) if value.is_object() => {
            for (path, field) in set {
                crate::simulator::faults::set_path(&mut value, path, field.clone());
            }
            serde_json::to_vec(&value).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    }
}

pub(super) fn fault_status(fault: &Fault) -> u16 {
    match fault {
        Fault::Status { status, .. }
        | Fault::HtmlError { status }
        | Fault::Redirect { status, .. } => *status,
        Fault::Drop => 0,
        _ => 200,
    }
}

pub(super) async fn serve_fault(
    fault: &Fault,
    cutter: Option<ConnectionCutter>,
    real_body: &[u8],
) -> Response {
    match fault {
        Fault::Status {
            status,
            retry_after_s,
        } => {
            let (error_type, code) = match *status {
                429 => ("invalid_request_error", "rate_limit"),
                // WooshPay's idempotency conflict: "same idempotent key".
                409 => ("idempotency_error", "idempotency_key_in_use"),
                _ => ("api_error", "simulated_fault"),
            };
            let body = json!({ "error": {
                "type": error_type, "code": code,
                "message": format!("Simulated HTTP {status} from the WooshPay simulator."),
            }});
            let mut response =
                json_response(*status, &serde_json::to_vec(&body).unwrap_or_default());
            if let Some(seconds) = retry_after_s
                && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Fault::HtmlError { status } => {
            let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
            let reason = code.canonical_reason().unwrap_or("Error");
            let page = format!(
                "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            (code, [(header::CONTENT_TYPE, "text/html")], page).into_response()
        }
        Fault::MalformedJson => {
            let truncated = if real_body.len() > 8 {
                real_body[..real_body.len() / 2].to_vec()
            } else {
                br#"{"id": "cs_1580071142008291328", "object": "checkout.sess"#.to_vec()
            };
            json_response(200, &truncated)
        }
        Fault::Drop => {
            if let Some(cutter) = cutter {
                cutter.0.notify_one();
            }
            std::future::pending::<Response>().await
        }
        Fault::Redirect { status, location } => {
            let code = StatusCode::from_u16(*status).unwrap_or(StatusCode::FOUND);
            let mut response = Response::new(Body::empty());
            *response.status_mut() = code;
            if let Ok(value) = HeaderValue::from_str(location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Fault::Delay { .. } | Fault::SlowBody { .. } | Fault::PayFirst | Fault::Mutate { .. } => {
            json_response(200, real_body)
        }
    }
}

pub(super) fn slow_body(status: u16, bytes: Vec<u8>, ms: u64) -> Response {
    const CHUNKS: usize = 10;
    let chunk_size = bytes.len().div_ceil(CHUNKS).max(1);
    let pause = Duration::from_millis(ms / CHUNKS as u64);
    let chunks: Vec<Bytes> = bytes
        .chunks(chunk_size)
        .map(Bytes::copy_from_slice)
        .collect();
    let stream = futures_util::stream::unfold(chunks.into_iter(), move |mut rest| async move {
        let chunk = rest.next()?;
        tokio::time::sleep(pause).await;
        Some((Ok::<Bytes, std::io::Error>(chunk), rest))
    });
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
