//! The batch driver (`Engine::run`: columns screened and transposed a chunk at a time) and the
//! per-tick path (`Engine::process`) must agree bit for bit, on dirty data too: every sanitizer
//! rule firing, several symbols, bars and quotes mixed, every column present or absent.

use quantum_core::engine::{Engine, EngineConfig, Event, NullSink};
use quantum_core::sanitizer::RejectReason;
use quantum_core::strategy::{
    CustomStrategy, FeatureSnapshot, ImbalanceSource, SignalDraft, StrategyError,
};
use quantum_core::tick::{Tick, TickColumns};
use quantum_core::types::Side;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Owned columns: the 15 float columns in `Tick` field order, then the integer ones.
struct Data {
    ts: Vec<i64>,
    recv: Vec<i64>,
    symbol: Vec<u32>,
    side: Vec<i8>,
    floats: Vec<Vec<f64>>,
}

impl Data {
    /// `present` bit k keeps float column k; bits 15..17 keep ts_recv, symbol, liq_side.
    fn cols(&self, present: u32) -> TickColumns<'_> {
        let f = |k: usize| (present >> k & 1 == 1).then_some(self.floats[k].as_slice());
        TickColumns {
            ts_event: &self.ts,
            ts_recv: (present >> 15 & 1 == 1).then_some(self.recv.as_slice()),
            symbol: (present >> 16 & 1 == 1).then_some(self.symbol.as_slice()),
            liq_side: (present >> 17 & 1 == 1).then_some(self.side.as_slice()),
            price: f(0),
            bid: f(1),
            ask: f(2),
            bid_qty: f(3),
            ask_qty: f(4),
            volume: f(5),
            buy_volume: f(6),
            sell_volume: f(7),
            open: f(8),
            high: f(9),
            low: f(10),
            close: f(11),
            liq_volume: f(12),
            funding_rate: f(13),
            open_interest: f(14),
        }
    }
}

/// Three symbols random-walking, with bars, quotes and trades mixed and every kind of defect.
fn dirty(n: usize, seed: u64) -> Data {
    let mut r = Rng(seed);
    let mut d = Data {
        ts: vec![],
        recv: vec![],
        symbol: vec![],
        side: vec![],
        floats: vec![Vec::new(); 15],
    };
    let mut p = [100.0f64, 2000.0, 0.5];
    let mut ts = 1_700_000_000_000_000_000i64;
    for _ in 0..n {
        let s = (r.next() % 3) as usize;
        let step = r.next() % 5;
        ts += if step == 0 {
            -1_000_000_000
        } else {
            step as i64 * 700_000_000
        };
        p[s] *= 1.0 + (r.unit() - 0.5) * 0.01;
        let px = p[s];
        let mut row = [f64::NAN; 15];
        let kind = r.next() % 4;
        if kind != 0 {
            row[0] = px;
        }
        if kind != 1 {
            row[1] = px * (1.0 - 0.0005 * r.unit());
            row[2] = px * (1.0 + 0.0005 * r.unit());
        }
        if kind == 2 {
            (row[8], row[9], row[10], row[11]) = (
                px * (1.0 + 0.002 * (r.unit() - 0.5)),
                px * 1.003,
                px * 0.997,
                px,
            );
        }
        (row[3], row[4], row[5]) = (10.0 * r.unit(), 10.0 * r.unit(), 20.0 * r.unit());
        row[6] = row[5] * r.unit();
        row[7] = row[5] - row[6];
        let liq = r.next() % 50 == 0;
        row[12] = if liq { row[5] * 0.9 } else { 0.0 };
        row[13] = if r.next() % 10 == 0 {
            0.0001 * (r.unit() - 0.3)
        } else {
            f64::NAN
        };
        row[14] = 1000.0;
        let mut side: i8 = if liq {
            if r.next() % 2 == 0 {
                1
            } else {
                -1
            }
        } else {
            0
        };
        let mut latency = (r.next() % 50) as i64 * 1_000_000;
        match r.next() % 60 {
            0 => row[(r.next() % 15) as usize] = f64::INFINITY,
            1 => row[(r.next() % 15) as usize] = f64::NEG_INFINITY,
            2 => row[(r.next() % 3) as usize] = -1.0,
            3 => row[3 + (r.next() % 5) as usize] = -0.5,
            4 => side = 3,
            5 => latency = 200_000_000,
            6 => (row[1], row[2]) = (px * 1.01, px),
            7 => row[2] = px * 1.02,
            8 => (row[9], row[10]) = (px * 0.9, px * 1.1),
            9 => (row[0], row[11]) = (px * 1.5, f64::NAN),
            10 => row = [f64::NAN; 15],
            11 => row[0] = 0.0,
            12 => row[1] = f64::NAN,
            _ => {}
        }
        d.ts.push(ts);
        d.recv.push(ts + latency);
        d.symbol.push(s as u32);
        d.side.push(side);
        for (col, x) in d.floats.iter_mut().zip(row) {
            col.push(x);
        }
    }
    d
}

/// A custom strategy reading the features, so custom and built-in signals compete.
struct Contrarian;

impl CustomStrategy for Contrarian {
    fn name(&self) -> &str {
        "contrarian"
    }

