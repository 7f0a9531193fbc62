//! `/_sim/`: what tests use to see the sessions and requests, pay or expire a session, and set faults.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::simulator::faults::FaultRule;
use crate::simulator::{AutoAction, SessionAction, Shared, SimError};

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
