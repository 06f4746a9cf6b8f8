//! Engine rules end to end on small hand-built tick sequences, and property tests of the
//! accounting identity and of "no fill before its decision tick".

use proptest::prelude::*;
use quantum_core::engine::{Engine, EngineConfig, Event, NullSink, Provenance};
use quantum_core::portfolio::{ExitReason, FillKind};
use quantum_core::risk::RiskReject;
use quantum_core::strategy::{
    CustomStrategy, FeatureSnapshot, IgnoreReason, SignalDisposition, SignalDraft, StrategyError,
};
use quantum_core::tick::{Tick, TickColumns};
use quantum_core::types::{Money, Side, NANOS_PER_SECOND};

const S: i64 = NANOS_PER_SECOND;

/// A scripted strategy: emits `side` on the listed tick numbers (1-based, accepted ticks).
struct Script {
    n: usize,
    at: Vec<(usize, Side)>,
}

impl CustomStrategy for Script {
    fn name(&self) -> &str {
        "script"
    }
    fn on_tick(
        &mut self,
        _t: &Tick,
        _f: &FeatureSnapshot,
    ) -> Result<Option<SignalDraft>, StrategyError> {
        self.n += 1;
        Ok(self
            .at
            .iter()
            .find(|(i, _)| *i == self.n)
            .map(|(_, s)| SignalDraft::new(*s, 0.9, "scripted")))
    }
}

/// Only the scripted strategy, no slippage, no minimum holding time.
fn quiet_config() -> EngineConfig {
    let mut c = EngineConfig::default();
    c.liquidation_hunter.enabled = false;
    c.order_flow.enabled = false;
    c.volatility_fader.enabled = false;
    c.execution.slippage_bps = 0.0;
    c.execution.min_hold_ns = 0;
    c
}

fn fills(ev: &[Event]) -> Vec<&quantum_core::portfolio::Fill> {
    ev.iter()
        .filter_map(|x| {
            if let Event::Fill(f) = x {
                Some(f)
            } else {
                None
            }
        })
        .collect()
}

fn signals(ev: &[Event]) -> Vec<&quantum_core::strategy::Signal> {
    ev.iter()
        .filter_map(|x| {
            if let Event::Signal(s) = x {
                Some(s)
            } else {
                None
            }
        })
        .collect()
}

fn engine(at: Vec<(usize, Side)>, c: EngineConfig) -> Engine {
    let mut e = Engine::new(c).unwrap();
    e.add_strategy(Box::new(Script { n: 0, at }));
    e
}

fn trade_tick(i: i64, price: f64) -> Tick {
    let mut t = Tick::empty(i * S, i * S, 0);
    t.price = price;
    t
}

fn bar(i: i64, open: f64, high: f64, low: f64, close: f64) -> Tick {
    let mut t = Tick::empty(i * 60 * S, i * 60 * S, 0);
    (t.open, t.high, t.low, t.close, t.price) = (open, high, low, close, close);
    t
}

fn run(e: &mut Engine, ticks: &[Tick]) -> Vec<Event> {
    let mut out = Vec::new();
    for t in ticks {
        e.process(t, &mut out).unwrap();
    }
    out
}

#[test]
fn entry_fills_on_the_next_tick_not_the_decision_tick() {
    let mut e = engine(vec![(1, Side::Long)], quiet_config());
    let ev = run(&mut e, &[trade_tick(0, 100.0)]);
    assert!(ev.iter().all(|x| !matches!(x, Event::Fill(_))));
    let ev = run(&mut e, &[trade_tick(1, 100.2)]);
    let fill = ev
        .iter()
        .find_map(|x| {
            if let Event::Fill(f) = x {
                Some(f)
            } else {
                None
            }
        })
        .unwrap();
    assert_eq!(fill.price.to_f64(), 100.2);
    assert_eq!(fill.ts_recv, S);
}

