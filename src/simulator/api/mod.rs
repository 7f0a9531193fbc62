//! Routing: the WooshPay API under `/v1/`, the pay page under `/pay/`, test controls under `/_sim/`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{get, post, put};
use serde_json::{Value, json};

mod auth;
mod control;
mod fault_responses;
mod json;

use auth::{is_authorised, masked_key};
use control::{
    control_action, control_add_fault, control_auto, control_clear_faults,
    control_refund_settlement, control_refunds, control_requests, control_sessions,
    control_settle_refund,
};
use fault_responses::{fault_status, mutated, serve_fault, slow_body, take_fault};
use json::{error_bytes, json_response};

use super::faults::Fault;
use super::server::{ConnectionCutter, PeerAddr};
use super::store::{ApiError, StoredResponse};
use super::{RecordedRequest, SessionAction, Shared};

pub fn router(shared: Arc<Shared>) -> Router {
    // The control API scripts the next sale to be paid: it answers this machine only. The pay page and the API
    // stay on every address the simulator listens on (a demo phone needs the pay page).
    let control = Router::new()
        .route("/_sim/sessions", get(control_sessions))
        .route("/_sim/sessions/{id}/{action}", post(control_action))
        .route("/_sim/requests", get(control_requests))
        .route(
            "/_sim/faults",
            post(control_add_fault).delete(control_clear_faults),
        )
        .route("/_sim/auto", put(control_auto))
        .route("/_sim/refunds", get(control_refunds))
        .route("/_sim/refunds/settlement", put(control_refund_settlement))
        .route("/_sim/refunds/{id}/{status}", post(control_settle_refund))
        .route_layer(axum::middleware::from_fn(loopback_only));
    Router::new()
        .merge(control)
        .route("/pay/{page_id}", get(crate::simulator::pay_page::show))
        .route(
            "/pay/{page_id}/{action}",
            post(crate::simulator::pay_page::act),
        )
        .route("/thanks", get(crate::simulator::pay_page::thanks))
        .route("/cancelled", get(crate::simulator::pay_page::cancelled))
        .fallback(api)
        .with_state(shared)
}

/// 403 for a control request from another host. A request with no known peer (never from the accept loop) is
/// refused too.
async fn loopback_only(request: Request, next: axum::middleware::Next) -> Response {
    let peer = request.extensions().get::<PeerAddr>().map(|p| p.0.ip());
    let local = peer.is_some_and(|ip| match ip {
        std::net::IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
    });
    if local {
        return next.run(request).await;
    }
    tracing::warn!(?peer, path = %request.uri().path(), "simulator: control request from another host refused");
    let body = json!({"error": {"type": "invalid_request_error",
        "message": "the simulator's control API answers this machine only (loopback)"}});
    json_response(403, body.to_string().as_bytes())
}

