//! Routing: the WooshPay API under `/v1/`, the pay page under `/pay/`, test controls under `/_sim/`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use super::faults::{Fault, FaultRule};
use super::server::ConnectionCutter;
use super::store::{ApiError, StoredResponse};
use super::{AutoAction, RecordedRequest, SessionAction, Shared, SimError};

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sim/sessions", get(control_sessions))
        .route("/_sim/sessions/{id}/{action}", post(control_action))
        .route("/_sim/requests", get(control_requests))
        .route(
            "/_sim/faults",
            post(control_add_fault).delete(control_clear_faults),
        )
        .route("/_sim/auto", put(control_auto))
        .route("/pay/{page_id}", get(super::pay_page::show))
        .route("/pay/{page_id}/{action}", post(super::pay_page::act))
        .route("/thanks", get(super::pay_page::thanks))
        .route("/cancelled", get(super::pay_page::cancelled))
        .fallback(api)
        .with_state(shared)
}

fn json_response(status: u16, body: &[u8]) -> Response {
    let mut response = Response::new(Body::from(body.to_vec()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn error_bytes(error: &ApiError) -> Vec<u8> {
    serde_json::to_vec(&error.body()).unwrap_or_default()
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
        ("GET", ["v1", "checkout", "sessions", "list"]) => Ok(store.list_sessions(limit(query))),
        ("GET", ["v1", "checkout", "sessions", id]) => store.session(id, true),
        ("GET", ["v1", "checkout", "sessions", id, "line_items"]) => store.line_items(id),
        ("POST", ["v1", "checkout", "sessions", id, "expire"]) => store.expire_session(id),
        ("GET", ["v1", "payment_intents", id]) => store.intent(id),
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

fn limit(query: &str) -> usize {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "limit")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(1, 100)
}

fn take_fault(shared: &Shared, method: &str, path: &str) -> Option<FaultRule> {
    let mut store = shared.store();
    let rule = store
        .faults
        .iter_mut()
        .find(|rule| rule.matches(method, path))?;
    rule.count -= 1;
    Some(rule.clone())
}

/// A JSON object answer with the rule's fields set; anything else is sent unchanged.
fn mutated(bytes: &[u8], set: &serde_json::Map<String, Value>) -> Vec<u8> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) if value.is_object() => {
            for (path, field) in set {
                super::faults::set_path(&mut value, path, field.clone());
            }
            serde_json::to_vec(&value).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    }
}

fn fault_status(fault: &Fault) -> u16 {
    match fault {
        Fault::Status { status, .. }
        | Fault::HtmlError { status }
        | Fault::Redirect { status, .. } => *status,
        Fault::Drop => 0,
        _ => 200,
    }
}

async fn serve_fault(
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

fn slow_body(status: u16, bytes: Vec<u8>, ms: u64) -> Response {
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

fn basic_user(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let credentials = String::from_utf8(decoded).ok()?;
    Some(
        credentials
            .split_once(':')
            .map_or(credentials.as_str(), |(user, _)| user)
            .to_owned(),
    )
}

fn is_authorised(headers: &HeaderMap, secret_key: &str) -> bool {
    basic_user(headers).is_some_and(|user| user == secret_key && !user.starts_with("pk_"))
}

/// As Stripe does: the key's kind and its last four characters, never the whole key.
fn masked_key(headers: &HeaderMap) -> String {
    match basic_user(headers) {
        None => "(none)".to_owned(),
        Some(key) => {
            let prefix = ["sk_test_", "sk_live_", "pk_test_", "pk_live_"]
                .into_iter()
                .find(|p| key.starts_with(p))
                .unwrap_or("");
            let chars: Vec<char> = key.chars().collect();
            let last4: String = if chars.len() > prefix.len() + 8 {
                chars[chars.len() - 4..].iter().collect()
            } else {
                String::new()
            };
            format!("{prefix}****{last4}")
        }
    }
}

async fn control_sessions(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.store().all_sessions()).into_response()
}

async fn control_requests(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.store().requests.clone()).into_response()
}

async fn control_action(
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

async fn control_add_fault(
    State(shared): State<Arc<Shared>>,
    axum::Json(rule): axum::Json<FaultRule>,
) -> Response {
    shared.store().faults.push(rule);
    axum::Json(json!({ "ok": true })).into_response()
}

async fn control_clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    shared.store().faults.clear();
    axum::Json(json!({ "ok": true })).into_response()
}

async fn control_auto(
    State(shared): State<Arc<Shared>>,
    axum::Json(auto): axum::Json<Option<AutoAction>>,
) -> Response {
    shared.store().auto_action = auto;
    axum::Json(json!({ "ok": true })).into_response()
}
