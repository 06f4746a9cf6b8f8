//! The Liquidation Hunter's window: liquidated volume against traded volume over the last
//! moment of exchange time (the last `span_ns`, kept in eight slices). Venues publish liquidations
//! and trade prints as separate messages (a liquidation tick carries no traded volume), so the
//! ratio of one tick alone is unknown; over a rolling window both are known, and a cluster —
//! liquidations that make up most of what traded — stands out from an isolated forced order
//! amid normal trading.

use crate::types::{Side, UnixNanos};

/// Slices of the window: the sums are kept per slice, so a tick adds to one slice and the
/// window moves a slice at a time (it spans between seven and eight eighths of `span_ns` behind
/// the latest tick, plus that tick's slice). A power of two: the ring index is a mask.
const SLICES: usize = 8;

/// Volumes of one slice of exchange time.
#[derive(Debug, Clone, Copy, Default)]
struct Slice {
    volume: f64,
    longs: f64,
    shorts: f64,
    events: u32,
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

/// Rolling sums of traded and liquidated volume over `span_ns` of exchange time, in
/// [`SLICES`] slices: a push adds to the current slice (no allocation, no eviction loop); a
/// tick in a later slice first clears the slices it moved past.
#[derive(Debug, Clone)]
pub struct LiqWindow {
    slice_ns: UnixNanos,
    slices: [Slice; SLICES],
    /// The current slice and its exclusive end; `UnixNanos::MIN` before the first push.
    head: usize,
    head_end: UnixNanos,
    /// Whether any tick of the symbol ever carried traded volume: until then the ratio is
    /// unknown, never "all liquidations".
    volume_seen: bool,
}

impl LiqWindow {
    /// A window `span_ns` long.
    pub fn new(span_ns: UnixNanos) -> Self {
        LiqWindow {
            slice_ns: (span_ns / SLICES as i64).max(1),
            slices: [Slice::default(); SLICES],
            head: 0,
            head_end: UnixNanos::MIN,
            volume_seen: false,
        }
    }

    /// Adds a tick's traded volume and liquidation (`liq_side` +1: longs liquidated, −1:
    /// shorts), NaN where unknown. Ticks with neither change nothing.
    #[inline(always)]
    pub fn push(&mut self, ts: UnixNanos, volume: f64, liq_volume: f64, liq_side: i8) {
        if volume > 0.0 {
            if ts >= self.head_end {
                self.advance(ts);
            }
            self.slices[self.head & (SLICES - 1)].volume += volume;
            self.volume_seen = true;
        }
        if liq_volume > 0.0 {
            self.add_liquidation(ts, liq_volume, liq_side);
        }
    }

    #[cold]
    fn add_liquidation(&mut self, ts: UnixNanos, liq_volume: f64, liq_side: i8) {
        if liq_side == 0 {
            return;
        }
        if ts >= self.head_end {
            self.advance(ts);
        }
        let s = &mut self.slices[self.head & (SLICES - 1)];
        if liq_side == 1 {
            s.longs += liq_volume;
        } else {
            s.shorts += liq_volume;
        }
        s.events += 1;
    }

    /// Moves the head to the slice of `ts`, clearing the slices it passes (all of them after a
    /// gap longer than the window).
    #[inline(always)]
    fn advance(&mut self, ts: UnixNanos) {
        // A steady feed moves to the next slice: no division. (Before the first push `head_end`
        // is `MIN`, and `MIN + slice_ns` is below every real time: a jump.)
        let next_end = self.head_end.wrapping_add(self.slice_ns);
        if ts < next_end {
            self.head = (self.head + 1) & (SLICES - 1);
            self.slices[self.head] = Slice::default();
            self.head_end = next_end;
        } else {
            self.jump(ts);
        }
    }

    /// [`advance`](Self::advance) over a gap of more than one slice.
    #[cold]
    #[inline(never)]
    fn jump(&mut self, ts: UnixNanos) {
        let start = ts.div_euclid(self.slice_ns) * self.slice_ns;
        let gap = start.saturating_sub(self.head_end);
        if self.head_end == UnixNanos::MIN || gap >= SLICES as i64 * self.slice_ns {
            // Past the whole window (a bar feed, a quiet market): every slice starts empty.
            self.slices = [Slice::default(); SLICES];
        } else {
            for _ in 0..=(gap / self.slice_ns) {
                self.head = (self.head + 1) & (SLICES - 1);
                self.slices[self.head] = Slice::default();
            }
        }
        self.head_end = start + self.slice_ns;
    }

