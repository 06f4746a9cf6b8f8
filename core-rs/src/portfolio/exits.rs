//! Which exit a tick triggers for an open position: liquidation, stop-loss or take-profit.
//!
//! On a quote or trade tick the position can be closed at the tick's market price (bid for a
//! long, ask for a short): at or beyond the liquidation price it is liquidated *at* that price
//! (the venue takes it over; the loss stops there), else at or beyond the stop it stops out, else
//! at or beyond the target it takes profit, each at the market price.
//!
//! A bar only says where the price went, not in which order, so the path is assumed: first the
//! open, then the range. An open beyond the liquidation price liquidates there; an open beyond
//! the stop fills the stop at the open (a gap is filled at the worse open); an open beyond the
//! target fills the resting target at its price. In the range, when both the stop and the target
//! were touched the stop is assumed first, and a stop that lies between the entry and the
//! liquidation price is hit before it. A position that filled at a bar's close exits on nothing
//! of that bar: its range happened before the fill.

use super::position::{ExitReason, Position};
use crate::tick::Tick;
use crate::types::{Price, Side};

/// An exit a tick triggers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exit {
    /// Why.
    pub reason: ExitReason,
    /// Fill price.
    pub price: f64,
    /// A resting order filled (maker fee): the take-profit on a bar.
    pub maker: bool,
}

/// The band of exit-side market prices (the bid for a long, the ask for a short) inside which no
/// exit triggers: `(lo, hi)` strictly. A bar triggers none while its open, high and low all lie
/// strictly inside it. Outside it, [`exit_decision`] decides.
pub fn exit_band(pos: &Position) -> (f64, f64) {
    let liq = pos.liquidation_price.to_f64();
    match pos.side {
        Side::Long => {
            let sl = pos.stop_loss.map_or(f64::NEG_INFINITY, Price::to_f64);
            let tp = pos.take_profit.map_or(f64::INFINITY, Price::to_f64);
            (sl.max(liq), tp)
        }
        Side::Short => {
            let sl = pos.stop_loss.map_or(f64::INFINITY, Price::to_f64);
            let tp = pos.take_profit.map_or(f64::NEG_INFINITY, Price::to_f64);
            (tp, sl.min(liq))
        }
    }
}

