//! What the pipeline's speed follows on a shared machine (see `docs/backtesting.md`).
//!
//! Each round runs, one after another in this one process:
//! - the batch pipeline over the bench's 10 M synthetic quotes (streamed from memory);
//! - the same pipeline over the first 400 of them, replayed 25,000 times by one warm engine with
//!   their clocks moved on each time (23 KB of columns: data and state stay in L1);
//! - three reference loops with no memory traffic: a serial chain (bound by latency), a loop with
//!   a branch taken at random (bound by mispredictions), and the same loop with a branch that
//!   alternates (predicted: bound by how many instructions the core issues per cycle).
//!
//! If the rounds move the pipeline and the L1 run together, memory is not the cause; whichever
//! reference loop moves with them shows which of the core's resources the slow phases take.
//!
//! Run: `cargo run --release --example machine_phases [ROUNDS]` (default 14).

use std::hint::black_box;
use std::time::{Duration, Instant};

use quantum_core::engine::{Engine, EngineConfig, NullSink};
use quantum_core::tick::TickColumns;

#[path = "../tests/support/synthetic_quotes.rs"]
mod synthetic_quotes;
use synthetic_quotes::quotes;

const L1_TICKS: usize = 400;

/// M ticks/s of one engine over all of `cols`.
fn pipeline(cols: &TickColumns<'_>) -> f64 {
    let mut engine = Engine::new(EngineConfig::default()).expect("default config");
    let t = Instant::now();
    engine
        .run(cols, &mut NullSink)
        .expect("synthetic quotes run");
    cols.len() as f64 / t.elapsed().as_secs_f64() / 1e6
}

/// M ticks/s of one engine over the first [`L1_TICKS`] of `cols`, `reps` times, 100 ms apart.
fn pipeline_in_l1(cols: &TickColumns<'_>, reps: usize) -> f64 {
    let n = L1_TICKS;
    let owned = |c: Option<&[f64]>| c.expect("quote column")[..n].to_vec();
    let (bid, ask, bid_qty, ask_qty) = (
        owned(cols.bid),
        owned(cols.ask),
        owned(cols.bid_qty),
        owned(cols.ask_qty),
    );
    let (volume, liq_volume) = (owned(cols.volume), owned(cols.liq_volume));
    let liq_side = cols.liq_side.expect("liquidation side")[..n].to_vec();
    let mut ts = cols.ts_event[..n].to_vec();
    let lap = ts[n - 1] - ts[0] + (ts[1] - ts[0]);
    let mut engine = Engine::new(EngineConfig::default()).expect("default config");
    let mut elapsed = Duration::ZERO;
    for rep in 0..reps {
        if rep > 0 {
            ts.iter_mut().for_each(|t| *t += lap);
        }
        let lap_cols = TickColumns {
            ts_event: &ts,
            bid: Some(&bid),
            ask: Some(&ask),
            bid_qty: Some(&bid_qty),
            ask_qty: Some(&ask_qty),
            volume: Some(&volume),
            liq_volume: Some(&liq_volume),
            liq_side: Some(&liq_side),
            ..Default::default()
        };
        let t = Instant::now();
        engine
            .run(&lap_cols, &mut NullSink)
            .expect("synthetic quotes run");
        elapsed += t.elapsed();
    }
    // The laps join up: nearly every tick is accepted (a lap's first price may jump).
    assert!(engine.stats().ticks_accepted as usize > n * reps * 9 / 10);
    (n * reps) as f64 / elapsed.as_secs_f64() / 1e6
}

/// M iterations/s of two serial xorshift chains and two multiply-add chains.
fn serial_chain() -> f64 {
    let n = 200_000_000u64;
    let (mut a, mut b, mut c, mut d) = (1u64, 2u64, 3u64, 4u64);
    let t = Instant::now();
    for _ in 0..n {
        a ^= a << 13;
        a ^= a >> 7;
        a ^= a << 17;
        b ^= b << 13;
        b ^= b >> 7;
        b ^= b << 17;
        c = c.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        d = d.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(3);
    }
    black_box((a, b, c, d));
    n as f64 / t.elapsed().as_secs_f64() / 1e6
}

#[inline(never)]
fn step_a(a: u64, r: u64) -> u64 {
    a.wrapping_mul(3).wrapping_add(r)
}

#[inline(never)]
fn step_b(b: u64, r: u64) -> u64 {
    b.rotate_left(7) ^ r
}

/// M iterations/s of a loop that calls one of two functions per iteration, chosen by a random
/// bit (`random`) or by the counter's parity (alternating, predicted).
fn branch_loop(random: bool) -> f64 {
    let n = 50_000_000u64;
    let (mut x, mut a, mut b) = (0x9E37_79B9_7F4A_7C15u64, 1u64, 2u64);
    let t = Instant::now();
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bit = if random { x & 1 } else { i & 1 };
        if black_box(bit) == 0 {
            a = step_a(a, x);
        } else {
            b = step_b(b, x);
        }
    }
    black_box((a, b));
    n as f64 / t.elapsed().as_secs_f64() / 1e6
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(14);
    let q = quotes(10_000_000);
    let cols = q.columns();
    eprintln!("M ticks/s: 10 M quotes, 400 quotes in L1 | M iterations/s: serial chain, random branch, predicted branch");
    for round in 0..rounds {
        let (big, l1) = (pipeline(&cols), pipeline_in_l1(&cols, 25_000));
        let (serial, random, predicted) = (serial_chain(), branch_loop(true), branch_loop(false));
        eprintln!(
            "round {round:2}: {big:5.1} {l1:5.1} | {serial:4.0} {random:4.0} {predicted:4.0}"
        );
    }
}
