//! Time bars built from tick feeds, so the strategies' features (true range, RSI, imbalance,
//! liquidity) describe the market over a fixed span of exchange time instead of over one quote
//! update: on a quote feed the "true range" of a single update is one price step, and RSI over
//! fourteen updates is noise. A bar is complete when the first tick of a later span arrives;
//! nothing of that tick is in it, so features of a completed bar never look ahead.

use crate::tick::Tick;
use crate::types::UnixNanos;

/// One completed bar: prices are the reference prices of its ticks (or the bar's own fields for
/// a bar tick); sums are NaN where no tick of the bar knew them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// First price (NaN for a bar tick without an open).
    pub open: f64,
    /// Highest price.
    pub high: f64,
    /// Lowest price.
    pub low: f64,
    /// Last price.
    pub close: f64,
    /// Mean depth near the touch (`bid_qty + ask_qty`) over the ticks that had it.
    pub depth: f64,
    /// Bid-side volume behind the imbalance, summed over the ticks that had both sides.
    pub bid_volume: f64,
    /// Ask-side volume behind the imbalance, summed likewise.
    pub ask_volume: f64,
}

impl Bar {
    /// A bar tick as a bar: its own open, high, low and close (`price` is its reference price),
    /// its depth and volumes as they are.
    #[inline]
    pub fn of_bar_tick(t: &Tick, price: f64, bid_volume: f64, ask_volume: f64) -> Bar {
        Bar {
            open: t.open,
            high: t.high,
            low: t.low,
            close: price,
            depth: t.bid_qty + t.ask_qty,
            bid_volume,
            ask_volume,
        }
    }
}

/// The bar in progress of one symbol.
#[derive(Debug, Clone)]
pub struct BarBuilder {
    span_ns: UnixNanos,
    /// Exclusive end of the bar in progress in exchange time; `UnixNanos::MIN` when none.
    end: UnixNanos,
    open: f64,
    high: f64,
    low: f64,
    close: f64,
    depth_sum: f64,
    depth_n: u32,
    bid_sum: f64,
    ask_sum: f64,
    flow_known: bool,
}

impl BarBuilder {
    /// A builder of bars `span_ns` long (UTC-aligned: a bar covers `[k·span, (k+1)·span)`).
    pub fn new(span_ns: UnixNanos) -> Self {
        BarBuilder {
            span_ns: span_ns.max(1),
            end: UnixNanos::MIN,
            open: f64::NAN,
            high: f64::NAN,
            low: f64::NAN,
            close: f64::NAN,
            depth_sum: 0.0,
            depth_n: 0,
            bid_sum: 0.0,
            ask_sum: 0.0,
            flow_known: false,
        }
    }

    /// Whether a tick at `ts_event` falls in the bar in progress (false when none is).
    #[inline(always)]
    pub fn contains(&self, ts_event: UnixNanos) -> bool {
        ts_event < self.end
    }

    /// Adds a tick of the bar in progress: its reference price, its depth near the touch and
    /// the two volumes behind the imbalance (NaN where unknown).
    #[inline(always)]
    pub fn add(&mut self, price: f64, depth: f64, b: f64, a: f64) {
        self.high = if price > self.high { price } else { self.high };
        self.low = if price < self.low { price } else { self.low };
        self.close = price;
        if depth >= 0.0 {
            self.depth_sum += depth;
            self.depth_n += 1;
        }
        if b + a > 0.0 {
            self.bid_sum += b;
            self.ask_sum += a;
            self.flow_known = true;
        }
    }

    /// Starts the bar of a tick at `ts_event` with that tick; returns the bar it completes, if
    /// one was in progress.
    #[inline(never)]
    pub fn start(
        &mut self,
        ts_event: UnixNanos,
        price: f64,
        depth: f64,
        b: f64,
        a: f64,
    ) -> Option<Bar> {
        let done = self.take();
        self.end = (ts_event.div_euclid(self.span_ns) + 1).saturating_mul(self.span_ns);
        (self.open, self.high, self.low, self.close) = (price, price, price, price);
        (
            self.depth_sum,
            self.depth_n,
            self.bid_sum,
            self.ask_sum,
            self.flow_known,
        ) = (0.0, 0, 0.0, 0.0, false);
        self.add(price, depth, b, a);
        done
    }

    /// Ends the bar in progress, if any, and returns it.
    pub fn take(&mut self) -> Option<Bar> {
        if self.end == UnixNanos::MIN {
            return None;
        }
        self.end = UnixNanos::MIN;
        Some(Bar {
            open: self.open,
            high: self.high,
            low: self.low,
            close: self.close,
            depth: if self.depth_n > 0 {
                self.depth_sum / self.depth_n as f64
            } else {
                f64::NAN
            },
            bid_volume: if self.flow_known {
                self.bid_sum
            } else {
                f64::NAN
            },
            ask_volume: if self.flow_known {
                self.ask_sum
            } else {
                f64::NAN
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn a_bar_completes_on_the_first_tick_of_a_later_span_without_it() {
        let mut b = BarBuilder::new(S);
        assert!(b.start(10 * S + 1, 100.0, 4.0, 3.0, 1.0).is_none());
        for (ts, p) in [(10 * S + 2, 101.0), (11 * S - 1, 99.5)] {
            assert!(b.contains(ts));
            b.add(p, f64::NAN, f64::NAN, f64::NAN);
        }
        assert!(!b.contains(11 * S), "the span is [10 s, 11 s)");
        let bar = b.start(12 * S + 5, 200.0, 1.0, 1.0, 1.0).unwrap();
        assert_eq!(
            (bar.open, bar.high, bar.low, bar.close),
            (100.0, 101.0, 99.5, 99.5)
        );
        assert_eq!((bar.depth, bar.bid_volume, bar.ask_volume), (4.0, 3.0, 1.0));
        assert!(b.contains(12 * S + 999_999_999) && !b.contains(13 * S));
    }

    #[test]
    fn unknown_inputs_stay_unknown() {
        let mut b = BarBuilder::new(S);
        b.start(0, 100.0, f64::NAN, f64::NAN, 2.0);
        let bar = b.take().unwrap();
        assert!(bar.depth.is_nan() && bar.bid_volume.is_nan() && bar.ask_volume.is_nan());
        assert!(b.take().is_none());
    }
}
