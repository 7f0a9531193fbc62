//! Parsing the guide's checkout session JSON (what every poll does).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const SESSION: &str = include_str!("../tests/fixtures/seed/checkout-session.json");

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(SESSION.len() as u64));
    group.bench_function("checkout_session_seed", |b| {
        b.iter(|| {
            wooshpay_kiosk::wooshpay::parse_checkout_session(black_box(SESSION.as_bytes())).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
