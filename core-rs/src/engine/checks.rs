//! Configuration checks: everything the engine cannot run with is refused before it starts.

use super::config::EngineConfig;
use super::core::EngineError;
use crate::types::Money;

/// Checks `c` and returns the initial capital as money.
pub(super) fn check_config(c: &EngineConfig) -> Result<Money, EngineError> {
    let bad = |m: &str| Err(EngineError::Config(m.to_string()));
    let e = &c.execution;
    if !(c.initial_capital > 0.0) {
        return bad("initial_capital must be > 0");
    }
    if !(e.leverage >= 1.0) {
        return bad("execution.leverage must be >= 1");
    }
    if !(e.take_profit.is_none_or(|f| f > 0.0) && e.stop_loss.is_none_or(|f| f > 0.0 && f < 1.0)) {
        return bad("execution.take_profit and stop_loss must be positive fractions");
    }
    if !(e.qty_step > 0.0) || e.latency_ns < 0 {
        return bad("execution.qty_step must be > 0 and latency_ns >= 0");
    }
    // Venues settle funding every hour to every eight hours; a shorter interval would charge a
    // position at thousands of funding times per tick.
    if e.funding_interval_ns < 60 * crate::types::NANOS_PER_SECOND {
        return bad("execution.funding_interval_ns must be at least one minute");
    }
    if e.min_hold_ns < 0 {
        return bad("execution.min_hold_ns must be >= 0");
    }
    if !(e.taker_fee_bps.is_finite() && e.maker_fee_bps.is_finite() && e.liquidation_fee_bps >= 0.0)
    {
        return bad("execution fees must be finite (liquidation_fee_bps >= 0)");
    }
    if c.equity_sample_ns <= 0 {
        return bad("equity_sample_ns must be > 0");
    }
    let f = &c.features;
    if f.rsi_period == 0 || f.tr_window == 0 || f.liquidity_window == 0 {
        return bad("feature windows must be > 0");
    }
    if f.tr_window > crate::strategy::MAX_WINDOW || f.liquidity_window > crate::strategy::MAX_WINDOW
    {
        return bad("feature windows must be <= 256");
    }
    if f.bar_ns < 0 {
        return bad("features.bar_ns must be >= 0");
    }
    if c.liquidation_hunter.window_ns <= 0 {
        return bad("liquidation_hunter.window_ns must be > 0");
    }
    let r = &c.risk;
    if !(r.max_drawdown > 0.0 && r.max_drawdown <= 1.0 && r.max_position_notional > 0.0) {
        return bad("risk.max_drawdown must be in (0, 1] and max_position_notional > 0");
    }
    if c.risk
        .fixed_qty
        .is_some_and(|q| !(q > 0.0 && q.is_finite()))
    {
        return bad("risk.fixed_qty must be a positive number when set");
    }
    if !(c.book.depth_bps > 0.0) {
        return bad("book.depth_bps must be > 0");
    }
    c.book.sequence_rule().map_err(EngineError::Config)?;
    c.market_maker.check().map_err(EngineError::Config)?;
    if e.impact_bps < 0.0 || !e.impact_bps.is_finite() {
        return bad("execution.impact_bps must be >= 0");
    }
    Money::from_f64(c.initial_capital).map_err(|e| EngineError::Config(e.to_string()))
}
