//! Execution settings: fees, latencies, the queue model, slippage, exits, leverage and funding.
//! The venue simulator ([`crate::sim`]) is built from them.

use serde::Deserialize;

use crate::sim::{FeePreset, FeeSchedule, LatencyConfig, QueueConfig, SimConfig};
use crate::types::UnixNanos;

/// Fill-model settings (SPEC §7 defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExecutionConfig {
    /// Fee per side in bps of notional for market (taker) orders. Default 5.
    pub taker_fee_bps: f64,
    /// Fee per side in bps for resting (maker) fills; negative: a rebate. Default 5 (the SPEC's
    /// flat 5 bps unless set lower).
    pub maker_fee_bps: f64,
    /// A venue's published base-tier rates instead of the two above: `"binance_usdm"`,
    /// `"bybit"` or `"okx"`. Default none.
    pub fees: Option<FeePreset>,
    /// Fee in bps of notional when a position is liquidated (the venue's liquidation or
    /// insurance clearance fee; Binance USDⓈ-M charges one, Bybit and OKX fold it into the
    /// maintenance margin lost). Default 50.
    pub liquidation_fee_bps: f64,
    /// Slippage in bps against a market order where only a last price is known (no quote, no
    /// book). Default 1.
    pub slippage_bps: f64,
    /// Where only a quote is known: what the touch's displayed size cannot fill, fills this many
    /// bps beyond the touch. Default 5.
    pub impact_bps: f64,
    /// Order entry latency, ns (strategy → venue), when `order_latency` is not set. Default 0.
    pub latency_ns: UnixNanos,
    /// Order latency model (entry and response): constant or drawn from recorded samples.
    /// Default: a constant `latency_ns` entry latency and no response latency.
    pub order_latency: Option<LatencyConfig>,
    /// Feed latency: `recorded` (the data's receive times; default) or a model of the delivery
    /// delay from the event time.
    pub feed_latency: LatencyConfig,
    /// Queue model of resting limit orders. Default risk-averse.
    pub queue: QueueConfig,
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
            fees: None,
            slippage_bps: 1.0,
            impact_bps: 5.0,
            latency_ns: 0,
            order_latency: None,
            feed_latency: LatencyConfig::Recorded,
            queue: QueueConfig::default(),
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

impl ExecutionConfig {
    /// The maker and taker rates in force.
    pub fn fee_schedule(&self) -> FeeSchedule {
        match self.fees {
            Some(p) => p.schedule(),
            None => FeeSchedule {
                maker_bps: self.maker_fee_bps,
                taker_bps: self.taker_fee_bps,
            },
        }
    }

    /// The venue simulator these settings describe (`shadow`: the venue of shadow trades).
    pub fn sim_config(&self, shadow: bool) -> SimConfig {
        SimConfig {
            queue: self.queue,
            order_latency: self
                .order_latency
                .clone()
                .unwrap_or(LatencyConfig::Constant {
                    entry_ns: self.latency_ns,
                    response_ns: 0,
                }),
            fees: self.fee_schedule(),
            slippage_bps: self.slippage_bps,
            impact_bps: self.impact_bps,
            liquidation_fee_bps: self.liquidation_fee_bps,
            maintenance_margin: self.maintenance_margin,
            qty_step: self.qty_step,
            shadow,
        }
    }
}
