//! JSON answers: a body with its status and content type, and an API error's envelope as bytes.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::simulator::store::ApiError;

pub(super) fn json_response(status: u16, body: &[u8]) -> Response {
    let mut response = Response::new(Body::from(body.to_vec()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub(super) fn error_bytes(error: &ApiError) -> Vec<u8> {
    serde_json::to_vec(&error.body()).unwrap_or_default()
}
