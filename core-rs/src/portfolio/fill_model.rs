//! How orders become fills: latency, the price paid, fees. Small traits with a constant
//! implementation each, so a data-driven model can replace any of them.

use serde::Deserialize;

use crate::tick::Tick;
use crate::types::{OrderSide, UnixNanos};

/// Fill-model settings (SPEC §7 defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExecutionConfig {
    /// Fee per side in bps of notional for market (taker) orders. Default 5.
    pub taker_fee_bps: f64,
    /// Fee per side in bps for resting (maker) fills: take-profit exits. Default 5 (the
    /// simple model charges the taker fee everywhere unless this is set lower).
    pub maker_fee_bps: f64,
    /// Slippage in bps applied when a tick has no quote. Default 1.
    pub slippage_bps: f64,
    /// Order latency: a decision fills on the first tick at least this much later (local
    /// clock), and never on the decision's own tick. Default 0.
    pub latency_ns: UnixNanos,
    /// Take-profit distance from entry, fraction; None disables it. Default 0.01.
    pub take_profit: Option<f64>,
    /// Stop-loss distance from entry, fraction; None disables it. Default 0.005.
    pub stop_loss: Option<f64>,
    /// Leverage of new positions. Default 1.
    pub leverage: f64,
    /// Maintenance margin rate for the liquidation price. Default 0.004.
    pub maintenance_margin: f64,
    /// Funding interval, ns (UTC-aligned). Default 8 h.
    pub funding_interval_ns: UnixNanos,
    /// Quantity step; sizes are floored to it. Default 1e-8.
    pub qty_step: f64,
}

impl Default for ExecutionConfig {
    fn default() -> Self {
        ExecutionConfig {
            taker_fee_bps: 5.0,
            maker_fee_bps: 5.0,
            slippage_bps: 1.0,
            latency_ns: 0,
            take_profit: Some(0.01),
            stop_loss: Some(0.005),
            leverage: 1.0,
            maintenance_margin: 0.004,
            funding_interval_ns: 8 * 3600 * 1_000_000_000,
            qty_step: 1e-8,
        }
    }
}

/// When a decision may fill.
pub trait LatencyModel {
    /// Earliest local time at which an order decided at `decided_at` can fill.
    fn fill_after(&self, decided_at: UnixNanos) -> UnixNanos;
}

/// A constant order latency.
#[derive(Debug, Clone, Copy)]
pub struct ConstantLatency(pub UnixNanos);

impl LatencyModel for ConstantLatency {
    #[inline]
    fn fill_after(&self, decided_at: UnixNanos) -> UnixNanos {
        decided_at.saturating_add(self.0)
    }
}

/// The price a market order gets on a tick.
pub trait PriceModel {
    /// Fill price for `side` on `tick`.
    fn market_price(&self, side: OrderSide, tick: &Tick) -> f64;
}

/// Buys at the ask and sells at the bid when quoted; else the last price with a fixed slippage.
#[derive(Debug, Clone, Copy)]
pub struct QuoteOrSlippage {
    /// Slippage in bps against the order when there is no quote.
    pub slippage_bps: f64,
}

impl PriceModel for QuoteOrSlippage {
    #[inline]
    fn market_price(&self, side: OrderSide, t: &Tick) -> f64 {
        let slip = self.slippage_bps * 1e-4;
        match side {
            OrderSide::Buy if t.ask.is_finite() => t.ask,
            OrderSide::Sell if t.bid.is_finite() => t.bid,
            OrderSide::Buy => t.reference_price() * (1.0 + slip),
            OrderSide::Sell => t.reference_price() * (1.0 - slip),
        }
    }
}

/// The fee rate of a fill.
pub trait FeeModel {
    /// Fee in bps of notional.
    fn fee_bps(&self, maker: bool) -> f64;
}

/// Constant maker and taker rates.
#[derive(Debug, Clone, Copy)]
pub struct ConstantFees {
    /// Taker bps.
    pub taker_bps: f64,
    /// Maker bps.
    pub maker_bps: f64,
}

impl FeeModel for ConstantFees {
    #[inline]
    fn fee_bps(&self, maker: bool) -> f64 {
        if maker {
            self.maker_bps
        } else {
            self.taker_bps
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_first_then_slippage() {
        let m = QuoteOrSlippage { slippage_bps: 10.0 };
        let mut t = Tick::empty(0, 0, 0);
        t.price = 100.0;
        assert!((m.market_price(OrderSide::Buy, &t) - 100.1).abs() < 1e-9);
        assert!((m.market_price(OrderSide::Sell, &t) - 99.9).abs() < 1e-9);
        (t.bid, t.ask) = (99.5, 100.5);
        assert_eq!(m.market_price(OrderSide::Buy, &t), 100.5);
        assert_eq!(m.market_price(OrderSide::Sell, &t), 99.5);
    }
}
