//! Strategies written in Python, run by the same engine (the slow path: one Python call per tick).

use pyo3::prelude::*;

use crate::strategy::{CustomStrategy, FeatureSnapshot, SignalDraft, StrategyError};
use crate::tick::Tick;

/// A tick as a Python strategy sees it (NaN = not provided).
#[pyclass(frozen, get_all, module = "quantum._core", name = "TickView")]
pub struct TickView {
    /// Exchange time, ns.
    pub ts_event: i64,
    /// Local receive time, ns.
    pub ts_recv: i64,
    /// Symbol id.
    pub symbol: u32,
    /// Last price.
    pub price: f64,
    /// Best bid.
    pub bid: f64,
    /// Best ask.
    pub ask: f64,
    /// Bid size / depth.
    pub bid_qty: f64,
    /// Ask size / depth.
    pub ask_qty: f64,
    /// Volume.
    pub volume: f64,
    /// Taker-buy volume.
    pub buy_volume: f64,
    /// Taker-sell volume.
    pub sell_volume: f64,
    /// Bar open.
    pub open: f64,
    /// Bar high.
    pub high: f64,
    /// Bar low.
    pub low: f64,
    /// Bar close.
    pub close: f64,
    /// Liquidated volume.
    pub liq_volume: f64,
    /// +1 longs liquidated, −1 shorts, 0 none.
    pub liq_side: i8,
    /// Funding rate.
    pub funding_rate: f64,
    /// Open interest.
    pub open_interest: f64,
}

/// The core's features of the last completed bar of the tick's symbol (None = unknown); the bar
/// in progress is seen only through the tick.
#[pyclass(frozen, get_all, module = "quantum._core", name = "FeatureView")]
pub struct FeatureView {
    /// Close of the last completed bar.
    pub price: f64,
    /// Close of the bar before it (NaN until there is one).
    pub prev_price: f64,
    /// RSI.
    pub rsi: Option<f64>,
    /// Volume imbalance.
    pub imbalance: Option<f64>,
    /// True range / close.
    pub tr_ratio: Option<f64>,
    /// Rolling mean of tr_ratio.
    pub tr_mean: Option<f64>,
    /// Liquidation volume / volume.
    pub liq_ratio: Option<f64>,
    /// Liquidity score in [0, 1].
    pub liquidity: Option<f64>,
    /// EMA of price (period `features.ema_period`).
    pub ema: Option<f64>,
}

/// The Python view of a tick.
pub(crate) fn tick_view(t: &Tick) -> TickView {
    TickView {
        ts_event: t.ts_event,
        ts_recv: t.ts_recv,
        symbol: t.symbol,
        price: t.price,
        bid: t.bid,
        ask: t.ask,
        bid_qty: t.bid_qty,
        ask_qty: t.ask_qty,
        volume: t.volume,
        buy_volume: t.buy_volume,
        sell_volume: t.sell_volume,
        open: t.open,
        high: t.high,
        low: t.low,
        close: t.close,
        liq_volume: t.liq_volume,
        liq_side: t.liq_side,
        funding_rate: t.funding_rate,
        open_interest: t.open_interest,
    }
}

/// Adapts a Python object with `on_tick(tick, features)` to the core's trait.
pub(crate) struct PyStrategy {
    pub(crate) name: String,
    pub(crate) obj: Py<PyAny>,
}

fn fail(name: &str, err: PyErr) -> StrategyError {
    StrategyError {
        strategy: name.to_string(),
        message: err.to_string(),
        source: Some(Box::new(err)),
    }
}

impl CustomStrategy for PyStrategy {
    fn name(&self) -> &str {
        &self.name
    }

    fn on_tick(
        &mut self,
        t: &Tick,
        f: &FeatureSnapshot,
    ) -> Result<Option<SignalDraft>, StrategyError> {
        Python::attach(|py| {
            let tick = tick_view(t);
            let feats = FeatureView {
                price: f.price,
                prev_price: f.prev_price,
                rsi: f.rsi(),
                imbalance: f.imbalance(),
                tr_ratio: f.tr_ratio,
                tr_mean: f.tr_mean,
                liq_ratio: f.liq_ratio,
                liquidity: f.liquidity,
                ema: f.ema,
            };
            let out = self
                .obj
                .bind(py)
                .call_method1("on_tick", (tick, feats))
                .map_err(|e| fail(&self.name, e))?;
            if out.is_none() {
                return Ok(None);
            }
            let read = || -> PyResult<SignalDraft> {
                let side: String = out.getattr("side")?.extract()?;
                let target = super::convert::parse_target(&side)?;
                let confidence: f64 = out.getattr("confidence")?.extract()?;
                if !(0.0..=1.0).contains(&confidence) {
                    return Err(super::errors::quantum_error(
                        "DataError",
                        (format!("confidence must be in [0, 1], got {confidence}"),),
                    ));
                }
                let reason: String = out.getattr("reason")?.extract()?;
                Ok(SignalDraft {
                    target,
                    confidence,
                    reason: reason.into(),
                })
            };
            read().map(Some).map_err(|e| fail(&self.name, e))
        })
    }
}
