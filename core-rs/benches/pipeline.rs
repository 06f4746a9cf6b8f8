//! Full pipeline throughput (sanitizer + strategies + DRB-Guard + portfolio) on synthetic quote
//! ticks, batch path, for two workloads: the default configuration (Kelly sizing: once a
//! strategy's edge is gone its signals become shadow trades) and a trading one (a fixed size and
//! caps that do not bind: every eligible signal trades). Prints ticks/s and the trades each
//! workload made, so the figures land in CI logs.

use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use quantum_core::engine::{Engine, EngineConfig, NullSink};

#[path = "../tests/support/synthetic_quotes.rs"]
mod synthetic_quotes;
use synthetic_quotes::{quotes, trading_config, Quotes};

fn run(q: &Quotes, config: &EngineConfig) -> Engine {
    let mut e = Engine::new(config.clone()).unwrap();
    e.run(&q.columns(), &mut NullSink).unwrap();
    e
}

fn bench(c: &mut Criterion) {
    // QUANTUM_BENCH_TICKS shrinks the run (e.g. for callgrind's instruction counts);
    // QUANTUM_BENCH_WORKLOAD=default|trading runs one workload only.
    let n = std::env::var("QUANTUM_BENCH_TICKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let only = std::env::var("QUANTUM_BENCH_WORKLOAD").ok();
    let q = quotes(n);
    let workloads = [
        ("default", EngineConfig::default()),
        ("trading", trading_config()),
    ];
    for (name, config) in &workloads {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let mut rates = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let t = Instant::now();
            let e = run(&q, config);
            rates.push(n as f64 / t.elapsed().as_secs_f64());
            last = Some(e);
        }
        rates.sort_by(f64::total_cmp);
        let e = last.expect("five runs");
        assert!(e.stats().ticks_accepted > 0);
        eprintln!(
            "pipeline/batch {name} {n} quote ticks: median {:.2} M ticks/s (5 runs); {} trades, {} shadow trades",
            rates[2] / 1e6,
            e.trades().len(),
            e.shadow_trades().len()
        );
    }
    if std::env::var_os("QUANTUM_BENCH_TICKS").is_some() {
        return;
    }

    let small = quotes(1_000_000);
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(small.columns().len() as u64));
    g.sample_size(10);
    for (name, config) in &workloads {
        g.bench_function(format!("batch_1M_quotes_{name}"), |b| {
            b.iter(|| run(&small, config))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