#[test]
fn latency_delays_the_fill() {
    let mut c = quiet_config();
    c.execution.latency_ns = 2 * S + 1;
    let mut e = engine(vec![(1, Side::Long)], c);
    run(
        &mut e,
        &[
            trade_tick(0, 100.0),
            trade_tick(1, 100.0),
            trade_tick(2, 100.0),
        ],
    );
    assert!(e.account().position(0).is_none());
    run(&mut e, &[trade_tick(3, 100.0)]);
    assert_eq!(e.account().position(0).unwrap().entry_ts, 3 * S);
}

#[test]
fn long_take_profit_and_short_stop_loss() {
    let mut e = engine(vec![(1, Side::Long)], quiet_config());
    run(
        &mut e,
        &[
            trade_tick(0, 100.0),
            trade_tick(1, 100.0),
            trade_tick(2, 100.5),
            trade_tick(3, 101.0),
        ],
    );
    assert_eq!(e.trades()[0].exit_reason, ExitReason::TakeProfit);
    assert_eq!(e.trades()[0].exit_price.to_f64(), 101.0);

    let mut e = engine(vec![(1, Side::Short)], quiet_config());
    run(
        &mut e,
        &[
            trade_tick(0, 100.0),
            trade_tick(1, 100.0),
            trade_tick(2, 100.4),
            trade_tick(3, 100.6),
        ],
    );
    let t = &e.trades()[0];
    assert_eq!((t.side, t.exit_reason), (Side::Short, ExitReason::StopLoss));
    assert_eq!(
        t.exit_price.to_f64(),
        100.6,
        "a trade print through the stop fills at the real price"
    );
}

#[test]
fn bar_touching_both_levels_assumes_the_stop_first() {
    let mut e = engine(vec![(1, Side::Long)], quiet_config());
    run(
        &mut e,
        &[
            bar(0, 100.0, 100.0, 100.0, 100.0),
            bar(1, 100.0, 100.0, 100.0, 100.0),
        ],
    );
    assert!(e.account().position(0).is_some());
    run(&mut e, &[bar(2, 100.0, 101.5, 99.0, 100.0)]);
    let t = &e.trades()[0];
    assert_eq!(t.exit_reason, ExitReason::StopLoss);
    assert_eq!(t.exit_price.to_f64(), 99.5);
}

#[test]
fn a_gap_through_the_stop_exits_at_the_worse_open() {
    let mut e = engine(vec![(1, Side::Long)], quiet_config());
    run(
        &mut e,
        &[
            bar(0, 100.0, 100.0, 100.0, 100.0),
            bar(1, 100.0, 100.0, 100.0, 100.0),
        ],
    );
    run(&mut e, &[bar(2, 98.0, 98.5, 97.0, 98.2)]);
    assert_eq!(e.trades()[0].exit_price.to_f64(), 98.0);
}

#[test]
fn a_decision_on_a_bar_fills_at_the_next_bar_open_whose_range_may_then_exit() {
    let mut c = quiet_config();
    c.execution.slippage_bps = 10.0;
    let mut e = engine(vec![(1, Side::Long)], c);
    let ev = run(&mut e, &[bar(0, 100.0, 100.5, 99.5, 100.0)]);
    assert!(fills(&ev).is_empty(), "nothing fills on the decision bar");
    // The next bar opens at 102, runs to 104 and back to 101: the entry fills at the open plus
    // slippage (102.102); its take-profit (103.12302) lies inside the bar's range.
    let ev = run(&mut e, &[bar(1, 102.0, 104.0, 101.6, 103.0)]);
    let f = fills(&ev);
    assert_eq!(f.len(), 2);
    assert!((f[0].price.to_f64() - 102.102).abs() < 1e-8);
    let t = &e.trades()[0];
    assert_eq!(t.exit_reason, ExitReason::TakeProfit);
    assert!((t.exit_price.to_f64() - 102.102 * 1.01).abs() < 1e-8);
}

