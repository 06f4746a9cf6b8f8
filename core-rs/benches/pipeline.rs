//! Full pipeline throughput (sanitizer + three strategies + DRB-Guard + portfolio) on synthetic
//! quote ticks, batch path. Prints ticks/s so the figure lands in CI logs.

use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quantum_core::engine::{Engine, EngineConfig, NullSink};
use quantum_core::tick::TickColumns;

struct Quotes {
    ts: Vec<i64>,
    bid: Vec<f64>,
    ask: Vec<f64>,
    bq: Vec<f64>,
    aq: Vec<f64>,
    vol: Vec<f64>,
    liq: Vec<f64>,
    side: Vec<i8>,
}

/// A seeded random walk on a 0.1 tick with one-tick spread, random sizes, rare liquidation bursts.
fn quotes(n: usize) -> Quotes {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut q = Quotes {
        ts: Vec::with_capacity(n),
        bid: Vec::with_capacity(n),
        ask: Vec::with_capacity(n),
        bq: Vec::with_capacity(n),
        aq: Vec::with_capacity(n),
        vol: Vec::with_capacity(n),
        liq: Vec::with_capacity(n),
        side: Vec::with_capacity(n),
    };
    let mut ticks: i64 = 600_000; // 60,000.0 in 0.1 ticks
    for i in 0..n {
        let r = next();
        ticks += (r % 3) as i64 - 1;
        let bid = ticks as f64 * 0.1;
        q.ts.push(i as i64 * 100_000_000);
        q.bid.push(bid);
        q.ask.push(bid + 0.1);
        q.bq.push(1.0 + (r >> 8 & 15) as f64);
        q.aq.push(1.0 + (r >> 12 & 15) as f64);
        q.vol.push(1.0 + (r >> 16 & 7) as f64);
        let burst = r >> 20 & 1023 == 0;
        q.liq.push(if burst { 9.0 } else { 0.0 });
        q.side.push(if burst { if r >> 30 & 1 == 0 { 1 } else { -1 } } else { 0 });
    }
    q
}

fn run(q: &Quotes) -> u64 {
    let cols = TickColumns {
        ts_event: &q.ts,
        bid: Some(&q.bid),
        ask: Some(&q.ask),
        bid_qty: Some(&q.bq),
        ask_qty: Some(&q.aq),
        volume: Some(&q.vol),
        liq_volume: Some(&q.liq),
        liq_side: Some(&q.side),
        ..Default::default()
    };
    let mut e = Engine::new(EngineConfig::default()).unwrap();
    e.run(&cols, &mut NullSink).unwrap();
    e.stats().ticks_accepted
}

fn bench(c: &mut Criterion) {
    // QUANTUM_BENCH_TICKS shrinks the run (e.g. for callgrind's instruction counts).
    let n = std::env::var("QUANTUM_BENCH_TICKS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let q = quotes(n);
    let mut rates = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let accepted = run(&q);
        rates.push(n as f64 / t.elapsed().as_secs_f64());
        assert!(accepted > 0);
    }
    rates.sort_by(f64::total_cmp);
    eprintln!("pipeline/batch {n} quote ticks: median {:.2} M ticks/s (5 runs)", rates[2] / 1e6);
    if std::env::var_os("QUANTUM_BENCH_TICKS").is_some() {
        return;
    }

    let small = quotes(1_000_000);
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(small.ts.len() as u64));
    g.sample_size(10);
    g.bench_function("batch_1M_quotes", |b| b.iter(|| run(&small)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
