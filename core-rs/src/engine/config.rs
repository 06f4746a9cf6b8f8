//! Engine configuration: every component's settings in one tree, with the SPEC defaults.

use serde::Deserialize;

use super::depth::BookConfig;
use crate::portfolio::ExecutionConfig;
use crate::risk::RiskConfig;
use crate::sanitizer::SanitizerConfig;
use crate::strategy::{
    EmaCrossConfig, FeatureConfig, LiquidationHunterConfig, MarketMakerConfig, OrderFlowConfig,
    VolatilityFaderConfig,
};
use crate::types::{UnixNanos, NANOS_PER_SECOND};

/// Everything the engine needs to know; unknown fields are an error.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// Starting capital in quote currency. Default 10,000.
    pub initial_capital: f64,
    /// Act on strategy signals automatically. When false, signals are only emitted (the service
    /// shows them as pending) and positions open through manual orders. Default true.
    pub auto_execute: bool,
    /// Equity curve sampling interval of event time, ns. Default 60 s.
    pub equity_sample_ns: UnixNanos,
    /// Keep the journal: every fill (shadow ones too), funding payment and rejected tick, for
    /// reports and the auditor. A long-running paper session turns it off. Default true.
    pub journal: bool,
    /// L0 sanitizer limits.
    pub sanitizer: SanitizerConfig,
    /// Feature windows.
    pub features: FeatureConfig,
    /// Liquidation Hunter.
    pub liquidation_hunter: LiquidationHunterConfig,
    /// Order Flow.
    pub order_flow: OrderFlowConfig,
    /// Volatility Spike Fader.
    pub volatility_fader: VolatilityFaderConfig,
    /// EMA-cross (off by default).
    pub ema_cross: EmaCrossConfig,
    /// The market maker: quotes both sides with limit orders (off by default).
    pub market_maker: MarketMakerConfig,
    /// DRB-Guard.
    pub risk: RiskConfig,
    /// Fill model, fees, exits, leverage, funding.
    pub execution: ExecutionConfig,
    /// Order books driven by depth messages (when the data has them).
    pub book: BookConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            initial_capital: 10_000.0,
            auto_execute: true,
            equity_sample_ns: 60 * NANOS_PER_SECOND,
            journal: true,
            sanitizer: SanitizerConfig::default(),
            features: FeatureConfig::default(),
            liquidation_hunter: LiquidationHunterConfig::default(),
            order_flow: OrderFlowConfig::default(),
            volatility_fader: VolatilityFaderConfig::default(),
            ema_cross: EmaCrossConfig::default(),
            market_maker: MarketMakerConfig::default(),
            risk: RiskConfig::default(),
            execution: ExecutionConfig::default(),
            book: BookConfig::default(),
        }
    }
}