/// The `/v1/` API: auth, faults, idempotency, the request log, then the endpoint itself.
async fn api(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let idempotency_key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authorised = is_authorised(request.headers(), &shared.secret_key);
    let masked = masked_key(request.headers());
    let cutter = request.extensions().get::<ConnectionCutter>().cloned();
    let at_ms = shared.started.elapsed().as_millis() as u64;
    let bytes = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let body: Option<Value> = serde_json::from_slice(&bytes).ok();

    let record = |status: u16, fault: Option<String>| RecordedRequest {
        method: method.clone(),
        path: path.clone(),
        idempotency_key: idempotency_key.clone(),
        status,
        body: body.clone(),
        fault,
        at_ms,
    };

    if !path.starts_with("/v1/") {
        let error = ApiError::not_found("route", &path);
        return json_response(404, &error_bytes(&error));
    }
    if !authorised {
        let error = ApiError {
            status: 401,
            error_type: "invalid_request_error",
            code: "api_key_invalid",
            message: format!("Invalid API Key provided: {masked}"),
            param: None,
        };
        shared.store().requests.push(record(401, None));
        return json_response(401, &error_bytes(&error));
    }

    let rule = take_fault(&shared, &method, &path);
    // Recorded on arrival, so a request the client gave up on (a timeout) is still seen; the status is filled
    // in when the answer is known and stays 0 when none is sent.
    let index = {
        let mut store = shared.store();
        store
            .requests
            .push(record(0, rule.as_ref().map(|r| r.fault.describe())));
        store.requests.len() - 1
    };
    let set_status = |status: u16| shared.store().requests[index].status = status;
    if let Some(rule) = rule.as_ref().filter(|r| !r.after_processing) {
        match &rule.fault {
            Fault::Delay { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Fault::PayFirst => {
                if let Some(id) = path.split('/').find(|s| s.starts_with("cs_")) {
                    let _ = shared.store().apply(id, SessionAction::Pay);
                }
            }
            Fault::SlowBody { .. } | Fault::Mutate { .. } => {}
            fault => {
                set_status(fault_status(fault));
                return serve_fault(fault, cutter, b"").await;
            }
        }
    }

    let (status, response_bytes, replayed) = handle(
        &shared,
        &method,
        &path,
        &query,
        idempotency_key.as_deref(),
        &bytes,
        body.as_ref(),
    );

    match rule {
        Some(rule)
            if rule.after_processing
                || matches!(rule.fault, Fault::SlowBody { .. } | Fault::Mutate { .. }) =>
        {
            let served_status = match rule.fault {
                Fault::SlowBody { .. }
                | Fault::Delay { .. }
                | Fault::PayFirst
                | Fault::Mutate { .. } => status,
                ref fault => fault_status(fault),
            };
            set_status(served_status);
            match rule.fault {
                Fault::Delay { ms } => {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    finish(status, response_bytes, replayed)
                }
                Fault::PayFirst => finish(status, response_bytes, replayed),
                Fault::SlowBody { ms } => slow_body(status, response_bytes, ms),
                Fault::Mutate { ref set } => {
                    finish(status, mutated(&response_bytes, set), replayed)
                }
                ref fault => serve_fault(fault, cutter, &response_bytes).await,
            }
        }
        _ => {
            set_status(status);
            finish(status, response_bytes, replayed)
        }
    }
}

fn finish(status: u16, bytes: Vec<u8>, replayed: bool) -> Response {
    let mut response = json_response(status, &bytes);
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// Runs the endpoint under the store's lock, applying idempotency to POSTs.
fn handle(
    shared: &Shared,
    method: &str,
    path: &str,
    query: &str,
    idempotency_key: Option<&str>,
    raw: &[u8],
    body: Option<&Value>,
) -> (u16, Vec<u8>, bool) {
    if method == "POST" && !raw.is_empty() && body.is_none() {
        let error = ApiError::invalid(
            "parameter_invalid",
            "The request body is not valid JSON.",
            None,
        );
        return (400, error_bytes(&error), false);
    }
    let empty = json!({});
    let body = body.unwrap_or(&empty);
    let mut store = shared.store();
    let signature = format!("{method} {path}");
    if method == "POST"
        && let Some(key) = idempotency_key
    {
        if key.len() > 255 {
            let error = ApiError::invalid(
                "parameter_invalid",
                "Idempotency-Key must be at most 255 characters.",
                None,
            );
            return (400, error_bytes(&error), false);
        }
        if let Some(stored) = store.idempotency.get(key) {
            if stored.request == signature && &stored.body == body {
                return (stored.status, stored.response.clone(), true);
            }
            let error = ApiError {
                status: 409,
                error_type: "idempotency_error",
                code: "idempotency_key_in_use",
                message: "Keys for idempotent requests can only be used with the same parameters they were first used with.".into(),
                param: None,
            };
            return (409, error_bytes(&error), false);
        }
    }
    let public = shared.public_base_url();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let result = match (method, segments.as_slice()) {
        ("POST", ["v1", "products"]) => store.create_product(body),
        ("GET", ["v1", "products", id]) => store.product(id),
        ("POST", ["v1", "prices"]) => store.create_price(body),
        ("GET", ["v1", "prices", id]) => store.price(id),
        ("POST", ["v1", "checkout", "sessions"]) => {
            store.create_session(body, &public, &shared.publishable_key)
        }
        ("GET", ["v1", "checkout", "sessions", "list"]) => store.list_sessions(
            limit(query),
            query_value(query, "starting_after").as_deref(),
        ),
        ("GET", ["v1", "checkout", "sessions", id]) => store.session(id, true),
        ("GET", ["v1", "checkout", "sessions", id, "line_items"]) => store.line_items(id),
        ("POST", ["v1", "checkout", "sessions", id, "expire"]) => store.expire_session(id),
        ("GET", ["v1", "payment_intents", id]) => store.intent(id),
        ("POST", ["v1", "refunds"]) => store.create_refund(body),
        ("GET", ["v1", "refunds"]) => store.list_refunds(
            limit(query),
            query_value(query, "starting_after").as_deref(),
            query_value(query, "payment_intent").as_deref(),
        ),
        ("GET", ["v1", "refunds", id]) => store.refund(id),
        _ => Err(ApiError {
            status: 404,
            error_type: "invalid_request_error",
            code: "resource_missing",
            message: format!("Unrecognized request URL ({method}: {path})."),
            param: None,
        }),
    };
    let (status, bytes) = match result {
        Ok(value) => (200, serde_json::to_vec(&value).unwrap_or_default()),
        Err(error) => (error.status, error_bytes(&error)),
    };
    if method == "POST"
        && status < 500
        && let Some(key) = idempotency_key
    {
        store.idempotency.insert(
            key.to_owned(),
            StoredResponse {
                request: signature,
                body: body.clone(),
                status,
                response: bytes.clone(),
            },
        );
    }
    (status, bytes, false)
}

fn query_value(query: &str, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn limit(query: &str) -> usize {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "limit")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(1, 100)
}
