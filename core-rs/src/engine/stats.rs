//! Counters and the equity curve the engine keeps while it runs.

use crate::risk::RiskReject;
use crate::strategy::IgnoreReason;
use crate::types::{Money, UnixNanos};

/// What the engine has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Ticks seen.
    pub ticks_processed: u64,
    /// Ticks that passed the sanitizer.
    pub ticks_accepted: u64,
    /// Ticks the sanitizer rejected.
    pub ticks_rejected: u64,
    /// Winning signals reported (one per tick at most).
    pub signals: u64,
    /// Signals not acted on, indexed by [`IgnoreReason`] as usize. `OppositeInBar` signals are
    /// dropped before they are reported.
    pub signals_ignored: [u64; IgnoreReason::ALL.len()],
    /// Signals sized to zero and followed as shadow trades.
    pub signals_shadowed: u64,
    /// Real fills (entries and exits).
    pub fills: u64,
    /// Closed real trades.
    pub trades: u64,
    /// Closed shadow trades.
    pub shadow_trades: u64,
    /// Entries refused by DRB-Guard, indexed by [`RiskReject`] as usize.
    pub orders_rejected: [u64; RiskReject::ALL.len()],
}

impl EngineStats {
    /// Counts a signal not acted on.
    #[inline]
    pub(crate) fn ignore(&mut self, reason: IgnoreReason) {
        self.signals_ignored[reason as usize] += 1;
    }

    /// Signals not acted on, all reasons.
    pub fn signals_ignored_total(&self) -> u64 {
        self.signals_ignored.iter().sum()
    }
}

/// Equity curve (sampled on event time) and exact drawdown and exposure statistics (per tick).
#[derive(Debug, Clone)]
pub struct EquityTracker {
    sample_ns: UnixNanos,
    next_sample: UnixNanos,
    curve: Vec<(UnixNanos, Money)>,
    peak: Money,
    trough: Money,
    peak_ts: Option<UnixNanos>,
    max_drawdown: f64,
    max_drawdown_duration_ns: UnixNanos,
    first_ts: Option<UnixNanos>,
    last_ts: UnixNanos,
    exposed_ns: UnixNanos,
    last_equity: Money,
}

impl EquityTracker {
    /// A tracker starting at `capital`, sampling every `sample_ns` of event time.
    pub fn new(capital: Money, sample_ns: UnixNanos) -> Self {
        EquityTracker {
            sample_ns,
            next_sample: UnixNanos::MIN,
            curve: Vec::new(),
            peak: capital,
            trough: capital,
            peak_ts: None,
            max_drawdown: 0.0,
            max_drawdown_duration_ns: 0,
            first_ts: None,
            last_ts: 0,
            exposed_ns: 0,
            last_equity: capital,
        }
    }

    /// Advances event time; `exposed` tells whether a position was open since the last tick.
    #[inline]
    pub fn on_time(&mut self, ts: UnixNanos, exposed: bool) {
        match self.first_ts {
            None => {
                self.first_ts = Some(ts);
                self.peak_ts = Some(ts);
                self.last_ts = ts;
            }
            Some(_) if ts > self.last_ts => {
                if exposed {
                    self.exposed_ns += ts - self.last_ts;
                }
                self.last_ts = ts;
            }
            Some(_) => {}
        }
    }

    /// Folds the equity after a tick in. Most ticks set no new peak, trough or sample: that
    /// test is inline, the bookkeeping is not.
    #[inline(always)]
    pub fn on_equity(&mut self, ts: UnixNanos, equity: Money) {
        self.last_equity = equity;
        if equity >= self.peak || equity < self.trough {
            self.on_extreme(ts, equity);
        }
        if ts >= self.next_sample {
            self.sample(ts, equity);
        }
    }

    /// [`on_equity`](Self::on_equity) with the equity of the previous call again. That call
    /// left the trough at or below that equity (it is lowered to any new low), so only the
    /// peak test and the sample remain.
    #[inline(always)]
    pub fn on_same_equity(&mut self, ts: UnixNanos) {
        let equity = self.last_equity;
        if equity >= self.peak {
            self.on_extreme(ts, equity);
        }
        if ts >= self.next_sample {
            self.sample(ts, equity);
        }
    }