#[test]
fn a_fill_at_a_bar_close_never_exits_on_that_bar() {
    // Bars without an open: the entry fills at the next bar's close, and that bar's range (which
    // happened before the fill) triggers nothing; the bar after it can.
    let mut e = engine(vec![(1, Side::Long)], quiet_config());
    let no_open = |i: i64, h: f64, l: f64, c: f64| {
        let mut t = bar(i, f64::NAN, h, l, c);
        t.price = f64::NAN;
        t
    };
    run(&mut e, &[no_open(0, 100.5, 99.5, 100.0)]);
    let ev = run(&mut e, &[no_open(1, 105.0, 90.0, 100.0)]);
    assert_eq!(
        fills(&ev).len(),
        1,
        "filled at the close, no exit on the range before it"
    );
    assert_eq!(e.account().position(0).unwrap().entry_price.to_f64(), 100.0);
    run(&mut e, &[no_open(2, 100.2, 99.0, 99.8)]);
    assert_eq!(e.trades()[0].exit_reason, ExitReason::StopLoss);
}

#[test]
fn opposite_signal_reverses_same_side_is_ignored() {
    let mut e = engine(
        vec![(1, Side::Long), (2, Side::Long), (3, Side::Short)],
        quiet_config(),
    );
    let ev = run(
        &mut e,
        &[
            trade_tick(0, 100.0),
            trade_tick(1, 100.0),
            trade_tick(2, 100.1),
            trade_tick(3, 100.2),
        ],
    );
    assert_eq!(e.trades().len(), 1);
    assert_eq!(e.trades()[0].exit_reason, ExitReason::Reverse);
    assert_eq!(e.account().position(0).unwrap().side, Side::Short);
    assert_eq!(
        e.stats().signals_ignored[IgnoreReason::SameSide as usize],
        1
    );
    let d: Vec<_> = signals(&ev).iter().map(|s| s.disposition).collect();
    assert_eq!(
        d,
        [
            SignalDisposition::Accepted,
            SignalDisposition::Ignored(IgnoreReason::SameSide),
            SignalDisposition::Accepted
        ]
    );
}

#[test]
fn a_position_is_not_reversed_before_the_minimum_holding_time() {
    let mut c = quiet_config();
    c.execution.min_hold_ns = 10 * S;
    let mut e = engine(
        vec![(1, Side::Long), (3, Side::Short), (12, Side::Short)],
        c,
    );
    let ticks: Vec<Tick> = (0..13).map(|i| trade_tick(i, 100.0)).collect();
    let ev = run(&mut e, &ticks);
    // Filled at 1 s; the short at 2 s is 1 s old: refused. The one at 11 s (10 s held) reverses.
    let d: Vec<_> = signals(&ev).iter().map(|s| s.disposition).collect();
    assert_eq!(d[1], SignalDisposition::Ignored(IgnoreReason::MinHold));
    assert_eq!(d[2], SignalDisposition::Accepted);
    assert_eq!(e.trades()[0].exit_reason, ExitReason::Reverse);
    assert_eq!(e.trades()[0].exit_ts, 12 * S);
}

#[test]
fn one_bar_never_yields_opposite_signals() {
    // One-second time bars: the script signals long then short within the same second.
    let mut c = quiet_config();
    c.features.bar_ns = S;
    let mut e = engine(vec![(1, Side::Long), (2, Side::Short), (4, Side::Short)], c);
    let tick = |ms: i64| {
        let mut t = Tick::empty(ms * 1_000_000, ms * 1_000_000, 0);
        t.price = 100.0;
        t
    };
    let ev = run(
        &mut e,
        &[tick(0), tick(100), tick(200), tick(1_100), tick(1_200)],
    );
    let sides: Vec<_> = signals(&ev).iter().map(|s| s.target).collect();
    assert_eq!(sides.len(), 2, "the short of the same second is dropped");
    assert_eq!(
        e.stats().signals_ignored[IgnoreReason::OppositeInBar as usize],
        1
    );
    assert_eq!(
        e.trades()[0].exit_reason,
        ExitReason::Reverse,
        "the next second may reverse"
    );
}

