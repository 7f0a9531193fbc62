//! The typed client against the simulator: every operation, idempotency keys, and which failures are retried.

mod common;

use std::time::Duration;

use wooshpay_kiosk::secret::SecretKey;
use wooshpay_kiosk::simulator::{Fault, FaultRule, Simulator};
use wooshpay_kiosk::wooshpay::{
    Client, ClientConfig, CreateCheckoutSession, CreateLineItem, CreatePrice, CreateProduct, Error,
    IdempotencyKey, PaymentIntentStatus, RetryPolicy, SessionPaymentStatus, SessionStatus,
};

fn client(sim: &Simulator, key: &str) -> Client {
    let mut config = ClientConfig::new(
        sim.api_base_url().parse().unwrap(),
        SecretKey::parse(key).unwrap(),
    );
    config.retry = RetryPolicy {
        max_retries: 3,
        min_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
    };
    config.request_timeout = Duration::from_secs(2);
    Client::new(config).unwrap()
}

fn session_for(price_id: &str, quantity: i64) -> CreateCheckoutSession {
    CreateCheckoutSession {
        mode: "payment".into(),
        success_url: "https://shop.example/ok".into(),
        cancel_url: "https://shop.example/no".into(),
        line_items: vec![CreateLineItem {
            quantity,
            price: Some(price_id.into()),
            price_data: None,
        }],
        client_reference_id: Some("k-1".into()),
        metadata: None,
        customer_email: None,
        payment_method_types: None,
    }
}

#[tokio::test]
async fn every_operation_round_trips_and_every_post_carries_an_idempotency_key() {
    let sim = common::simulator().await;
    let api = client(&sim, common::KEY);
    let product = api
        .create_product(&CreateProduct {
            name: "Tea".into(),
            ..CreateProduct::default()
        })
        .await
        .unwrap();
    assert_eq!(
        api.retrieve_product(&product.id)
            .await
            .unwrap()
            .name
            .as_deref(),
        Some("Tea")
    );

    let existing = api
        .create_price(&CreatePrice::for_product(&product.id, "GBP", 250))
        .await
        .unwrap();
    let inline = api
        .create_price(&CreatePrice::with_new_product(
            CreateProduct {
                name: "Bun".into(),
                ..CreateProduct::default()
            },
            "GBP",
            300,
        ))
        .await
        .unwrap();
    assert_eq!(existing.product.as_ref().unwrap().id(), product.id);
    assert_ne!(
        inline.product.as_ref().unwrap().id(),
        product.id,
        "product_data made a new product"
    );
    let fetched = api.retrieve_price(&existing.id).await.unwrap();
    assert_eq!(fetched.unit_amount, Some(250));

    let session = api
        .create_checkout_session(&session_for(&existing.id, 3), &IdempotencyKey::generate())
        .await
        .unwrap();
    assert_eq!(session.amount_total, Some(750));
    assert_eq!(session.status, Some(SessionStatus::Open));
    let intent = api
        .retrieve_payment_intent(session.payment_intent_id().unwrap())
        .await
        .unwrap();
    assert_eq!(
        intent.status,
        Some(PaymentIntentStatus::RequiresPaymentMethod)
    );

    sim.pay(&session.id).unwrap();
    let paid = api.retrieve_checkout_session(&session.id).await.unwrap();
    assert_eq!(paid.payment_status, Some(SessionPaymentStatus::Paid));
    assert!(paid.is_paid());

    let other = api
        .create_checkout_session(&session_for(&existing.id, 1), &IdempotencyKey::generate())
        .await
        .unwrap();
    let expired = api.expire_checkout_session(&other.id).await.unwrap();
    assert_eq!(expired.status, Some(SessionStatus::Expired));
    assert_eq!(
        api.list_checkout_sessions(1).await.unwrap().data[0].id,
        other.id
    );

    let posts: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 6);
    assert!(
        posts.iter().all(|r| r.idempotency_key.is_some()),
        "{posts:?}"
    );
}