    /// The window's reading (after the latest push).
    pub fn reading(&self) -> LiqReading {
        let (mut volume, mut longs, mut shorts, mut events) = (0.0, 0.0, 0.0, 0);
        for s in &self.slices {
            volume += s.volume;
            longs += s.longs;
            shorts += s.shorts;
            events += s.events;
        }
        let (side, liq) = if longs >= shorts {
            (Side::Long, longs)
        } else {
            (Side::Short, shorts)
        };
        let ratio = if !self.volume_seen {
            f64::NAN
        } else if volume > 0.0 {
            liq / volume
        } else if liq > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
        LiqReading {
            ratio,
            side,
            events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;

    #[test]
    fn liquidations_against_trades_in_the_window() {
        let mut w = LiqWindow::new(1_000 * MS);
        assert!(
            w.reading().ratio.is_nan(),
            "no traded volume seen yet: unknown"
        );
        w.push(0, 10.0, f64::NAN, 0);
        w.push(100 * MS, f64::NAN, 2.0, 1);
        let r = w.reading();
        assert_eq!((r.ratio, r.side, r.events), (0.2, Side::Long, 1));
        w.push(200 * MS, 2.0, f64::NAN, 0);
        w.push(400 * MS, f64::NAN, 9.0, -1);
        let r = w.reading();
        assert_eq!((r.ratio, r.side, r.events), (0.75, Side::Short, 2));
        // Slices are 125 ms. At 1.0 s the window holds [0.125 s, 1.125 s): the first trade and
        // the long liquidation (both in the first slice) are out.
        w.push(1_000 * MS, 0.5, f64::NAN, 0);
        let r = w.reading();
        assert_eq!((r.ratio, r.side, r.events), (9.0 / 2.5, Side::Short, 1));
        // At 1.25 s it is [0.25 s, 1.375 s): the 2.0 trade is out too.
        w.push(1_250 * MS, 0.5, f64::NAN, 0);
        assert_eq!(
            w.reading(),
            LiqReading {
                ratio: 9.0,
                side: Side::Short,
                events: 1
            }
        );
        w.push(5_000 * MS, 1.0, f64::NAN, 0);
        assert_eq!(
            w.reading(),
            LiqReading {
                ratio: 0.0,
                side: Side::Long,
                events: 0
            }
        );
    }

    #[test]
    fn the_window_spans_seven_to_eight_eighths_behind_the_latest_tick() {
        // Against a count of every push within the span, the sliced sums never miss a push
        // newer than 7/8 span and never keep one older than the span.
        let span = 1_000 * MS;
        let mut w = LiqWindow::new(span);
        let mut pushed: Vec<(i64, f64)> = Vec::new();
        let mut x: u64 = 7;
        let mut ts = 0;
        for _ in 0..5_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ts += ((x >> 33) % 300) as i64 * MS;
            let v = 1.0 + (x >> 50) as f64;
            w.push(ts, v, f64::NAN, 0);
            pushed.push((ts, v));
            let sum = |from: i64| {
                pushed
                    .iter()
                    .filter(|(t, _)| *t > from)
                    .map(|(_, v)| v)
                    .sum::<f64>()
            };
            let (within, older) = (sum(ts - 7 * span / 8), sum(ts - span));
            let got = w.slices.iter().map(|s| s.volume).sum::<f64>();
            assert!(
                got >= within - 1e-6 && got <= older + 1e-6,
                "{ts}: {got} not in [{within}, {older}]"
            );
        }
    }

    #[test]
    fn liquidations_with_no_trades_in_the_window_are_all_of_it() {
        let mut w = LiqWindow::new(1_000 * MS);
        w.push(0, 1.0, f64::NAN, 0);
        w.push(2_000 * MS, f64::NAN, 1.0, 1);
        assert_eq!(w.reading().ratio, f64::INFINITY);
    }
}
