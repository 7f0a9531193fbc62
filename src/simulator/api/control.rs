//! `/_sim/`: what tests use to see the sessions and requests, pay or expire a session, and set faults.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::simulator::faults::FaultRule;
use crate::simulator::{AutoAction, RefundSettlement, SessionAction, Shared, SimError};

pub(super) async fn control_sessions(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.store().all_sessions()).into_response()
}

pub(super) async fn control_requests(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.store().requests.clone()).into_response()
}

pub(super) async fn control_action(
    State(shared): State<Arc<Shared>>,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let action = match action.as_str() {
        "pay" => SessionAction::Pay,
        "decline" => SessionAction::Decline,
        "expire" => SessionAction::Expire,
        other => {
            return (
                StatusCode::NOT_FOUND,
                axum::Json(json!({ "error": format!("unknown action {other:?}") })),
            )
                .into_response();
        }
    };
    match shared.store().apply(&id, action) {
        Ok(()) => axum::Json(json!({ "ok": true })).into_response(),
        Err(error @ SimError::NotFound(_)) => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": error.to_string() })),
        )
            .into_response(),
        Err(error @ SimError::NotOpen { .. }) => (
            StatusCode::CONFLICT,
            axum::Json(json!({ "error": error.to_string() })),
        )
            .into_response(),
    }
}

pub(super) async fn control_add_fault(
    State(shared): State<Arc<Shared>>,
    axum::Json(rule): axum::Json<FaultRule>,
) -> Response {
    shared.store().faults.push(rule);
    axum::Json(json!({ "ok": true })).into_response()
}

pub(super) async fn control_clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.store().faults.clear();
    axum::Json(json!({ "ok": true })).into_response()
}

pub(super) async fn control_auto(
    State(shared): State<Arc<Shared>>,
    axum::Json(auto): axum::Json<Option<AutoAction>>,
) -> Response {
    shared.store().auto_action = auto;
    axum::Json(json!({ "ok": true })).into_response()
}

pub(super) async fn control_refunds(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.store().all_refunds()).into_response()
}

/// `{"settlement": "pending"}`: how the next refunds come out.
pub(super) async fn control_refund_settlement(
    State(shared): State<Arc<Shared>>,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> Response {
    match serde_json::from_value::<RefundSettlement>(body["settlement"].clone()) {
        Ok(settlement) => {
            shared.store().refund_settlement = settlement;
            axum::Json(json!({ "ok": true })).into_response()
        }
        Err(error) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": format!("settlement: {error}; expected succeed, pending or fail") })),
        )
            .into_response(),
    }
}

/// Settles a pending refund: `succeeded`, `failed` or `canceled`.
pub(super) async fn control_settle_refund(
    State(shared): State<Arc<Shared>>,
    Path((id, status)): Path<(String, String)>,
) -> Response {
    if !["succeeded", "failed", "canceled"].contains(&status.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": format!("unknown refund status {status:?}") })),
        )
            .into_response();
    }
    match shared.store().settle_refund(&id, &status) {
        Ok(refund) => axum::Json(refund).into_response(),
        Err(error) => (
            StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST),
            axum::Json(error.body()),
        )
            .into_response(),
    }
}
