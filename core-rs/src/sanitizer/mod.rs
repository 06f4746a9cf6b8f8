//! L0 Sanitizer: validates every tick before anything else sees it. A rejected tick is counted by
//! reason and never reaches the strategies or the portfolio.

mod reason;
mod screen;

pub use reason::{RejectCounts, RejectReason};
pub use screen::SCREEN_CHUNK;

use serde::Deserialize;

use crate::tick::Tick;
use crate::types::{UnixNanos, NANOS_PER_MILLI};

/// Sanitizer limits (SPEC §4 defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SanitizerConfig {
    /// Max receive latency (`ts_recv − ts_event`), ns. Default 100 ms.
    pub max_latency_ns: UnixNanos,
    /// Max spread `(ask − bid) / mid`, as a fraction. Default 0.005 (0.5 %).
    pub max_spread: f64,
    /// Reject a price move beyond this multiple of recent volatility. Default 20.
    pub max_jump_sigmas: f64,
    /// Volatility floor for the jump check, as a fraction of price, so a flat warm-up cannot make
    /// every later move look like a jump. Default 0.001 (10 bps).
    pub min_jump_sigma: f64,
    /// Ticks of history before the jump check is active. Default 20.
    pub jump_warmup: u32,
    /// After this many consecutive jump rejections at a consistent level, the level is accepted
    /// as real (a genuine gap, not a bad print). Default 5.
    pub jump_reanchor_after: u32,
}

impl Default for SanitizerConfig {
    fn default() -> Self {
        SanitizerConfig {
            max_latency_ns: 100 * NANOS_PER_MILLI,
            max_spread: 0.005,
            max_jump_sigmas: 20.0,
            min_jump_sigma: 0.001,
            jump_warmup: 20,
            jump_reanchor_after: 5,
        }
    }
}

/// EWMA decay of the squared-price-change variance estimate (about a 50-tick memory).
const VAR_ALPHA: f64 = 0.04;

/// Per-symbol state the checks need.
#[derive(Debug, Clone)]
pub struct SymbolGuard {
    /// Exchange time of the last accepted tick (`UnixNanos::MIN` before the first).
    last_ts_event: UnixNanos,
    last_price: f64,
    variance: f64,
    /// Accepted ticks, counted up to `jump_warmup + 1` (beyond, only "past the warm-up" matters).
    accepted: u32,
    jump_streak: u32,
    jump_candidate: f64,
}

impl Default for SymbolGuard {
    fn default() -> Self {
        SymbolGuard {
            last_ts_event: UnixNanos::MIN,
            last_price: 0.0,
            variance: 0.0,
            accepted: 0,
            jump_streak: 0,
            jump_candidate: 0.0,
        }
    }
}

/// The L0 sanitizer: stateless config plus per-symbol guards owned by the engine.
#[derive(Debug, Clone)]
pub struct Sanitizer {
    config: SanitizerConfig,
    /// `max_jump_sigmas²`, the factor of the variance in the jump limit.
    jump_sigmas_sq: f64,
}

impl Default for Sanitizer {
    fn default() -> Self {
        Sanitizer::new(SanitizerConfig::default())
    }
}

