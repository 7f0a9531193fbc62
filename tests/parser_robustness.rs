//! Whatever bytes come back from the network, reading them is an error or a value, never a panic.
//! Seeded random mutations of the guide's JSON plus plain random bytes (deterministic: a failure reproduces).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wooshpay_kiosk::wooshpay::{ApiErrorBody, CheckoutSession, PaymentIntent, Price, Product};

const SEEDS: [&str; 3] = [
    include_str!("fixtures/seed/checkout-session.json"),
    include_str!("fixtures/seed/price.json"),
    include_str!("fixtures/seed/product.json"),
];

fn parse_everything(bytes: &[u8]) {
    let _ = serde_json::from_slice::<CheckoutSession>(bytes);
    let _ = serde_json::from_slice::<Price>(bytes);
    let _ = serde_json::from_slice::<Product>(bytes);
    let _ = serde_json::from_slice::<PaymentIntent>(bytes);
    let _ = ApiErrorBody::parse(bytes);
}

fn mutate(rng: &mut StdRng, seed: &str) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..rng.random_range(1..8) {
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..5) {
            0 => bytes[at] = rng.random(),
            1 => bytes.truncate(at),
            2 => {
                let tricky: &[&[u8]] = &[
                    b"null",
                    b"-1",
                    b"1e400",
                    b"\"\"",
                    b"[]",
                    b"{}",
                    b"\"\\ud800\"",
                    b"99999999999999999999",
                ];
                let insert = tricky[rng.random_range(0..tricky.len())];
                bytes.splice(at..at, insert.iter().copied());
            }
            3 => {
                let end = rng
                    .random_range(at..bytes.len().max(at + 1))
                    .min(bytes.len());
                bytes.drain(at..end);
            }
            _ => bytes.insert(at, b'{'),
        }
        if bytes.is_empty() {
            break;
        }
    }
    bytes
}

#[test]
fn mutated_provider_json_never_panics_the_parsers() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for round in 0..20_000 {
        let seed = SEEDS[round % SEEDS.len()];
        parse_everything(&mutate(&mut rng, seed));
    }
}

#[test]
fn random_bytes_never_panic_the_parsers() {
    let mut rng = StdRng::seed_from_u64(42);
    for _ in 0..20_000 {
        let len = rng.random_range(0..256);
        let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        parse_everything(&bytes);
    }
}

#[test]
fn values_of_the_wrong_type_are_errors_not_panics() {
    for field in [
        "amount_total",
        "created",
        "expires_at",
        "line_items",
        "payment_intent",
        "metadata",
        "status",
    ] {
        for value in ["\"x\"", "[1]", "{\"a\":1}", "true", "-5", "1.5"] {
            let mut json: serde_json::Value = serde_json::from_str(SEEDS[0]).unwrap();
            json[field] = serde_json::from_str(value).unwrap();
            let _ = serde_json::from_value::<CheckoutSession>(json);
        }
    }
}
