//! Every JSON object in WooshPay's checkout guide (copied to tests/fixtures/seed) reads into the client's types.

use wooshpay_kiosk::wooshpay::{
    CheckoutSession, CreateCheckoutSession, CreatePrice, CreateProduct, Expandable,
    PaymentIntentStatus, Price, PriceType, Product, SessionPaymentStatus, SessionStatus,
    parse_checkout_session,
};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/seed/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn product_response() {
    let product: Product = serde_json::from_str(&fixture("product")).unwrap();
    assert_eq!(product.id, "prod_1554351292598452224");
    assert_eq!(product.created.unwrap().millis(), 1_665_642_282_000);
    assert_eq!(product.images, None, "null images read as absent");
}

#[test]
fn price_response_embeds_its_product() {
    let price: Price = serde_json::from_str(&fixture("price")).unwrap();
    assert_eq!(price.unit_amount, Some(5));
    assert_eq!(price.price_type, Some(PriceType::OneTime));
    let product = price.product.as_ref().unwrap();
    assert_eq!(product.id(), "prod_1554351292598452224");
    assert!(matches!(product, Expandable::Object(p) if p.name.as_deref() == Some("taiwan fengli")));
}

#[test]
fn checkout_session_response_with_embedded_line_items() {
    let session = parse_checkout_session(fixture("checkout-session").as_bytes()).unwrap();
    assert_eq!(session.id, "cs_1580071142008291328");
    assert_eq!(session.status, Some(SessionStatus::Open));
    assert_eq!(session.payment_status, Some(SessionPaymentStatus::Unpaid));
    assert!(!session.is_paid());
    assert_eq!(session.payment_intent_id(), Some("pi_1580071150141046784"));
    assert_eq!(session.amount_total, Some(5));
    assert_eq!(session.expires_at.unwrap().millis(), 1_665_639_691_214);
    assert_eq!(session.customer.as_deref(), Some(""));
    let items = session.line_items.as_ref().unwrap();
    assert_eq!(items.has_more, None);
    assert_eq!(items.data.len(), 1);
    let price = items.data[0].price.as_ref().unwrap();
    assert_eq!(price.id, "price_1580071142859735040");
    assert_eq!(
        price.product.as_ref().unwrap().id(),
        "prod_1580071142880706560"
    );
    assert!(
        session
            .url
            .unwrap()
            .contains("/pay/cs_test_1580071142008291328?key=pk_test_")
    );
}

#[test]
fn request_bodies_from_the_guide_read_into_the_create_types() {
    let product: CreateProduct = serde_json::from_str(&fixture("product-create-request")).unwrap();
    assert_eq!(product.name, "example product");
    let existing: CreatePrice =
        serde_json::from_str(&fixture("price-create-request-existing-product")).unwrap();
    assert_eq!(
        existing.product.as_deref(),
        Some("prod_1554351292598452224")
    );
    assert!(existing.product_data.is_none());
    let inline: CreatePrice =
        serde_json::from_str(&fixture("price-create-request-inline-product")).unwrap();
    assert!(inline.product.is_none());
    assert_eq!(inline.product_data.unwrap().name, "example product");
    let session: CreateCheckoutSession =
        serde_json::from_str(&fixture("checkout-session-create-request")).unwrap();
    assert_eq!(session.mode, "payment");
    assert_eq!(
        session.line_items[0]
            .price_data
            .as_ref()
            .unwrap()
            .unit_amount,
        5
    );
}

#[test]
fn unknown_enum_values_and_second_timestamps_are_tolerated() {
    let mut json: serde_json::Value = serde_json::from_str(&fixture("checkout-session")).unwrap();
    json["status"] = "awaiting_bank_transfer".into();
    json["payment_status"] = "partially_paid".into();
    json["created"] = 1_665_553_291i64.into();
    json["brand_new_field"] = serde_json::json!({"nested": [1, 2, 3]});
    json["payment_intent"] =
        serde_json::json!({"id": "pi_1", "object": "payment_intent", "status": "on_hold"});
    let session: CheckoutSession = serde_json::from_value(json).unwrap();
    assert_eq!(session.status, Some(SessionStatus::Unknown));
    assert_eq!(session.payment_status, Some(SessionPaymentStatus::Unknown));
    assert_eq!(session.created.unwrap().millis(), 1_665_553_291_000);
    let intent = session
        .payment_intent
        .as_ref()
        .unwrap()
        .as_object()
        .unwrap();
    assert_eq!(intent.status, Some(PaymentIntentStatus::Unknown));
    assert!(!session.is_paid());
}

#[test]
fn a_session_with_almost_everything_missing_still_reads() {
    let session: CheckoutSession = serde_json::from_str(
        r#"{"id":"cs_1","line_items":null,"payment_intent":null,"metadata":null}"#,
    )
    .unwrap();
    assert_eq!(session.status, None);
    assert!(session.line_items.is_none());
    assert!(!session.is_paid());
}