impl Sanitizer {
    /// A sanitizer with these limits.
    pub fn new(config: SanitizerConfig) -> Self {
        Sanitizer {
            jump_sigmas_sq: config.max_jump_sigmas * config.max_jump_sigmas,
            config,
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &SanitizerConfig {
        &self.config
    }

    /// Checks one tick against its symbol's guard; on acceptance the guard advances.
    #[inline]
    pub fn check(&self, tick: &Tick, guard: &mut SymbolGuard) -> Result<(), RejectReason> {
        self.check_priced(tick, guard).map(|_| ())
    }

    /// [`check`](Self::check), returning the accepted tick's reference price.
    #[inline]
    pub fn check_priced(&self, tick: &Tick, guard: &mut SymbolGuard) -> Result<f64, RejectReason> {
        let price = self.check_stateless(tick)?;
        self.check_stateful(tick.ts_event, price, guard)?;
        Ok(price)
    }

    /// The checks that need no history, in rejection order; returns the tick's reference price.
    /// [`screen`](Self::screen) runs the same checks over a batch's columns.
    #[inline]
    pub fn check_stateless(&self, tick: &Tick) -> Result<f64, RejectReason> {
        let c = &self.config;
        // Infinite values are corrupt; NaN means "not provided" and is allowed.
        let fields = [
            tick.price,
            tick.bid,
            tick.ask,
            tick.bid_qty,
            tick.ask_qty,
            tick.volume,
            tick.buy_volume,
            tick.sell_volume,
            tick.open,
            tick.high,
            tick.low,
            tick.close,
            tick.liq_volume,
            tick.funding_rate,
            tick.open_interest,
        ];
        if fields.iter().any(|x| x.is_infinite()) {
            return Err(RejectReason::NonFinite);
        }
        let price = tick.reference_price();
        if price.is_nan() {
            return Err(RejectReason::MissingPrice);
        }
        // `!(x > 0)` also catches the NaN-free zero and negative cases in one comparison.
        let prices = [
            tick.price, tick.bid, tick.ask, tick.open, tick.high, tick.low, tick.close,
        ];
        if prices.iter().any(|&p| p <= 0.0) {
            return Err(RejectReason::NonPositivePrice);
        }
        let sizes = [
            tick.bid_qty,
            tick.ask_qty,
            tick.volume,
            tick.buy_volume,
            tick.sell_volume,
            tick.liq_volume,
            tick.open_interest,
        ];
        if sizes.iter().any(|&q| q < 0.0) {
            return Err(RejectReason::NegativeVolume);
        }
        if !matches!(tick.liq_side, -1..=1) {
            return Err(RejectReason::BadLiquidationSide);
        }
        if tick.ts_recv.wrapping_sub(tick.ts_event) > c.max_latency_ns {
            return Err(RejectReason::Latency);
        }
        if tick.has_quote() {
            if tick.bid > tick.ask {
                return Err(RejectReason::CrossedQuote);
            }
            let mid = 0.5 * (tick.bid + tick.ask);
            if (tick.ask - tick.bid) > c.max_spread * mid {
                return Err(RejectReason::WideSpread);
            }
        }
        // The open too: fills of signals decided on the previous bar happen at it.
        let outside = |x: f64| x > tick.high || x < tick.low;
        if tick.is_bar() && (tick.high < tick.low || outside(price) || outside(tick.open)) {
            return Err(RejectReason::InconsistentBar);
        }
        Ok(price)
    }

    /// The checks against the symbol's history (time order, price jump) of a tick that passed
    /// [`check_stateless`](Self::check_stateless) with reference price `price`; on acceptance
    /// the guard advances.
    #[inline]
    pub fn check_stateful(
        &self,
        ts_event: UnixNanos,
        price: f64,
        guard: &mut SymbolGuard,
    ) -> Result<(), RejectReason> {
        if ts_event < guard.last_ts_event {
            return Err(RejectReason::TimeBackwards);
        }
        self.check_jump(price, guard)?;
        guard.last_ts_event = ts_event;
        Ok(())
    }

    /// The volatility jump check; updates the variance estimate on acceptance. It works in
    /// squared price changes (not returns) so the hot path has no division; over the ~50-tick
    /// memory of the estimate the price level barely moves, so the two are equivalent.
    #[inline]
    fn check_jump(&self, price: f64, guard: &mut SymbolGuard) -> Result<(), RejectReason> {
        let c = &self.config;
        let d = price - guard.last_price;
        let d2 = d * d;
        // Past the warm-up first: one test on nearly every tick (the first price is in the
        // warm-up: `jump_warmup` >= 0).
        if guard.accepted > c.jump_warmup {
            let floor = c.min_jump_sigma * guard.last_price;
            let floor = floor * floor;
            let var = if guard.variance > floor {
                guard.variance
            } else {
                floor
            };
            let limit = self.jump_sigmas_sq * var;
            if d2 > limit {
                self.on_jump(price, d2, limit, guard)?;
            }
        } else if guard.accepted == 0 {
            guard.last_price = price;
            guard.accepted = 1;
            return Ok(());
        } else {
            // The count only tells the warm-up from the rest: past it, it stops (no add per tick).
            guard.accepted = guard.accepted.saturating_add(1);
        }
        guard.jump_streak = 0;
        guard.variance += VAR_ALPHA * (d2 - guard.variance);
        guard.last_price = price;
        Ok(())
    }

    /// A run of rejections near one level is a real gap, not a bad print: after enough of them
    /// the level is accepted and the volatility estimate restarts from that move.
    #[cold]
    fn on_jump(
        &self,
        price: f64,
        d2: f64,
        limit: f64,
        guard: &mut SymbolGuard,
    ) -> Result<(), RejectReason> {
        let step = price - guard.jump_candidate;
        let near = guard.jump_streak > 0 && step * step <= limit;
        guard.jump_streak = if near { guard.jump_streak + 1 } else { 1 };
        guard.jump_candidate = price;
        if guard.jump_streak < self.config.jump_reanchor_after {
            return Err(RejectReason::PriceJump);
        }
        guard.variance = d2;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(ts: i64, bid: f64, ask: f64) -> Tick {
        let mut t = Tick::empty(ts, ts, 0);
        t.bid = bid;
        t.ask = ask;
        t
    }

    fn check(t: &Tick) -> Result<(), RejectReason> {
        Sanitizer::default().check(t, &mut SymbolGuard::default())
    }

    #[test]
    fn accepts_a_clean_quote_and_a_quiet_zero_volume_tick() {
        let mut t = quote(1, 100.0, 100.1);
        t.volume = 0.0;
        assert_eq!(check(&t), Ok(()));
    }

    #[test]
    fn rejects_each_default_rule() {
        let mut late = quote(0, 100.0, 100.1);
        late.ts_recv = 101 * NANOS_PER_MILLI;
        assert_eq!(check(&late), Err(RejectReason::Latency));
        assert_eq!(
            check(&quote(1, 100.0, 100.6)),
            Err(RejectReason::WideSpread)
        );
        assert_eq!(
            check(&quote(1, 100.2, 100.1)),
            Err(RejectReason::CrossedQuote)
        );
        assert_eq!(
            check(&quote(1, 0.0, 100.1)),
            Err(RejectReason::NonPositivePrice)
        );
        assert_eq!(
            check(&quote(1, f64::INFINITY, 100.1)),
            Err(RejectReason::NonFinite)
        );
        assert_eq!(
            check(&Tick::empty(1, 1, 0)),
            Err(RejectReason::MissingPrice)
        );
        let mut neg = quote(1, 100.0, 100.1);
        neg.volume = -1.0;
        assert_eq!(check(&neg), Err(RejectReason::NegativeVolume));
        let mut bar = Tick::empty(1, 1, 0);
        (bar.high, bar.low, bar.close) = (10.0, 11.0, 10.5);
        assert_eq!(check(&bar), Err(RejectReason::InconsistentBar));
        (bar.high, bar.low, bar.close) = (11.0, 10.0, 10.5);
        assert_eq!(check(&bar), Ok(()));
        bar.open = 11.5;
        assert_eq!(
            check(&bar),
            Err(RejectReason::InconsistentBar),
            "open above the high"
        );
        bar.open = 9.5;
        assert_eq!(
            check(&bar),
            Err(RejectReason::InconsistentBar),
            "open below the low"
        );
    }

    #[test]
    fn latency_exactly_at_the_limit_passes() {
        let mut t = quote(0, 100.0, 100.1);
        t.ts_recv = 100 * NANOS_PER_MILLI;
        assert_eq!(check(&t), Ok(()));
    }

    #[test]
    fn time_going_backwards_is_rejected_per_symbol() {
        let s = Sanitizer::default();
        let mut g = SymbolGuard::default();
        assert_eq!(s.check(&quote(10, 100.0, 100.1), &mut g), Ok(()));
        assert_eq!(
            s.check(&quote(9, 100.0, 100.1), &mut g),
            Err(RejectReason::TimeBackwards)
        );
        assert_eq!(s.check(&quote(10, 100.0, 100.1), &mut g), Ok(()));
        // Another symbol has its own clock.
        assert_eq!(
            s.check(&quote(5, 100.0, 100.1), &mut SymbolGuard::default()),
            Ok(())
        );
    }

    #[test]
    fn a_single_bad_print_is_a_jump_but_a_sustained_gap_is_accepted() {
        let s = Sanitizer::default();
        let mut g = SymbolGuard::default();
        for i in 0..100 {
            let p = 100.0 + if i % 2 == 0 { 0.01 } else { -0.01 };
            assert_eq!(s.check(&quote(i, p, p + 0.01), &mut g), Ok(()));
        }
        assert_eq!(
            s.check(&quote(100, 150.0, 150.01), &mut g),
            Err(RejectReason::PriceJump)
        );
        assert_eq!(s.check(&quote(101, 100.0, 100.01), &mut g), Ok(()));
        // A real gap to 130 repeats: rejected until the re-anchor count, then accepted.
        let results: Vec<_> = (0..5)
            .map(|i| s.check(&quote(102 + i, 130.0, 130.01), &mut g))
            .collect();
        assert!(results[..4]
            .iter()
            .all(|r| *r == Err(RejectReason::PriceJump)));
        assert_eq!(results[4], Ok(()));
        assert_eq!(s.check(&quote(110, 130.02, 130.03), &mut g), Ok(()));
    }
}
