//! The Binance USDⓈ-M native parser on the real captures (`../shared/data/l2_book`): every line
//! parses, the counts match SOURCES.md, and the parsed depth replays through the book gap-free.
//!
//! The data directory is `$QUANTUM_SHARED_DATA`, else `<repo>/../shared/data`; a missing file is a
//! failure, never a skip.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use flate2::read::GzDecoder;
use quantum_core::book::{Applied, DepthUpdate, Level, OrderBook, SequenceRule};
use quantum_core::parse::{binance_usdm, NativeBatch};
use quantum_core::types::{Price, Qty};

fn capture(name: &str) -> Vec<(i64, Vec<u8>)> {
    let dir = match std::env::var_os("QUANTUM_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    };
    let path = dir.join("l2_book").join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "capture {} is missing ({e}); set QUANTUM_SHARED_DATA",
            path.display()
        )
    });
    BufReader::new(GzDecoder::new(file))
        .split(b'\n')
        .map(|l| {
            let l = l.expect("gzip line");
            let space = l
                .iter()
                .position(|&b| b == b' ')
                .expect("`<ts> <json>` line");
            let ts = std::str::from_utf8(&l[..space])
                .expect("ascii")
                .parse()
                .expect("receive time");
            (ts, l[space + 1..].to_vec())
        })
        .collect()
}

fn parse(name: &str) -> NativeBatch {
    let lines = capture(name);
    NativeBatch::parse(
        lines.iter().map(|(ts, raw)| (raw.as_slice(), *ts)),
        Some("BTCUSDT"),
        binance_usdm::parse_message,
    )
}

#[test]
fn every_usdm_capture_parses_without_a_reject() {
    // (file, depth messages incl. the snapshot, ticks) as counted by SOURCES.md / grep.
    for (name, depth, ticks) in [
        (
            "binance_usdm_btcusdt_20230404.jsonl.gz",
            4322 + 1,
            6765 + 2197 + 99,
        ),
        (
            "binance_usdm_btcusdt_20240718.jsonl.gz",
            3326 + 1,
            7113 + 974,
        ),
        ("binance_usdm_btcusdt_20240719.jsonl.gz", 5696, 45147 + 9727),
        (
            "binance_usdm_btcusdt_20240808.jsonl.gz",
            6551 + 1,
            66089 + 21313,
        ),
    ] {
        let b = parse(name);
        assert!(
            b.rejects.is_empty(),
            "{name}: {:?}",
            &b.rejects[..b.rejects.len().min(3)]
        );
        assert_eq!(
            (b.depth.len(), b.ticks.len(), b.ignored),
            (depth, ticks, 0),
            "{name}"
        );
        assert_eq!(b.symbols, ["BTCUSDT"]);
    }
}

#[test]
fn the_parsed_l2_capture_replays_through_the_book_without_a_gap() {
    let b = parse("binance_usdm_btcusdt_20240808.jsonl.gz");
    let d = &b.depth;
    let levels = |i: usize| -> (Vec<Level>, Vec<Level>) {
        let (lo, hi) = (d.level_offsets[i] as usize, d.level_offsets[i + 1] as usize);
        let mut sides = (Vec::new(), Vec::new());
        for j in lo..hi {
            let l = Level::new(Price(d.price_units[j]), Qty(d.qty_units[j]));
            if d.side[j] > 0 {
                sides.0.push(l)
            } else {
                sides.1.push(l)
            }
        }
        sides
    };
    let snap = d
        .is_snapshot
        .iter()
        .position(|&s| s)
        .expect("one REST snapshot");
    let mut book = OrderBook::new(SequenceRule::BinanceFutures);
    let (bids, asks) = levels(snap);
    book.apply_snapshot(d.last_id[snap], &bids, &asks, None)
        .expect("snapshot applies");
    let (mut applied, mut stale) = (0, 0);
    for i in (0..d.len()).filter(|&i| i != snap) {
        let (bids, asks) = levels(i);
        let u = DepthUpdate {
            ts_event: d.ts_event[i],
            ts_recv: d.ts_recv[i],
            first_id: d.first_id[i],
            last_id: d.last_id[i],
            prev_id: d.prev_id[i],
            bids: &bids,
            asks: &asks,
            checksum: None,
        };
        match book
            .apply_update(&u)
            .unwrap_or_else(|e| panic!("depth message {i}: {e}"))
        {
            Applied::Applied => applied += 1,
            Applied::Stale => stale += 1,
        }
    }
    assert!(book.is_valid());
    assert_eq!(book.stats().gaps, 0);
    assert_eq!(applied + stale, 6551);
    assert!(
        applied > 6_000,
        "most updates come after the snapshot: {applied} applied, {stale} stale"
    );
}
