//! The simulator follows the WooshPay contract, checked over real HTTP with a plain HTTP client.

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use wooshpay_kiosk::simulator::{Fault, FaultRule, Simulator};

struct Api {
    sim: Simulator,
    http: reqwest::Client,
}

impl Api {
    async fn new() -> Self {
        Self {
            sim: common::simulator().await,
            http: common::http_client(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.api_base_url())
    }

    async fn post(
        &self,
        path: &str,
        body: Value,
        key: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .http
            .post(self.url(path))
            .basic_auth(common::KEY, Some(""))
            .json(&body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.json().await.unwrap())
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(self.url(path))
            .basic_auth(common::KEY, Some(""))
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap())
    }
}

fn inline_session(name: &str, amount: i64, quantity: i64) -> Value {
    json!({
        "mode": "payment",
        "success_url": "https://shop.example/ok",
        "cancel_url": "https://shop.example/no",
        "client_reference_id": "k-1",
        "metadata": { "kiosk_id": "k" },
        "line_items": [{ "quantity": quantity, "price_data": {
            "currency": "GBP", "unit_amount": amount, "product_data": { "name": name } } }]
    })
}

#[tokio::test]
async fn wrong_or_publishable_keys_get_401_with_the_error_envelope_and_no_echo() {
    let api = Api::new().await;
    for key in ["sk_test_wrongwrongwrong1234", "pk_test_whatever"] {
        let response = api
            .http
            .get(api.url("/v1/checkout/sessions/list"))
            .basic_auth(key, Some(""))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["code"], "api_key_invalid");
        assert!(!body.to_string().contains(key), "{body}");
    }
    let unauthenticated = api
        .http
        .get(api.url("/v1/products/prod_1"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}

#[tokio::test]
async fn products_and_prices_follow_the_guide_in_both_variants() {
    let api = Api::new().await;
    let (status, _, product) = api
        .post(
            "/v1/products",
            json!({"name": "Tea", "metadata": {"a": "b"}}),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let product_id = product["id"].as_str().unwrap();
    assert!(
        product_id.starts_with("prod_") && product_id.len() == "prod_".len() + 19,
        "{product_id}"
    );
    assert!(
        product["created"].as_i64().unwrap() > 1_000_000_000_000,
        "milliseconds"
    );

    let (status, _, price) = api
        .post(
            "/v1/prices",
            json!({"currency": "GBP", "unit_amount": 250, "product": product_id}),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        price["product"]["id"], product_id,
        "the product is embedded"
    );
    assert_eq!(price["type"], "one_time");
    let (_, _, inline) = api
        .post(
            "/v1/prices",
            json!({"currency": "GBP", "unit_amount": 5, "product_data": {"name": "Bun"}}),
            None,
        )
        .await;
    assert_eq!(inline["product"]["name"], "Bun");
    let (status, fetched) = api
        .get(&format!("/v1/prices/{}", price["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        (status, fetched["unit_amount"].as_i64()),
        (StatusCode::OK, Some(250))
    );

    let (status, _, error) = api
        .post(
            "/v1/prices",
            json!({"currency": "GBP", "unit_amount": 5, "product": "prod_404"}),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(error["error"]["param"], "product");
}

#[tokio::test]
async fn sessions_embed_line_items_and_a_payment_intent() {
    let api = Api::new().await;
    let (status, _, session) = api
        .post(
            "/v1/checkout/sessions",
            inline_session("Latte", 340, 2),
            Some("k1"),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let id = session["id"].as_str().unwrap();
    let digits = id.strip_prefix("cs_").unwrap();
    let url = session["url"].as_str().unwrap();
    assert!(
        url.contains(&format!("/pay/cs_test_{digits}?key=pk_test_")),
        "{url}"
    );
    assert_eq!(session["amount_total"], 680);
    assert_eq!(
        session["line_items"]["data"][0]["price"]["product"]["name"],
        "Latte"
    );
    assert!(session["line_items"]["has_more"].is_null());
    assert_eq!(session["customer"], "");
    assert_eq!(
        session["expires_at"].as_i64().unwrap() - session["created"].as_i64().unwrap(),
        86_400_000
    );
    let intent_id = session["payment_intent"].as_str().unwrap();
    let (_, intent) = api.get(&format!("/v1/payment_intents/{intent_id}")).await;
    assert_eq!(intent["status"], "requires_payment_method");
    assert_eq!(intent["amount"], 680);

    for (body, param) in [
        (
            json!({"mode": "payment", "success_url": "a", "cancel_url": "b"}),
            "line_items",
        ),
        (inline_session("X", 5, 0), "line_items[0][quantity]"),
        (
            json!({"success_url": "a", "cancel_url": "b", "line_items": []}),
            "mode",
        ),
    ] {
        let (status, _, error) = api.post("/v1/checkout/sessions", body, None).await;
        assert_eq!(status, 400);
        assert_eq!(error["error"]["param"], param, "{error}");
    }
}

#[tokio::test]
async fn idempotency_replays_and_refuses_a_different_body() {
    let api = Api::new().await;
    let (_, _, first) = api
        .post(
            "/v1/checkout/sessions",
            inline_session("Latte", 340, 1),
            Some("same-key"),
        )
        .await;
    let (status, headers, replay) = api
        .post(
            "/v1/checkout/sessions",
            inline_session("Latte", 340, 1),
            Some("same-key"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(replay["id"], first["id"]);
    assert_eq!(headers.get("idempotent-replayed").unwrap(), "true");
    let (status, _, error) = api
        .post(
            "/v1/checkout/sessions",
            inline_session("Latte", 340, 2),
            Some("same-key"),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(error["error"]["type"], "idempotency_error");
    assert_eq!(api.sim.sessions().len(), 1);
}

#[tokio::test]
async fn expire_only_from_open_and_pay_and_decline_change_the_right_fields() {
    let api = Api::new().await;
    let (_, _, a) = api
        .post("/v1/checkout/sessions", inline_session("A", 100, 1), None)
        .await;
    let (_, _, b) = api
        .post("/v1/checkout/sessions", inline_session("B", 100, 1), None)
        .await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());

    api.sim.decline(b).unwrap();
    let (_, declined) = api.get(&format!("/v1/checkout/sessions/{b}")).await;
    assert_eq!(
        (
            declined["status"].as_str(),
            declined["payment_status"].as_str()
        ),
        (Some("open"), Some("unpaid"))
    );
    let (_, intent) = api
        .get(&format!(
            "/v1/payment_intents/{}",
            declined["payment_intent"].as_str().unwrap()
        ))
        .await;
    assert_eq!(intent["status"], "failed");
    assert_eq!(intent["last_payment_error"]["code"], "card_declined");

    api.sim.pay(a).unwrap();
    let (_, paid) = api.get(&format!("/v1/checkout/sessions/{a}")).await;
    assert_eq!(
        (paid["status"].as_str(), paid["payment_status"].as_str()),
        (Some("complete"), Some("paid"))
    );
    let (status, _, error) = api
        .post(
            &format!("/v1/checkout/sessions/{a}/expire"),
            json!({}),
            None,
        )
        .await;
    assert_eq!(status, 400, "a paid session cannot be expired");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("complete")
    );

    let (status, _, expired) = api
        .post(
            &format!("/v1/checkout/sessions/{b}/expire"),
            json!({}),
            None,
        )
        .await;
    assert_eq!(
        (status, expired["status"].as_str()),
        (StatusCode::OK, Some("expired"))
    );
    assert!(api.sim.pay(b).is_err(), "an expired session cannot be paid");
}

#[tokio::test]
async fn faults_are_served_as_scripted() {
    let api = Api::new().await;
    let rule = |fault| FaultRule {
        method: Some("GET".into()),
        path: "/v1/checkout/sessions/list".into(),
        count: 1,
        after_processing: false,
        fault,
    };
    api.sim.inject(rule(Fault::Status {
        status: 503,
        retry_after_s: Some(7),
    }));
    api.sim.inject(rule(Fault::HtmlError { status: 502 }));
    api.sim.inject(rule(Fault::MalformedJson));
    api.sim.inject(rule(Fault::Drop));
    let list = || {
        api.http
            .get(api.url("/v1/checkout/sessions/list"))
            .basic_auth(common::KEY, Some(""))
            .send()
    };

    let response = list().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "7");
    let response = list().await.unwrap();
    assert_eq!(response.status(), 502);
    assert!(
        response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let response = list().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(serde_json::from_slice::<Value>(&response.bytes().await.unwrap()).is_err());
    assert!(
        list().await.is_err(),
        "a dropped connection is a transport error"
    );
    assert_eq!(
        list().await.unwrap().status(),
        200,
        "rules are spent after their count"
    );
}

#[tokio::test]
async fn the_pay_page_shows_the_sale_and_pays_it() {
    let api = Api::new().await;
    let (_, _, session) = api
        .post(
            "/v1/checkout/sessions",
            inline_session("Flat <white>", 330, 2),
            None,
        )
        .await;
    let url = session["url"].as_str().unwrap();
    let page = api.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("name=viewport"));
    assert!(html.contains("2 × Flat &lt;white&gt;"), "escaped item name");
    assert!(html.contains("£6.60"));
    assert!(html.contains(">Pay £6.60</button>") && html.contains(">Decline</button>"));
    assert!(html.contains("TEST MODE"));

    let wrong = url.split("?key=").next().unwrap().to_owned() + "?key=pk_test_nope";
    assert_eq!(api.http.get(wrong).send().await.unwrap().status(), 403);

    let page_path = url.split('?').next().unwrap();
    let form: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("key", &api.sim.publishable_key())
        .finish();
    let paid = api
        .http
        .post(format!("{page_path}/pay"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert!(paid.text().await.unwrap().contains("Payment successful"));
    assert_eq!(api.sim.sessions()[0]["payment_status"], "paid");
}

#[tokio::test]
async fn control_endpoints_drive_sessions_for_black_box_tests() {
    let api = Api::new().await;
    let (_, _, session) = api
        .post("/v1/checkout/sessions", inline_session("A", 100, 1), None)
        .await;
    let id = session["id"].as_str().unwrap();
    let control = format!("{}/_sim", api.sim.api_base_url());
    let expire = api
        .http
        .post(format!("{control}/sessions/{id}/expire"))
        .send()
        .await
        .unwrap();
    assert_eq!(expire.status(), 200);
    let again = api
        .http
        .post(format!("{control}/sessions/{id}/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let missing = api
        .http
        .post(format!("{control}/sessions/cs_1/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let fault = json!({"method": "GET", "path": "/v1/checkout/sessions/*", "count": 1, "fault": {"kind": "status", "status": 500, "retry_after_s": null}});
    assert_eq!(
        api.http
            .post(format!("{control}/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(api.get(&format!("/v1/checkout/sessions/{id}")).await.0, 500);
    let requests: Vec<Value> = api
        .http
        .get(format!("{control}/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(requests.last().unwrap()["fault"], "status 500");
}