/// The exit `t` triggers for `pos`. `market` is the price a market exit gets on `t`. `after_fill`
/// tells whether what `t` shows came after the position's fill: false on the tick it filled on,
/// unless that is a bar whose open it filled at (its range came after).
pub fn exit_decision(pos: &Position, t: &Tick, market: f64, after_fill: bool) -> Option<Exit> {
    if !after_fill {
        return None;
    }
    let long = pos.side == Side::Long;
    // `adverse(x, level)`: a price at `x` has reached `level` against the position.
    let adverse = |x: f64, level: f64| if long { x <= level } else { x >= level };
    let favourable = |x: f64, level: f64| if long { x >= level } else { x <= level };
    let liq = pos.liquidation_price.to_f64();
    // A disabled level can never be reached.
    let sl = pos.stop_loss.map_or(if long { f64::NEG_INFINITY } else { f64::INFINITY }, Price::to_f64);
    let tp = pos.take_profit.map_or(if long { f64::INFINITY } else { f64::NEG_INFINITY }, Price::to_f64);
    let exit = |reason, price, maker| Some(Exit { reason, price, maker });
    if !t.is_bar() {
        if adverse(market, liq) {
            return exit(ExitReason::Liquidation, liq, false);
        }
        if adverse(market, sl) {
            return exit(ExitReason::StopLoss, market, false);
        }
        if favourable(market, tp) {
            return exit(ExitReason::TakeProfit, market, false);
        }
        return None;
    }
    let open = t.open;
    if open.is_finite() {
        if adverse(open, liq) {
            return exit(ExitReason::Liquidation, liq, false);
        }
        if adverse(open, sl) {
            return exit(ExitReason::StopLoss, open, false);
        }
        if favourable(open, tp) {
            return exit(ExitReason::TakeProfit, tp, true);
        }
    }
    let (worst, best) = if long { (t.low, t.high) } else { (t.high, t.low) };
    // The stop is nearer the entry than the liquidation price unless it was set beyond it.
    if adverse(worst, sl) && !adverse(sl, liq) {
        return exit(ExitReason::StopLoss, sl, false);
    }
    if adverse(worst, liq) {
        return exit(ExitReason::Liquidation, liq, false);
    }
    if favourable(best, tp) {
        return exit(ExitReason::TakeProfit, tp, true);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portfolio::{EntryFill, FillAt, OpenParams};
    use crate::types::Qty;

    fn pos(side: Side, leverage: f64) -> Position {
        let params = OpenParams { leverage, take_profit: Some(0.01), stop_loss: Some(0.005), maintenance_margin: 0.004 };
        let at = FillAt { ts_recv: 0, ts_event: 0, seq: 1, decided_at: 0, decided_seq: 0 };
        let e = EntryFill {
            symbol: 0,
            side,
            qty: Qty::from_f64(1.0).unwrap(),
            price: 100.0,
            at,
            fee_bps: 0.0,
            params,
            confidence: 1.0,
            strategy: "t".into(),
            signal_id: None,
        };
        Position::open(e, false).0
    }

    fn bar(o: f64, h: f64, l: f64, c: f64) -> Tick {
        let mut t = Tick::empty(0, 0, 0);
        (t.open, t.high, t.low, t.close) = (o, h, l, c);
        t
    }

    fn quote(bid: f64) -> Tick {
        let mut t = Tick::empty(0, 0, 0);
        (t.bid, t.ask) = (bid, bid + 0.01);
        t
    }

    #[test]
    fn a_bar_touching_both_levels_is_a_stop() {
        let e = exit_decision(&pos(Side::Long, 1.0), &bar(100.0, 101.5, 99.0, 100.0), f64::NAN, true).unwrap();
        assert_eq!((e.reason, e.price), (ExitReason::StopLoss, 99.5));
        let e = exit_decision(&pos(Side::Short, 1.0), &bar(100.0, 101.0, 98.5, 100.0), f64::NAN, true).unwrap();
        assert_eq!((e.reason, e.price), (ExitReason::StopLoss, 100.5));
    }

    #[test]
    fn gaps_fill_stops_at_the_worse_open_and_targets_at_their_level() {
        let e = exit_decision(&pos(Side::Long, 1.0), &bar(99.0, 99.2, 98.0, 98.5), f64::NAN, true).unwrap();
        assert_eq!((e.reason, e.price), (ExitReason::StopLoss, 99.0));
        let e = exit_decision(&pos(Side::Long, 1.0), &bar(102.0, 103.0, 101.8, 102.5), f64::NAN, true).unwrap();
        assert_eq!((e.reason, e.price, e.maker), (ExitReason::TakeProfit, 101.0, true));
    }

    #[test]
    fn liquidation_for_longs_and_shorts() {
        // 10x: a long's liquidation price is 100 × (1 − 0.1 + 0.004) = 90.4, a short's 109.6.
        let long = pos(Side::Long, 10.0);
        assert!((long.liquidation_price.to_f64() - 90.4).abs() < 1e-9);
        // A bar that opens through the liquidation price: liquidated there, not at the open.
        let e = exit_decision(&long, &bar(89.0, 89.5, 88.0, 88.5), f64::NAN, true).unwrap();
        assert_eq!((e.reason, e.price), (ExitReason::Liquidation, long.liquidation_price.to_f64()));
        // A range through stop and liquidation: the stop (nearer the entry) first.
        let e = exit_decision(&long, &bar(100.0, 100.0, 85.0, 86.0), f64::NAN, true).unwrap();
        assert_eq!(e.reason, ExitReason::StopLoss);
        // Without a stop the range liquidates.
        let bare = Position { stop_loss: None, ..long.clone() };
        let e = exit_decision(&bare, &bar(100.0, 100.0, 85.0, 86.0), f64::NAN, true).unwrap();
        assert_eq!((e.reason, e.price), (ExitReason::Liquidation, 90.4));
        // A quote at or beyond the liquidation price.
        let short = Position { stop_loss: None, ..pos(Side::Short, 10.0) };
        assert!((short.liquidation_price.to_f64() - 109.6).abs() < 1e-9);
        let e = exit_decision(&short, &quote(110.0), 110.01, true).unwrap();
        assert_eq!((e.reason, e.price), (ExitReason::Liquidation, 109.6));
        assert!(exit_decision(&short, &quote(109.0), 109.01, true).is_none());
    }

    #[test]
    fn no_exit_triggers_inside_the_band() {
        // Random ticks and bars around long and short positions with and without levels: inside
        // the band `exit_decision` never exits.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            90.0 + (x >> 40) as f64 / (1u64 << 24) as f64 * 20.0
        };
        for side in [Side::Long, Side::Short] {
            for (lev, sl, tp) in [(1.0, true, true), (20.0, false, true), (50.0, true, false)] {
                let mut p = pos(side, lev);
                if !sl {
                    p.stop_loss = None;
                }
                if !tp {
                    p.take_profit = None;
                }
                let (lo, hi) = exit_band(&p);
                for _ in 0..20_000 {
                    let m = rnd();
                    let tick = quote(m);
                    let market = if side == Side::Long { tick.bid } else { tick.ask };
                    if lo < market && market < hi {
                        assert!(exit_decision(&p, &tick, market, true).is_none(), "{side:?} {m}");
                    }
                    let (a, b, c) = (rnd(), rnd(), rnd());
                    let (l, h) = (a.min(b).min(c), a.max(b).max(c));
                    let bar = bar(b, h, l, (l + h) / 2.0);
                    if lo < l && h < hi {
                        assert!(exit_decision(&p, &bar, f64::NAN, true).is_none(), "{side:?} {l}..{h}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_fill_at_the_close_ignores_that_bar() {
        assert!(exit_decision(&pos(Side::Long, 1.0), &bar(100.0, 101.5, 99.0, 100.0), f64::NAN, false).is_none());
    }

    #[test]
    fn ticks_exit_at_the_market_price() {
        let e = exit_decision(&pos(Side::Long, 1.0), &quote(99.4), 99.4, true).unwrap();
        assert_eq!((e.reason, e.price, e.maker), (ExitReason::StopLoss, 99.4, false));
        assert!(exit_decision(&pos(Side::Long, 1.0), &quote(99.4), 99.4, false).is_none(), "not on its fill tick");
        let e = exit_decision(&pos(Side::Long, 1.0), &quote(101.2), 101.2, true).unwrap();
        assert_eq!((e.reason, e.price), (ExitReason::TakeProfit, 101.2));
    }
}