#[tokio::test]
async fn a_rejected_key_is_an_authentication_error_and_is_not_retried() {
    let sim = common::simulator().await;
    let api = client(&sim, "sk_test_someone_elses_key");
    let error = api.list_checkout_sessions(1).await.unwrap_err();
    assert!(
        matches!(error, Error::Authentication { status: 401, .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains("someone_elses"), "{error}");
    assert_eq!(sim.requests().len(), 1);
}

#[tokio::test]
async fn other_4xx_answers_are_not_retried() {
    let sim = common::simulator().await;
    let api = client(&sim, common::KEY);
    let error = api.retrieve_checkout_session("cs_404").await.unwrap_err();
    assert!(matches!(error, Error::Api { status: 404, .. }), "{error:?}");
    let error = api
        .create_checkout_session(&session_for("price_404", 1), &IdempotencyKey::generate())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Api { status: 400, .. }), "{error:?}");
    assert!(
        error.to_string().contains("line_items[0][price]"),
        "names the parameter: {error}"
    );
    assert_eq!(sim.requests().len(), 2, "one attempt each");
}

#[tokio::test]
async fn server_errors_and_garbled_bodies_are_retried_with_the_same_key_until_they_pass() {
    let sim = common::simulator().await;
    let api = client(&sim, common::KEY);
    let product = api
        .create_product(&CreateProduct {
            name: "Tea".into(),
            ..CreateProduct::default()
        })
        .await
        .unwrap();
    let price = api
        .create_price(&CreatePrice::for_product(&product.id, "GBP", 250))
        .await
        .unwrap();
    let rule = |fault, after_processing| FaultRule {
        method: Some("POST".into()),
        path: "/v1/checkout/sessions".into(),
        count: 1,
        after_processing,
        fault,
    };
    sim.inject(rule(
        Fault::Status {
            status: 502,
            retry_after_s: None,
        },
        true,
    ));
    sim.inject(rule(Fault::MalformedJson, true));
    sim.inject(rule(Fault::HtmlError { status: 503 }, false));
    let key = IdempotencyKey::generate();
    let session = api
        .create_checkout_session(&session_for(&price.id, 1), &key)
        .await
        .unwrap();
    let creates: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/checkout/sessions")
        .collect();
    assert_eq!(creates.len(), 4);
    assert!(
        creates
            .iter()
            .all(|r| r.idempotency_key.as_deref() == Some(key.as_str()))
    );
    assert_eq!(sim.sessions().len(), 1);
    assert_eq!(sim.sessions()[0]["id"], session.id.as_str());
}

#[tokio::test]
async fn a_slow_body_within_the_timeout_is_read_and_one_past_it_is_retried() {
    let sim = common::simulator().await;
    let api = client(&sim, common::KEY);
    let rule = |fault| FaultRule {
        method: Some("GET".into()),
        path: "/v1/checkout/sessions/list".into(),
        count: 1,
        after_processing: false,
        fault,
    };
    sim.inject(rule(Fault::SlowBody { ms: 300 }));
    api.list_checkout_sessions(1).await.unwrap();
    sim.inject(rule(Fault::Delay { ms: 3_000 }));
    api.list_checkout_sessions(1).await.unwrap();
    let lists = sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/list"))
        .count();
    assert_eq!(
        lists, 3,
        "the delayed attempt timed out after 2 s and was retried once"
    );
}

#[tokio::test]
async fn retries_give_up_with_a_transport_error_when_the_connection_keeps_dropping() {
    let sim = common::simulator().await;
    let api = client(&sim, common::KEY);
    sim.inject(FaultRule {
        method: None,
        path: "/v1/checkout/sessions/list".into(),
        count: 100,
        after_processing: false,
        fault: Fault::Drop,
    });
    let error = api.list_checkout_sessions(1).await.unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(
        sim.requests().len(),
        4,
        "the first attempt and three retries"
    );
}
