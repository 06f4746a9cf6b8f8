//! Strategies: bar features, the built-in strategies, and the trait for custom ones (a Python
//! strategy runs through the same engine through this trait — the slow path).

mod builtin;
mod depth_window;
mod features;
mod liq_window;
mod market_maker;
mod order_strategy;
mod signal;
mod time_bar;

pub use builtin::{
    EmaCrossConfig, LiquidationHunterConfig, OrderFlowConfig, VolatilityFaderConfig,
};
pub(crate) use features::finite;
pub use features::{
    BarFeatures, FeatureConfig, FeatureSnapshot, ImbalanceSource, SymbolFeatures, MAX_WINDOW,
};
pub use liq_window::{LiqReading, LiqWindow};
pub use market_maker::{MarketMaker, MarketMakerConfig, QuoteRule};
pub use order_strategy::{OrderContext, OrderStrategy};
pub use signal::{IgnoreReason, Signal, SignalDisposition, SignalDraft, Target};
pub use time_bar::{Bar, BarBuilder};

use thiserror::Error;

use crate::tick::Tick;

/// A custom strategy failed; the run stops and the error reaches the caller.
#[derive(Debug, Error)]
#[error("strategy '{strategy}' failed: {message}")]
pub struct StrategyError {
    /// The strategy's name.
    pub strategy: String,
    /// What went wrong.
    pub message: String,
    /// The original error (e.g. the Python exception), handed back to the caller unchanged.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// A strategy written outside the core (e.g. in Python). It sees every accepted tick, for every
/// symbol, with the features of the symbol's last completed bar, and keeps whatever state it
/// needs.
pub trait CustomStrategy: Send + Sync {
    /// Name used in signals and trades.
    fn name(&self) -> &str;
    /// The signal for this tick, if any.
    fn on_tick(
        &mut self,
        tick: &Tick,
        features: &FeatureSnapshot,
    ) -> Result<Option<SignalDraft>, StrategyError>;
}