#[test]
fn drawdown_halts_flattens_and_blocks_entries() {
    let mut c = quiet_config();
    c.risk.max_drawdown = 0.001; // 0.1 % of 10k = 10
    c.risk.fixed_fraction = 0.05;
    c.execution.stop_loss = None; // no stop: only the kill switch can close it
    let mut e = engine(vec![(1, Side::Long), (6, Side::Long)], c);
    // 500 notional long at 100; a drop to 97.9 loses > 10.
    let ev = run(
        &mut e,
        &[
            trade_tick(0, 100.0),
            trade_tick(1, 100.0),
            trade_tick(2, 97.9),
            trade_tick(3, 97.9),
            trade_tick(4, 98.0),
            trade_tick(5, 98.0),
        ],
    );
    assert!(ev.iter().any(|x| matches!(x, Event::Halted { .. })));
    assert_eq!(e.trades()[0].exit_reason, ExitReason::KillSwitch);
    assert!(e.account().position(0).is_none());
    assert!(ev.iter().any(|x| matches!(
        x,
        Event::OrderRejected {
            reason: RiskReject::Halted,
            ..
        }
    )));
    e.reset_halt();
    assert!(e.risk_state().halted.is_none());
}

#[test]
fn zero_size_entries_are_refused_in_drb_guard_order() {
    let reasons = |ev: &[Event]| -> Vec<RiskReject> {
        ev.iter()
            .filter_map(|x| {
                if let Event::OrderRejected { reason, .. } = x {
                    Some(*reason)
                } else {
                    None
                }
            })
            .collect()
    };
    // Sizing to zero (a zero fraction): the size is refused as zero, and the day keeps no count.
    let mut c = quiet_config();
    c.risk.fixed_fraction = 0.0;
    let mut e = engine(vec![(1, Side::Long), (3, Side::Short)], c.clone());
    let ev = run(
        &mut e,
        &[
            trade_tick(0, 100.0),
            trade_tick(1, 100.0),
            trade_tick(2, 100.0),
        ],
    );
    assert_eq!(reasons(&ev), [RiskReject::ZeroSize, RiskReject::ZeroSize]);
    let d: Vec<_> = signals(&ev).iter().map(|s| s.disposition).collect();
    assert_eq!(
        d,
        [SignalDisposition::Rejected(RiskReject::ZeroSize); 2],
        "no shadow of a zero fixed size"
    );
    assert_eq!(e.stats().orders_rejected[RiskReject::ZeroSize as usize], 2);
    assert_eq!(e.risk_state().trades_today, 0);
    assert_eq!(
        e.risk_state().trade_day,
        i64::MIN,
        "a refused entry does not open a trade day"
    );
    // A size that rounds below one lot is zero too.
    c.risk.fixed_fraction = 1e-12;
    let mut e = engine(vec![(1, Side::Long)], c.clone());
    let ev = run(&mut e, &[trade_tick(0, 100.0), trade_tick(1, 100.0)]);
    assert_eq!(reasons(&ev), [RiskReject::ZeroSize]);
    // The kill switch outranks the zero size, as in DRB-Guard's own order of checks.
    c.risk.fixed_fraction = 0.0;
    let mut e = engine(vec![(2, Side::Long)], c);
    let ev = run(&mut e, &[trade_tick(0, 100.0)]);
    assert!(reasons(&ev).is_empty());
    e.halt(S);
    let ev = run(&mut e, &[trade_tick(1, 100.0), trade_tick(2, 100.0)]);
    assert_eq!(reasons(&ev), [RiskReject::Halted]);
    assert_eq!(e.stats().orders_rejected[RiskReject::Halted as usize], 1);
    // A manual entry of no size is refused the same way.
    e.reset_halt();
    assert!(matches!(
        e.submit_entry(
            0,
            Side::Long,
            None,
            None,
            3 * S,
            3 * S,
            Provenance::manual()
        ),
        Err(quantum_core::engine::EngineError::Risk(
            RiskReject::ZeroSize
        ))
    ));
}