    fn on_tick(
        &mut self,
        _t: &Tick,
        f: &FeatureSnapshot,
    ) -> Result<Option<SignalDraft>, StrategyError> {
        let Some(rsi) = f.rsi() else { return Ok(None) };
        let liquid = f.liquidity.is_some_and(|l| l > 0.5);
        Ok(match (rsi, liquid) {
            (r, true) if r < 25.0 => Some(SignalDraft::new(Side::Long, 0.8, "oversold")),
            (r, true) if r > 75.0 => Some(SignalDraft::new(Side::Short, 0.8, "overbought")),
            _ => None,
        })
    }
}

fn configs() -> Vec<(&'static str, EngineConfig, bool)> {
    let mut ema = EngineConfig::default();
    ema.ema_cross.enabled = true;
    ema.ema_cross.short_below = true;
    let mut flow = EngineConfig::default();
    flow.features.imbalance_source = ImbalanceSource::TradeFlow;
    flow.risk.max_trades_per_day = 100_000;
    flow.risk.max_drawdown = 1.0;
    flow.execution.latency_ns = 1_500_000_000;
    let mut loose = EngineConfig::default();
    loose.risk.max_trades_per_day = 1_000_000;
    loose.risk.max_drawdown = 1.0;
    loose.risk.fixed_qty = Some(0.01);
    let mut strict = loose.clone();
    strict.sanitizer.max_spread = 0.0008;
    strict.sanitizer.max_latency_ns = 30_000_000;
    vec![
        ("default", EngineConfig::default(), false),
        ("ema", ema, false),
        ("flow", flow, false),
        ("loose", loose.clone(), false),
        ("strict", strict, false),
        ("custom", loose, true),
    ]
}

fn engine(config: &EngineConfig, custom: bool) -> Engine {
    let mut e = Engine::new(config.clone()).unwrap();
    if custom {
        e.add_strategy(Box::new(Contrarian));
    }
    e
}

fn rejections(e: &Engine) -> Vec<u64> {
    RejectReason::ALL
        .iter()
        .map(|&r| e.tick_rejections().get(r))
        .collect()
}

#[test]
fn batch_and_per_tick_paths_agree_on_dirty_data() {
    // All columns; no receive clock, symbol or liquidation side; quotes only; bars only.
    let layouts = [0x3_ffff, 0x0_7fff, 0x3_8036, 0x3_0f20];
    for (seed, layout) in [
        (1u64, layouts[0]),
        (2, layouts[1]),
        (3, layouts[2]),
        (4, layouts[3]),
        (5, layouts[0]),
    ] {
        let data = dirty(12_000, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let cols = data.cols(layout);
        for (name, config, custom) in configs() {
            let mut batch = engine(&config, custom);
            let mut batch_events: Vec<Event> = Vec::new();
            batch.run(&cols, &mut batch_events).unwrap();
            batch.finish();
            let mut quiet_batch = engine(&config, custom);
            quiet_batch.run(&cols, &mut NullSink).unwrap();
            let mut live = engine(&config, custom);
            let mut rejected_events = 0;
            let mut live_events: Vec<Event> = Vec::new();
            for i in 0..cols.len() {
                let mut events: Vec<Event> = Vec::new();
                live.process(&cols.tick(i), &mut events).unwrap();
                rejected_events += events
                    .iter()
                    .filter(|e| matches!(e, Event::TickRejected { .. }))
                    .count();
                live_events.extend(events);
            }
            live.finish();
            let what = format!("seed {seed} layout {layout:#x} config {name}");
            // Every event, in order, whichever sink and path.
            assert!(
                batch_events == live_events,
                "{what}: the batch path's events differ"
            );
            assert_eq!(quiet_batch.stats(), live.stats(), "{what}");
            assert_eq!(batch.stats(), live.stats(), "{what}");
            assert_eq!(rejections(&batch), rejections(&live), "{what}");
            assert_eq!(
                rejected_events as u64,
                live.stats().ticks_rejected,
                "{what}"
            );
            assert_eq!(batch.trades(), live.trades(), "{what}");
            assert_eq!(batch.shadow_trades(), live.shadow_trades(), "{what}");
            assert_eq!(batch.journal().fills, live.journal().fills, "{what}");
            assert_eq!(batch.journal().funding, live.journal().funding, "{what}");
            assert_eq!(batch.journal().rejected, live.journal().rejected, "{what}");
            assert_eq!(batch.account().equity(), live.account().equity(), "{what}");
            assert_eq!(batch.risk_state(), live.risk_state(), "{what}");
            assert_eq!(
                batch.equity_tracker().curve(),
                live.equity_tracker().curve(),
                "{what}"
            );
            assert_eq!(
                batch.equity_tracker().max_drawdown().to_bits(),
                live.equity_tracker().max_drawdown().to_bits(),
                "{what}"
            );
            if layout == layouts[0] {
                let kinds = rejections(&batch).iter().filter(|&&n| n > 0).count();
                assert!(
                    kinds >= 9,
                    "{what}: the data must trip most sanitizer rules, got {kinds}"
                );
                if name == "loose" {
                    assert!(batch.trades().len() > 100, "{what}: the data must trade");
                }
            }
        }
    }
}
