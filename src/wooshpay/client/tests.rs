use super::*;
use reqwest::StatusCode;

#[test]
fn retry_after_reads_seconds_and_http_dates() {
    assert_eq!(
        parse_retry_after(&HeaderValue::from_static("7")),
        Some(Duration::from_secs(7))
    );
    let past = HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT");
    assert_eq!(parse_retry_after(&past), Some(Duration::ZERO));
    assert_eq!(parse_retry_after(&HeaderValue::from_static("soon")), None);
}

#[test]
fn error_responses_are_classified() {
    let html = read_response::<Product>(
        StatusCode::BAD_GATEWAY,
        None,
        None,
        b"<html>Bad Gateway</html>",
    );
    assert!(matches!(
        html,
        Err(Error::UnexpectedResponse { status: 502, .. })
    ));
    assert!(html.unwrap_err().is_retryable());

    let invalid = br#"{"error":{"type":"invalid_request_error","message":"No such price"}}"#;
    let err = read_response::<Product>(StatusCode::BAD_REQUEST, None, None, invalid).unwrap_err();
    assert!(!err.is_retryable());

    let limited = read_response::<Product>(
        StatusCode::TOO_MANY_REQUESTS,
        Some(Duration::from_secs(2)),
        None,
        b"{}",
    );
    let err = limited.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));

    let moved = read_response::<Product>(
        StatusCode::FOUND,
        None,
        Some("https://elsewhere.example/x".into()),
        b"",
    )
    .unwrap_err();
    assert!(moved.to_string().contains("redirect"), "{moved}");
    assert!(moved.to_string().contains("elsewhere.example"), "{moved}");
    assert!(!moved.is_retryable() && moved.may_have_been_processed());

    let auth = read_response::<Product>(StatusCode::UNAUTHORIZED, None, None, b"").unwrap_err();
    assert!(matches!(auth, Error::Authentication { .. }));

    let garbled =
        read_response::<Product>(StatusCode::OK, None, None, b"{\"id\": \"prod_1\", ").unwrap_err();
    assert!(matches!(garbled, Error::Decode { .. }) && garbled.is_retryable());
}

#[test]
fn ids_with_path_characters_are_refused() {
    assert!(checked_id("cs_1580071142008291328").is_ok());
    assert!(checked_id("../v1/products").is_err());
    assert!(checked_id("").is_err());
}

#[test]
fn auth_header_is_basic_with_empty_password_and_sensitive() {
    let key = SecretKey::parse("sk_test_abc").unwrap();
    let header = basic_auth_header(&key).unwrap();
    assert!(header.is_sensitive());
    // base64("sk_test_abc:")
    assert_eq!(header.to_str().unwrap(), "Basic c2tfdGVzdF9hYmM6");
}
