//! Golden digests of a whole backtest: trades, equity curve, counters, tick rejections and risk
//! state, hashed. The batch path is optimised for throughput and must not change a single bit
//! of what it produces, so these digests were recorded before an optimisation round and must
//! stay the same after it. Two data sets: the pipeline bench's synthetic quotes (every strategy
//! and the sanitizer's rules on quotes) and real Binance USDⓈ-M BTCUSDT one-minute bars.
//!
//! A digest that changes means behaviour changed: find out why before recording a new one.
//! The data directory is `$QUANTUM_SHARED_DATA`, else `<repo>/../shared/data`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use flate2::read::GzDecoder;
use quantum_core::engine::{Engine, EngineConfig, NullSink};
use quantum_core::sanitizer::RejectReason;
use quantum_core::tick::TickColumns;

#[path = "support/synthetic_quotes.rs"]
mod synthetic_quotes;
use synthetic_quotes::quotes;

/// FNV-1a over text: stable across platforms and Rust versions (unlike `DefaultHasher`).
struct Fnv(u64);

impl Fnv {
    fn add(&mut self, text: &str) {
        for b in text.bytes().chain([0xff]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// What a run produced, hashed field by field (Debug text prints floats exactly: shortest
/// representation that reads back to the same bits).
fn digest(e: &Engine) -> (u64, usize) {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    for t in e.trades().iter().chain(e.shadow_trades()) {
        h.add(&format!("{t:?}"));
    }
    for f in &e.journal().fills {
        h.add(&format!("{f:?}"));
    }
    for c in &e.journal().funding {
        h.add(&format!("{c:?}"));
    }
    for point in e.equity_tracker().curve() {
        h.add(&format!("{point:?}"));
    }
    let eq = e.equity_tracker();
    h.add(&format!(
        "{:?} {:?} {:?} {:?}",
        eq.max_drawdown().to_bits(),
        eq.max_drawdown_duration_ns(),
        eq.exposure().to_bits(),
        eq.span()
    ));
    h.add(&format!("{:?}", e.stats()));
    h.add(&format!(
        "{:?}",
        RejectReason::ALL
            .iter()
            .map(|&r| e.tick_rejections().get(r))
            .collect::<Vec<_>>()
    ));
    h.add(&format!("{:?}", e.risk_state()));
    h.add(&format!("{:?}", e.account().equity()));
    (h.0, e.trades().len())
}

fn synthetic_digest(n: usize, config: EngineConfig) -> (u64, usize) {
    let q = quotes(n);
    let mut e = Engine::new(config).unwrap();
    e.run(&q.columns(), &mut NullSink).unwrap();
    e.finish();
    digest(&e)
}

/// Risk limits that let a run keep trading (the defaults stop at the drawdown halt or the daily
/// trade cap), so fills, exits and reversals are exercised all along the data.
fn loose() -> EngineConfig {
    let mut c = EngineConfig::default();
    c.risk.max_trades_per_day = 1_000_000;
    c.risk.max_drawdown = 1.0;
    c.risk.fixed_qty = Some(0.001);
    c
}

fn data_dir() -> PathBuf {
    match std::env::var_os("QUANTUM_SHARED_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    }
}

/// Binance one-minute klines as bars: open time + 1 minute is the event time (the bar is
/// known when it closes), the close is the price.
/// `batch` runs them through `Engine::run`, else one at a time through `Engine::process`.
fn klines_digest(relative: &str, config: EngineConfig, batch: bool) -> (u64, usize) {
    let path = data_dir().join(relative);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "klines {} are missing ({e}); set QUANTUM_SHARED_DATA",
            path.display()
        )
    });
    let (mut ts, mut open, mut high, mut low, mut close, mut volume) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for line in BufReader::new(GzDecoder::new(file)).lines().skip(1) {
        let line = line.expect("gzip text line");
        let f: Vec<&str> = line.split(',').collect();
        let num = |k: usize| {
            f[k].parse::<f64>()
                .unwrap_or_else(|e| panic!("{line}: column {k}: {e}"))
        };
        ts.push((f[0].parse::<i64>().expect("open time ms") + 60_000) * 1_000_000);
        open.push(num(1));
        high.push(num(2));
        low.push(num(3));
        close.push(num(4));
        volume.push(num(5));
    }
    assert!(ts.len() > 70_000, "the file holds seven weeks of minutes");
    let cols = TickColumns {
        ts_event: &ts,
        open: Some(&open),
        high: Some(&high),
        low: Some(&low),
        close: Some(&close),
        volume: Some(&volume),
        ..Default::default()
    };
    let mut e = Engine::new(config).unwrap();
    if batch {
        e.run(&cols, &mut NullSink).unwrap();
    } else {
        for i in 0..cols.len() {
            e.process(&cols.tick(i), &mut NullSink).unwrap();
        }
    }
    e.finish();
    digest(&e)
}

const KLINES: &str = "klines/binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz";

/// Compares a digest with its recorded value; with `QUANTUM_GOLDEN_PRINT` set, prints it
/// instead (to record new values after a deliberate change of behaviour).
fn check(name: &str, got: (u64, usize), want: (u64, usize)) {
    if std::env::var_os("QUANTUM_GOLDEN_PRINT").is_some() {
        eprintln!("{name}: ({:#x}, {})", got.0, got.1);
    } else {
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn synthetic_quotes_golden_digest() {
    check(
        "SYNTHETIC_1M",
        synthetic_digest(1_000_000, EngineConfig::default()),
        (SYNTHETIC_1M, SYNTHETIC_1M_TRADES),
    );
    check(
        "SYNTHETIC_1M_LOOSE",
        synthetic_digest(1_000_000, loose()),
        (SYNTHETIC_1M_LOOSE, SYNTHETIC_1M_LOOSE_TRADES),
    );
}

/// The bench's full ten million ticks (slow in a debug build: run with `--release --ignored`).
#[test]
#[ignore = "ten million ticks; run with cargo test --release -- --ignored"]
fn synthetic_quotes_golden_digest_10m() {
    check(
        "SYNTHETIC_10M",
        synthetic_digest(10_000_000, EngineConfig::default()),
        (SYNTHETIC_10M, SYNTHETIC_10M_TRADES),
    );
    check(
        "SYNTHETIC_10M_LOOSE",
        synthetic_digest(10_000_000, loose()),
        (SYNTHETIC_10M_LOOSE, SYNTHETIC_10M_LOOSE_TRADES),
    );
}

#[test]
fn real_klines_golden_digest() {
    for batch in [true, false] {
        check(
            "KLINES_DEFAULT",
            klines_digest(KLINES, EngineConfig::default(), batch),
            (KLINES_DEFAULT, KLINES_DEFAULT_TRADES),
        );
        check(
            "KLINES_LOOSE",
            klines_digest(KLINES, loose(), batch),
            (KLINES_LOOSE, KLINES_LOOSE_TRADES),
        );
    }
}

// Recorded when fills moved to the next bar's open, features to time bars, funding to the
// funding times held and zero-sized signals to shadow trades (release and debug alike).
// Re-recorded when orders went through the venue simulator: every trade stayed the same; fills
// gained their order id and depth message number, and a fill at a bar's open is stamped with the
// venue's time of the match (the order's arrival), not the bar's close.
const SYNTHETIC_1M: u64 = 0x641b1cd8963e5d56;
const SYNTHETIC_1M_TRADES: usize = 40;
const SYNTHETIC_1M_LOOSE: u64 = 0xaec1462d7114f466;
const SYNTHETIC_1M_LOOSE_TRADES: usize = 1332;
const SYNTHETIC_10M: u64 = 0xfda8298a1b743f6;
const SYNTHETIC_10M_TRADES: usize = 40;
const SYNTHETIC_10M_LOOSE: u64 = 0x57282f25af0f1682;
const SYNTHETIC_10M_LOOSE_TRADES: usize = 13184;
const KLINES_DEFAULT: u64 = 0x8367fa4a760f9dec;
const KLINES_DEFAULT_TRADES: usize = 21;
const KLINES_LOOSE: u64 = 0xffefa05c53105859;
const KLINES_LOOSE_TRADES: usize = 2872;
