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
    /// Fee per side in bps for resting (maker) fills: take-profit exits on bars. Default 5 (the
    /// simple model charges the taker fee everywhere unless this is set lower).
    pub maker_fee_bps: f64,
    /// Fee in bps of notional when a position is liquidated (the venue's liquidation or
    /// insurance clearance fee; Binance USDⓈ-M charges one, Bybit and OKX fold it into the
    /// maintenance margin lost). Default 50.
    pub liquidation_fee_bps: f64,
    /// Slippage in bps applied when a tick has no quote. Default 1.
    pub slippage_bps: f64,
    /// Order latency: a decision fills on the first tick at least this much later (local
    /// clock), and never on the decision's own tick. Default 0.
    pub latency_ns: UnixNanos,
    /// A position is not closed or reversed by a signal before it has been open this long
    /// (local clock); exits, liquidation and the kill switch are not held back. Default 30 s.
    pub min_hold_ns: UnixNanos,
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
            liquidation_fee_bps: 50.0,
            slippage_bps: 1.0,
            latency_ns: 0,
            min_hold_ns: 30 * 1_000_000_000,
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

/// Buys at the ask and sells at the bid when quoted. Otherwise, on a bar with an open, at the
/// open (the decision was taken on an earlier bar: the first price of this one is the first it
/// can get), else at the last price (a bar's close), with a fixed slippage against the order.
#[derive(Debug, Clone, Copy)]
pub struct QuoteOrSlippage {
    /// Slippage in bps against the order when there is no quote.
    pub slippage_bps: f64,
}

impl QuoteOrSlippage {
    /// Whether a market order on `t` fills at the start of its bar, so that the bar's range
    /// comes after the fill (and may trigger the new position's exits on this bar). A fill at a
    /// bar's close, or on a quote or trade tick, comes after everything the tick shows.
    #[inline]
    pub fn fills_at_open(t: &Tick) -> bool {
        t.is_bar() && t.open.is_finite() && !(t.ask.is_finite() || t.bid.is_finite())
    }
}

impl PriceModel for QuoteOrSlippage {
    #[inline]
    fn market_price(&self, side: OrderSide, t: &Tick) -> f64 {
        let slip = self.slippage_bps * 1e-4;
        let base = if Self::fills_at_open(t) { t.open } else { t.reference_price() };
        match side {
            OrderSide::Buy if t.ask.is_finite() => t.ask,
            OrderSide::Sell if t.bid.is_finite() => t.bid,
            OrderSide::Buy => base * (1.0 + slip),
            OrderSide::Sell => base * (1.0 - slip),
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

    #[test]
    fn bars_fill_at_their_open_else_at_their_close() {
        let m = QuoteOrSlippage { slippage_bps: 10.0 };
        let mut bar = Tick::empty(0, 0, 0);
        (bar.open, bar.high, bar.low, bar.close) = (100.0, 103.0, 97.0, 102.0);
        assert!(QuoteOrSlippage::fills_at_open(&bar));
        assert!((m.market_price(OrderSide::Buy, &bar) - 100.1).abs() < 1e-9);
        assert!((m.market_price(OrderSide::Sell, &bar) - 99.9).abs() < 1e-9);
        bar.open = f64::NAN;
        assert!(!QuoteOrSlippage::fills_at_open(&bar));
        assert!((m.market_price(OrderSide::Buy, &bar) - 102.102).abs() < 1e-9);
    }
}
