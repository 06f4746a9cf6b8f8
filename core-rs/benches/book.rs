//! L2 book throughput on real Binance USDⓈ-M BTCUSDT depth updates (2024-08-08, `depth@0ms`).
//!
//! Besides criterion's report, prints the median of a plain timed loop as level updates per
//! second, the figure the README quotes. Needs `../shared/data` (or `$QUANTUM_SHARED_DATA`).

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use flate2::read::GzDecoder;
use quantum_core::book::{DepthUpdate, Level, OrderBook, SequenceRule};
use serde_json::Value;

const CAPTURE: &str = "l2_book/binance_usdm_btcusdt_20240808.jsonl.gz";

struct Msg {
    first_id: u64,
    last_id: u64,
    prev_id: u64,
    bids: Vec<Level>,
    asks: Vec<Level>,
}

fn levels(v: &Value) -> Vec<Level> {
    v.as_array()
        .expect("levels")
        .iter()
        .map(|l| Level::parse(l[0].as_str().unwrap(), l[1].as_str().unwrap()).expect("level"))
        .collect()
}

/// The book right after the REST snapshot, and the updates that follow it (stale ones dropped).
fn load() -> (OrderBook, Vec<Msg>) {
    let dir = std::env::var_os("QUANTUM_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    let path = dir.join(CAPTURE);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut book = OrderBook::new(SequenceRule::BinanceFutures);
    let mut snapshot_id = 0;
    let mut msgs = Vec::new();
    for line in BufReader::new(GzDecoder::new(file)).lines() {
        let line = line.expect("line");
        let v: Value =
            serde_json::from_str(line.split_once(' ').expect("ts json").1).expect("json");
        if let Some(id) = v.get("lastUpdateId").and_then(Value::as_u64) {
            book.apply_snapshot(id, &levels(&v["bids"]), &levels(&v["asks"]), None)
                .expect("snapshot");
            snapshot_id = id;
        } else if v["data"]["e"] == "depthUpdate" {
            let d = &v["data"];
            msgs.push(Msg {
                first_id: d["U"].as_u64().unwrap(),
                last_id: d["u"].as_u64().unwrap(),
                prev_id: d["pu"].as_u64().unwrap(),
                bids: levels(&d["b"]),
                asks: levels(&d["a"]),
            });
        }
    }
    // Updates received before the REST snapshot may straddle it, so they are kept until here;
    // the ones wholly older than it are what the book would skip as stale.
    assert!(snapshot_id > 0, "capture has a snapshot");
    msgs.retain(|m| m.last_id >= snapshot_id);
    (book, msgs)
}

/// Applies every update; returns the levels applied.
#[inline(never)]
fn replay(book: &mut OrderBook, msgs: &[Msg]) -> u64 {
    for m in msgs {
        let u = DepthUpdate {
            ts_event: 0,
            ts_recv: 0,
            first_id: m.first_id,
            last_id: m.last_id,
            prev_id: m.prev_id,
            bids: &m.bids,
            asks: &m.asks,
            checksum: None,
        };
        book.apply_update(black_box(&u))
            .expect("no gap in the capture");
    }
    book.stats().levels_applied
}

fn bench(c: &mut Criterion) {
    let (base, msgs) = load();
    let levels: u64 = msgs
        .iter()
        .map(|m| (m.bids.len() + m.asks.len()) as u64)
        .sum();
    // Binance's diff stream covers the whole book, not just the touch: ~5k levels a side here.
    eprintln!(
        "book levels (bids, asks) after the snapshot: {:?}",
        base.len()
    );

    // Plain timed loop: median of 31 full replays, each on a fresh copy of the snapshot book.
    let mut rates: Vec<f64> = (0..31)
        .map(|_| {
            let mut book = base.clone();
            let t = Instant::now();
            let n = replay(&mut book, &msgs);
            let secs = t.elapsed().as_secs_f64();
            assert_eq!(n, levels);
            n as f64 / secs
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    eprintln!(
        "book replay: {} updates, {} levels; median {:.1} M level updates/s (min {:.1}, max {:.1})",
        msgs.len(),
        levels,
        rates[rates.len() / 2] / 1e6,
        rates[0] / 1e6,
        rates[rates.len() - 1] / 1e6
    );

    let mut g = c.benchmark_group("book");
    g.throughput(Throughput::Elements(levels));
    g.bench_function("replay_binance_usdm_btcusdt_20240808", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |book| replay(book, &msgs),
            BatchSize::LargeInput,
        )
    });
    g.finish();

    // The signal queries a strategy makes on every tick.
    let mut book = base.clone();
    replay(&mut book, &msgs);
    c.bench_function("book/signals_mid_microprice_imbalance_10bps", |b| {
        b.iter(|| {
            let book = black_box(&book);
            (book.mid(), book.microprice(), book.imbalance(10.0))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
