//! Full pipeline throughput (sanitizer + three strategies + DRB-Guard + portfolio) on synthetic
//! quote ticks, batch path. Prints ticks/s so the figure lands in CI logs.

use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quantum_core::engine::{Engine, EngineConfig, NullSink};

#[path = "../tests/support/synthetic_quotes.rs"]
mod synthetic_quotes;
use synthetic_quotes::{quotes, Quotes};

fn run(q: &Quotes) -> u64 {
    let mut e = Engine::new(EngineConfig::default()).unwrap();
    e.run(&q.columns(), &mut NullSink).unwrap();
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
    g.throughput(Throughput::Elements(small.columns().len() as u64));
    g.sample_size(10);
    g.bench_function("batch_1M_quotes", |b| b.iter(|| run(&small)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
