//! The synthetic quotes of the pipeline bench (`benches/pipeline.rs`), shared with the golden
//! digest test (`tests/golden_digest.rs`) so the digest covers exactly the data the bench times.

use quantum_core::tick::TickColumns;

/// Tick columns of quotes, owned.
pub struct Quotes {
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
pub fn quotes(n: usize) -> Quotes {
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
        q.side.push(if burst {
            if r >> 30 & 1 == 0 {
                1
            } else {
                -1
            }
        } else {
            0
        });
    }
    q
}

impl Quotes {
    /// The engine's view of the quotes.
    pub fn columns(&self) -> TickColumns<'_> {
        TickColumns {
            ts_event: &self.ts,
            bid: Some(&self.bid),
            ask: Some(&self.ask),
            bid_qty: Some(&self.bq),
            ask_qty: Some(&self.aq),
            volume: Some(&self.vol),
            liq_volume: Some(&self.liq),
            liq_side: Some(&self.side),
            ..Default::default()
        }
    }
}

/// The trading workload of the pipeline bench: a fixed size and caps that do not bind (no daily
/// limit, no drawdown halt), so every eligible signal trades.
#[allow(dead_code)]
pub fn trading_config() -> quantum_core::engine::EngineConfig {
    let mut c = quantum_core::engine::EngineConfig::default();
    c.risk.max_trades_per_day = u32::MAX;
    c.risk.max_drawdown = 1.0;
    c.risk.fixed_qty = Some(0.001);
    c
}
