//! Native message normalisation in Rust: the real Binance USDⓈ-M BTCUSDT capture (2024-08-08,
//! 93,954 lines of `bookTicker`, `trade`, `depthUpdate` and one REST snapshot), raw JSON text to
//! the tick and depth columns of a `NativeBatch`.
//!
//! Besides criterion's report, prints the median of a plain timed loop as messages per second
//! (the Python-facing figure, with the boundary included, is `benches/bench_normalize.py`).
//! Needs `../shared/data` (or `$QUANTUM_SHARED_DATA`).

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use flate2::read::GzDecoder;
use quantum_core::parse::{binance_usdm, NativeBatch};

const CAPTURE: &str = "l2_book/binance_usdm_btcusdt_20240808.jsonl.gz";

/// `(ts_recv, raw JSON)` per line of the capture.
fn load() -> Vec<(i64, Vec<u8>)> {
    let dir = std::env::var_os("QUANTUM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let path = dir.join(CAPTURE);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    BufReader::new(GzDecoder::new(file))
        .split(b'\n')
        .map(|line| {
            let line = line.expect("line");
            let space = line.iter().position(|&b| b == b' ').expect("`<ts> <json>`");
            let ts = std::str::from_utf8(&line[..space])
                .expect("ascii")
                .parse()
                .expect("ts");
            (ts, line[space + 1..].to_vec())
        })
        .collect()
}

fn parse(lines: &[(i64, Vec<u8>)]) -> NativeBatch {
    NativeBatch::parse(
        lines.iter().map(|(ts, raw)| (raw.as_slice(), *ts)),
        Some("BTCUSDT"),
        binance_usdm::parse_message,
    )
}

fn bench(c: &mut Criterion) {
    let lines = load();
    let n = lines.len();
    let mut rates: Vec<f64> = (0..21)
        .map(|_| {
            let t = Instant::now();
            let batch = black_box(parse(&lines));
            let secs = t.elapsed().as_secs_f64();
            assert!(batch.rejects.is_empty());
            assert_eq!(batch.ticks.len() + batch.depth.len(), n);
            n as f64 / secs
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    eprintln!(
        "native parse: {n} Binance USD-M messages; median {:.2} M messages/s (min {:.2}, max {:.2})",
        rates[rates.len() / 2] / 1e6,
        rates[0] / 1e6,
        rates[rates.len() - 1] / 1e6
    );

    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("binance_usdm_btcusdt_20240808", |b| {
        b.iter(|| parse(&lines))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