fn funding_tick(ts: i64, price: f64, rate: f64) -> Tick {
    let mut t = Tick::empty(ts, ts, 0);
    t.price = price;
    t.funding_rate = rate;
    t
}

fn charges(ev: &[Event]) -> Vec<&quantum_core::portfolio::FundingCharge> {
    ev.iter()
        .filter_map(|x| {
            if let Event::Funding(c) = x {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn funding_is_charged_when_a_funding_time_passes() {
    let mut e = engine(vec![(1, Side::Long)], quiet_config());
    let h = 3600 * S;
    let ev = run(
        &mut e,
        &[
            funding_tick(7 * h, 100.0, 0.0001),
            funding_tick(7 * h + S, 100.0, 0.0001),
            funding_tick(7 * h + 2 * S, 100.5, 0.0003),
            funding_tick(8 * h + S, 100.8, 0.0005),
        ],
    );
    let paid = charges(&ev);
    assert_eq!(paid.len(), 1);
    let pos = e.account().position(0).unwrap();
    // At the rate in force at 08:00 (the latest before it, 0.03 %), on the mark before the tick.
    assert_eq!(
        (paid[0].funding_time, paid[0].rate, paid[0].mark.to_f64()),
        (8 * h, 0.0003, 100.5)
    );
    assert_eq!(
        paid[0].amount,
        pos.qty.notional(paid[0].mark).mul_rate(0.0003)
    );
}

#[test]
fn funding_charges_only_the_funding_times_a_position_is_open_through() {
    // A position opened after a long flat stretch pays nothing at once; it pays at each later
    // funding time it holds (two crossed in one gap: two payments), the rate of a tick exactly at
    // a funding time is the one in force then, and a short receives a positive rate.
    let h = 3600 * S;
    let mut e = engine(vec![(2, Side::Short)], quiet_config());
    let ev = run(
        &mut e,
        &[
            funding_tick(h, 100.0, 0.0001),
            funding_tick(30 * h, 100.0, 0.0001),
            funding_tick(30 * h + S, 100.0, 0.0001),
            funding_tick(31 * h, 100.0, 0.0001),
        ],
    );
    assert!(
        charges(&ev).is_empty(),
        "opened at 30:00:01, no funding time held yet"
    );
    let ev = run(
        &mut e,
        &[
            funding_tick(32 * h, 100.0, 0.0002),
            funding_tick(49 * h, 100.0, 0.0004),
        ],
    );
    let paid = charges(&ev);
    let times: Vec<_> = paid.iter().map(|c| (c.funding_time / h, c.rate)).collect();
    assert_eq!(times, [(32, 0.0002), (40, 0.0002), (48, 0.0002)]);
    assert!(
        paid.iter().all(|c| c.amount.units() < 0),
        "a short receives a positive rate"
    );
}

#[test]
fn a_position_closed_after_a_funding_time_pays_it_before_its_exit() {
    let h = 3600 * S;
    let mut e = engine(vec![(2, Side::Long), (3, Side::Short)], quiet_config());
    let ev = run(
        &mut e,
        &[
            funding_tick(7 * h, 100.0, 0.0001),
            funding_tick(7 * h + S, 100.0, 0.0001),
            funding_tick(7 * h + 2 * S, 100.0, 0.0001),
            funding_tick(8 * h + 5 * S, 100.0, 0.0001),
        ],
    );
    // The long filled at 07:00:02, the reverse fills at 08:00:05: 08:00 was held.
    assert_eq!(charges(&ev).len(), 1);
    assert_eq!(e.trades()[0].funding, charges(&ev)[0].amount);
}

#[test]
fn batch_and_per_tick_paths_give_identical_trades() {
    let n = 5_000;
    let mut ts = Vec::new();
    let (mut bid, mut ask, mut bq, mut aq, mut vol, mut liq) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut side = Vec::new();
    let mut x: u64 = 7;
    let mut p = 100.0;
    for i in 0..n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = (x >> 33) as f64 / (1u64 << 31) as f64 - 0.5;
        p *= 1.0 + r * 0.004;
        ts.push(i as i64 * S);
        bid.push(p - 0.01);
        ask.push(p + 0.01);
        bq.push(1.0 + (x % 7) as f64);
        aq.push(1.0 + (x % 5) as f64);
        vol.push(10.0);
        let cascade = x % 97 == 0;
        liq.push(if cascade { 9.0 } else { 0.0 });
        side.push(if cascade {
            if r > 0.0 {
                1
            } else {
                -1
            }
        } else {
            0
        });
    }
    let cols = TickColumns {
        ts_event: &ts,
        bid: Some(&bid),
        ask: Some(&ask),
        bid_qty: Some(&bq),
        ask_qty: Some(&aq),
        volume: Some(&vol),
        liq_volume: Some(&liq),
        liq_side: Some(&side),
        ..Default::default()
    };
    let mut c = EngineConfig::default();
    c.risk.fixed_qty = Some(1.0);
    c.risk.max_trades_per_day = 100_000;
    c.risk.max_position_notional = 1.0;
    let mut batch = Engine::new(c.clone()).unwrap();
    batch.run(&cols, &mut NullSink).unwrap();
    let mut live = Engine::new(c).unwrap();
    for i in 0..n {
        let mut ev = Vec::new();
        live.process(&cols.tick(i), &mut ev).unwrap();
    }
    assert!(
        batch.trades().len() > 10,
        "the data must trade: {}",
        batch.trades().len()
    );
    assert_eq!(batch.trades(), live.trades());
    assert_eq!(batch.account().equity(), live.account().equity());
}

fn arb_ticks() -> impl Strategy<Value = Vec<(f64, f64, f64, i8, f64)>> {
    // (return, spread, liquidation ratio, liq side, funding rate)
    prop::collection::vec(
        (
            -0.01f64..0.01,
            0.0f64..0.002,
            0.0f64..1.0,
            -1i8..=1,
            -0.001f64..0.001,
        ),
        50..400,
    )
}

fn build(raw: &[(f64, f64, f64, i8, f64)]) -> Vec<Tick> {
    let mut p = 1000.0;
    raw.iter()
        .enumerate()
        .map(|(i, &(r, spread, liq, side, fr))| {
            p *= 1.0 + r;
            let ts = i as i64 * 3600 * S; // hourly: crosses funding times
            let mut t = Tick::empty(ts, ts, (i % 2) as u32);
            t.price = p;
            t.bid = p * (1.0 - spread / 2.0);
            t.ask = p * (1.0 + spread / 2.0);
            t.volume = 10.0;
            t.liq_volume = 10.0 * liq;
            t.liq_side = side;
            t.funding_rate = fr;
            t
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn accounting_identity_holds_exactly(raw in arb_ticks()) {
        let mut c = EngineConfig::default();
        c.sanitizer.max_jump_sigmas = 1e9;
        let mut e = Engine::new(c).unwrap();
        for t in build(&raw) {
            e.process(&t, &mut NullSink).unwrap();
            let a = e.account();
            let identity = a.initial_capital + a.realized - a.fees - a.funding + a.unrealized();
            prop_assert_eq!(a.equity(), identity);
        }
        let closed: Money = e.trades().iter().fold(Money::ZERO, |s, t| s + t.gross_pnl);
        prop_assert_eq!(closed, e.account().realized);
    }

    #[test]
    fn no_fill_before_its_decision_tick(raw in arb_ticks(), latency_s in 0i64..4) {
        let mut c = EngineConfig::default();
        c.sanitizer.max_jump_sigmas = 1e9;
        c.execution.latency_ns = latency_s * 3600 * S;
        let mut e = Engine::new(c).unwrap();
        let mut signal_times: Vec<(u32, i64)> = Vec::new();
        for t in build(&raw) {
            let mut ev = Vec::new();
            e.process(&t, &mut ev).unwrap();
            for x in &ev {
                match x {
                    Event::Signal(s) => signal_times.push((s.symbol, s.ts_recv)),
                    Event::Fill(f) if f.decided_at != f.ts_recv || f.kind == FillKind::Open => {
                        prop_assert!(signal_times.contains(&(f.symbol, f.decided_at)), "a fill needs its decision");
                        prop_assert!(f.ts_recv > f.decided_at, "filled on its decision tick");
                        prop_assert!(f.ts_recv >= f.decided_at + latency_s * 3600 * S);
                    }
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn a_withdrawn_entry_never_fills() {
    let mut e = Engine::new(quiet_config()).unwrap();
    run(&mut e, &[trade_tick(0, 100.0)]);
    e.submit_entry(0, Side::Long, Some(1.0), None, S, S, Provenance::manual())
        .unwrap();
    assert!(e.cancel_pending_entry(0, S));
    assert!(!e.cancel_pending_entry(0, S), "nothing left to withdraw");
    run(&mut e, &[trade_tick(2, 100.0)]);
    assert!(e.account().position(0).is_none());
    assert_eq!(e.stats().fills, 0);
}

/// Records the EMA each tick's features carry.
struct EmaProbe(std::sync::Arc<std::sync::Mutex<Vec<Option<f64>>>>);

impl CustomStrategy for EmaProbe {
    fn name(&self) -> &str {
        "ema_probe"
    }
    fn on_tick(
        &mut self,
        _t: &Tick,
        f: &FeatureSnapshot,
    ) -> Result<Option<SignalDraft>, StrategyError> {
        self.0.lock().unwrap().push(f.ema);
        Ok(None)
    }
}

#[test]
fn a_custom_strategy_added_later_sees_the_ema_warm_up_from_then() {
    // Without EMA-cross or a custom strategy nothing reads the EMA, so the engine does not keep
    // it; a custom strategy added later sees it seeded with its first tick, as at the start.
    let mut c = quiet_config();
    c.features.ema_period = 3;
    c.features.bar_ns = 0;
    let prices = [100.0, 110.0, 90.0, 120.0, 80.0, 130.0, 70.0];
    let ticks: Vec<Tick> = prices
        .iter()
        .enumerate()
        .map(|(i, &p)| trade_tick(i as i64, p))
        .collect();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut late = Engine::new(c.clone()).unwrap();
    run(&mut late, &ticks[..3]);
    late.add_strategy(Box::new(EmaProbe(seen.clone())));
    run(&mut late, &ticks[3..]);
    let from_start = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut fresh = Engine::new(c).unwrap();
    fresh.add_strategy(Box::new(EmaProbe(from_start.clone())));
    run(&mut fresh, &ticks[3..]);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, from_start.lock().unwrap().clone());
    // Seeded with 120, then 120 + 0.5 (80 − 120) = 100, then 100 + 0.5 (130 − 100) = 115.
    assert_eq!(seen, vec![None, None, Some(115.0), Some(92.5)]);
}

#[test]
fn liquidation_closes_longs_and_shorts_at_their_liquidation_price_with_its_fee() {
    for (side, path) in [
        (Side::Long, [100.0, 100.0, 95.0, 90.0]),
        (Side::Short, [100.0, 100.0, 105.0, 110.0]),
    ] {
        let mut c = quiet_config();
        c.execution.leverage = 10.0;
        c.execution.stop_loss = None;
        c.execution.liquidation_fee_bps = 50.0;
        c.risk.fixed_qty = Some(1.0);
        c.risk.max_position_notional = 1.0;
        let mut e = engine(vec![(1, side)], c);
        let ticks: Vec<Tick> = path
            .iter()
            .enumerate()
            .map(|(i, &p)| trade_tick(i as i64, p))
            .collect();
        let ev = run(&mut e, &ticks);
        let t = &e.trades()[0];
        assert_eq!(t.exit_reason, ExitReason::Liquidation, "{side:?}");
        let liq = if side == Side::Long { 90.4 } else { 109.6 };
        assert!(
            (t.exit_price.to_f64() - liq).abs() < 1e-8,
            "{side:?}: {}",
            t.exit_price
        );
        let exit = fills(&ev)
            .into_iter()
            .find(|f| f.kind == FillKind::Close(ExitReason::Liquidation))
            .unwrap();
        assert_eq!(exit.fee, exit.qty.notional(exit.price).mul_bps(50.0));
        assert_eq!(exit.fee_bps, 50.0);
    }
}

#[test]
fn kelly_at_zero_follows_signals_as_shadow_trades_until_the_edge_returns() {
    // Twenty losing trades size the strategy to zero; its next signals become shadow trades
    // (same fills and exits, no capital) and, once they win, real sizing resumes.
    let mut c = quiet_config();
    c.risk.max_trades_per_day = 10_000;
    c.execution.stop_loss = Some(0.005);
    c.execution.take_profit = Some(0.01);
    let mut at = Vec::new();
    let mut ticks = Vec::new();
    let mut i = 0;
    let mut tick = |p: f64, ticks: &mut Vec<Tick>| {
        ticks.push(trade_tick(i, p));
        i += 1;
        i as usize
    };
    // 20 losers: signal long, fill at 100, drop to 99 (stop).
    for _ in 0..20 {
        let n = tick(100.0, &mut ticks);
        at.push((n, Side::Long));
        tick(100.0, &mut ticks);
        tick(99.0, &mut ticks);
    }
    // Winners: signal long, fill at 100, rise to 101.5 (take profit).
    for _ in 0..40 {
        let n = tick(100.0, &mut ticks);
        at.push((n, Side::Long));
        tick(100.0, &mut ticks);
        tick(101.5, &mut ticks);
    }
    let mut e = engine(at, c);
    let ev = run(&mut e, &ticks);
    let d: Vec<_> = signals(&ev).iter().map(|s| s.disposition).collect();
    assert!(d[..20].iter().all(|x| *x == SignalDisposition::Accepted));
    let shadows = d
        .iter()
        .filter(|x| **x == SignalDisposition::Shadow)
        .count();
    assert!(shadows > 0 && d[20] == SignalDisposition::Shadow, "{d:?}");
    assert_eq!(
        d.last(),
        Some(&SignalDisposition::Accepted),
        "real sizing resumed"
    );
    assert_eq!(e.shadow_trades().len(), shadows);
    assert!(e
        .shadow_trades()
        .iter()
        .all(|t| t.exit_reason == ExitReason::TakeProfit));
    let a = e.account();
    let real_pnl = e.trades().iter().fold(Money::ZERO, |s, t| s + t.pnl);
    assert_eq!(
        a.equity(),
        a.initial_capital + real_pnl,
        "shadow trades never touch equity"
    );
    let stats = e.risk_state().strategy("script").unwrap();
    assert_eq!(
        (stats.shadow_trades as usize, stats.trades() as usize),
        (shadows, e.trades().len() + shadows)
    );
}

#[test]
fn fills_carry_the_signal_that_decided_them_and_manual_entries_their_provenance() {
    let mut e = engine(vec![(1, Side::Long)], quiet_config());
    let ev = run(&mut e, &[trade_tick(0, 100.0), trade_tick(1, 100.0)]);
    let id = signals(&ev)[0].id;
    assert_eq!(id, 1, "the id is the decision tick's arrival number");
    assert_eq!(fills(&ev)[0].signal_id, Some(id));
    assert_eq!(e.account().position(0).unwrap().signal_id, Some(id));

    let mut e = Engine::new(quiet_config()).unwrap();
    run(&mut e, &[trade_tick(0, 100.0)]);
    let p = Provenance {
        strategy: "order_flow".into(),
        confidence: 0.6,
        signal_id: Some(7),
    };
    e.submit_entry(0, Side::Short, Some(1.0), None, S, S, p)
        .unwrap();
    run(&mut e, &[trade_tick(1, 100.0)]);
    let pos = e.account().position(0).unwrap();
    assert_eq!(
        (pos.strategy.as_ref(), pos.confidence, pos.signal_id),
        ("order_flow", 0.6, Some(7))
    );
}
