//! QR encode + raster of a 150-character session URL (what the payment screen does once per sale).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const URL_150: &str = "https://checkouttest.wooshpay.com/pay/cs_test_1580071142008291328?key=pk_test_dGVzdDpXWUg1eUF4OXZpUUF4UHNoYmdRRjVTTTE=&locale=en-GB&k=front-counter-12";

fn qr(c: &mut Criterion) {
    assert_eq!(URL_150.len(), 150);
    c.bench_function("qr_encode_150_chars", |b| {
        b.iter(|| wooshpay_kiosk::qr::encode(black_box(URL_150)).unwrap())
    });
    c.bench_function("qr_encode_and_raster_150_chars", |b| {
        b.iter(|| {
            let code = wooshpay_kiosk::qr::encode(black_box(URL_150)).unwrap();
            wooshpay_kiosk::qr::raster(&code)
        })
    });
}

criterion_group!(benches, qr);
criterion_main!(benches);