    #[inline(never)]
    fn on_extreme(&mut self, ts: UnixNanos, equity: Money) {
        if equity >= self.peak {
            if let Some(p) = self.peak_ts {
                self.max_drawdown_duration_ns = self.max_drawdown_duration_ns.max(ts - p);
            }
            self.peak = equity;
            self.trough = equity;
            self.peak_ts = Some(ts);
        } else {
            // Only a new low since the peak can deepen the drawdown: divide only then.
            self.trough = equity;
            let dd = 1.0 - equity.to_f64() / self.peak.to_f64();
            if dd > self.max_drawdown {
                self.max_drawdown = dd;
            }
        }
    }

    #[inline(never)]
    fn sample(&mut self, ts: UnixNanos, equity: Money) {
        self.curve.push((ts, equity));
        self.next_sample = (ts.div_euclid(self.sample_ns) + 1) * self.sample_ns;
    }

    /// Records the final point and an unfinished drawdown's duration.
    pub fn finish(&mut self, equity: Money) {
        self.last_equity = equity;
        if let Some(p) = self.peak_ts {
            if equity < self.peak {
                self.max_drawdown_duration_ns = self.max_drawdown_duration_ns.max(self.last_ts - p);
            }
        }
        if self.first_ts.is_some()
            && self
                .curve
                .last()
                .is_none_or(|&(ts, e)| ts != self.last_ts || e != equity)
        {
            if self.curve.last().is_some_and(|&(ts, _)| ts == self.last_ts) {
                self.curve.pop();
            }
            self.curve.push((self.last_ts, equity));
        }
    }

    /// Sampled (event time, equity) points.
    pub fn curve(&self) -> &[(UnixNanos, Money)] {
        &self.curve
    }

    /// Largest peak-to-trough fall, fraction of the peak, measured on every tick.
    pub fn max_drawdown(&self) -> f64 {
        self.max_drawdown
    }

    /// Longest time spent below a previous peak, ns.
    pub fn max_drawdown_duration_ns(&self) -> UnixNanos {
        self.max_drawdown_duration_ns
    }

    /// Fraction of event time with at least one position open.
    pub fn exposure(&self) -> f64 {
        match self.first_ts {
            Some(first) if self.last_ts > first => {
                self.exposed_ns as f64 / (self.last_ts - first) as f64
            }
            _ => 0.0,
        }
    }

    /// First and last event time seen.
    pub fn span(&self) -> Option<(UnixNanos, UnixNanos)> {
        self.first_ts.map(|f| (f, self.last_ts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field but the curve (compared at the end), and the curve's length and last point.
    #[allow(clippy::type_complexity)]
    fn state(
        t: &EquityTracker,
    ) -> (
        UnixNanos,
        usize,
        Option<(UnixNanos, Money)>,
        Money,
        Money,
        Option<UnixNanos>,
        u64,
        UnixNanos,
        Option<UnixNanos>,
        UnixNanos,
        UnixNanos,
        Money,
    ) {
        (
            t.next_sample,
            t.curve.len(),
            t.curve.last().copied(),
            t.peak,
            t.trough,
            t.peak_ts,
            t.max_drawdown.to_bits(),
            t.max_drawdown_duration_ns,
            t.first_ts,
            t.last_ts,
            t.exposed_ns,
            t.last_equity,
        )
    }

    #[test]
    fn same_equity_is_on_equity_with_the_previous_equity() {
        // Two trackers fed one walk of equity with long flat stretches (at the peak, inside a
        // drawdown, at a new low); after the first tick of a stretch one repeats `on_equity`,
        // the other calls `on_same_equity`: every field must stay identical.
        let mut a = EquityTracker::new(Money::from_units(1_000), 700);
        let mut b = a.clone();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut equity = Money::from_units(1_000);
        let mut ts = 0;
        for i in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ts += (x % 300) as i64;
            let moved = x >> 58 == 0 || i == 0;
            if moved {
                equity = Money::from_units(equity.units() + (x >> 20) as i64 % 201 - 100);
            }
            for t in [&mut a, &mut b] {
                t.on_time(ts, false);
            }
            a.on_equity(ts, equity);
            if moved {
                b.on_equity(ts, equity);
            } else {
                b.on_same_equity(ts);
            }
            assert_eq!(state(&a), state(&b), "tick {i}");
        }
        assert_eq!(a.curve(), b.curve());
        assert!(
            a.curve().len() > 100 && a.max_drawdown() > 0.0 && a.max_drawdown_duration_ns() > 0
        );
    }
}
