//! The Liquidation Hunter's window: liquidated volume against traded volume over the last few
//! moments of exchange time. Venues publish liquidations and trade prints as separate messages
//! (a liquidation tick carries no traded volume), so the ratio of one tick alone is unknown; over
//! a rolling window both are known, and a cluster — liquidations that make up most of what traded
//! — stands out from an isolated forced order amid normal trading.

use std::collections::VecDeque;

use crate::types::{Side, UnixNanos};

/// One tick's contribution.
#[derive(Debug, Clone, Copy)]
struct Entry {
    ts: UnixNanos,
    volume: f64,
    longs: f64,
    shorts: f64,
}

/// What the window says at the latest tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiqReading {
    /// Dominant side's liquidated volume / traded volume in the window (+∞ when liquidations
    /// came with no traded volume in the window; NaN while traded volume was never seen).
    pub ratio: f64,
    /// Who was liquidated most: `Long` when longs were (forced selling).
    pub side: Side,
    /// Liquidation messages in the window.
    pub events: u32,
}

/// Rolling sums of traded and liquidated volume over `span_ns` of exchange time.
#[derive(Debug, Clone)]
pub struct LiqWindow {
    span_ns: UnixNanos,
    entries: VecDeque<Entry>,
    volume: f64,
    longs: f64,
    shorts: f64,
    events: u32,
    /// Whether any tick of the symbol ever carried traded volume: until then the ratio is
    /// unknown, never "all liquidations".
    volume_seen: bool,
}

impl LiqWindow {
    /// A window `span_ns` long.
    pub fn new(span_ns: UnixNanos) -> Self {
        LiqWindow {
            span_ns: span_ns.max(1),
            entries: VecDeque::new(),
            volume: 0.0,
            longs: 0.0,
            shorts: 0.0,
            events: 0,
            volume_seen: false,
        }
    }

    /// Adds a tick's traded volume and liquidation (`liq_side` +1: longs liquidated, −1:
    /// shorts), NaN where unknown; drops what fell out of the window. Ticks with neither change
    /// nothing.
    #[inline(always)]
    pub fn push(&mut self, ts: UnixNanos, volume: f64, liq_volume: f64, liq_side: i8) {
        let traded = volume > 0.0;
        let liquidated = liq_volume > 0.0 && liq_side != 0;
        if traded | liquidated {
            self.push_entry(ts, traded, volume, liquidated, liq_volume, liq_side);
        }
    }

    #[inline(never)]
    fn push_entry(&mut self, ts: UnixNanos, traded: bool, volume: f64, liquidated: bool, liq_volume: f64, liq_side: i8) {
        self.evict(ts);
        let volume = if traded { volume } else { 0.0 };
        let (longs, shorts) = match (liquidated, liq_side) {
            (true, 1) => (liq_volume, 0.0),
            (true, _) => (0.0, liq_volume),
            (false, _) => (0.0, 0.0),
        };
        self.volume_seen |= traded;
        self.volume += volume;
        self.longs += longs;
        self.shorts += shorts;
        self.events += u32::from(liquidated);
        self.entries.push_back(Entry { ts, volume, longs, shorts });
    }

    fn evict(&mut self, now: UnixNanos) {
        let from = now.saturating_sub(self.span_ns);
        while let Some(e) = self.entries.front() {
            if e.ts > from {
                break;
            }
            self.volume -= e.volume;
            self.longs -= e.longs;
            self.shorts -= e.shorts;
            self.events -= u32::from(e.longs + e.shorts > 0.0);
            self.entries.pop_front();
        }
        if self.entries.is_empty() {
            // Sums of floats drift under add/subtract: an empty window starts exact again.
            (self.volume, self.longs, self.shorts, self.events) = (0.0, 0.0, 0.0, 0);
        }
    }

    /// The window's reading (after the latest push).
    pub fn reading(&self) -> LiqReading {
        let (side, liq) = if self.longs >= self.shorts { (Side::Long, self.longs) } else { (Side::Short, self.shorts) };
        let ratio = if !self.volume_seen {
            f64::NAN
        } else if self.volume > 0.0 {
            liq / self.volume
        } else if liq > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        LiqReading { ratio, side, events: self.events }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    #[test]
    fn liquidations_against_trades_in_the_window() {
        let mut w = LiqWindow::new(1_000 * MS);
        assert!(w.reading().ratio.is_nan(), "no traded volume seen yet: unknown");
        w.push(0, 10.0, f64::NAN, 0);
        w.push(100 * MS, f64::NAN, 2.0, 1);
        let r = w.reading();
        assert_eq!((r.ratio, r.side, r.events), (0.2, Side::Long, 1));
        w.push(200 * MS, 2.0, f64::NAN, 0);
        w.push(300 * MS, f64::NAN, 9.0, -1);
        let r = w.reading();
        assert_eq!((r.ratio, r.side, r.events), (0.75, Side::Short, 2));
        // At 1.0 s the first trade (t = 0) is out of the window: [0.0 s, 1.0 s] excludes 0.
        w.push(1_000 * MS, 0.5, f64::NAN, 0);
        let r = w.reading();
        assert_eq!((r.ratio, r.events), (9.0 / 2.5, 2));
        w.push(5_000 * MS, 1.0, f64::NAN, 0);
        assert_eq!(w.reading(), LiqReading { ratio: 0.0, side: Side::Long, events: 0 });
    }

    #[test]
    fn liquidations_with_no_trades_in_the_window_are_all_of_it() {
        let mut w = LiqWindow::new(1_000 * MS);
        w.push(0, 1.0, f64::NAN, 0);
        w.push(2_000 * MS, f64::NAN, 1.0, 1);
        assert_eq!(w.reading().ratio, f64::INFINITY);
    }
}
