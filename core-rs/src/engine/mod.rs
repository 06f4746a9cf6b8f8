//! The engine: one tick pipeline for backtest, replay, paper and live trading.

mod config;
mod depth;
mod event;
mod pipeline;
mod state;
mod stats;

pub use config::EngineConfig;
pub use depth::{BookConfig, BookSlot, DepthColumns, MAX_BUFFERED_UPDATES};
pub use event::{Event, EventSink, NullSink};
pub use pipeline::{Engine, EngineError, MAX_SYMBOLS};
pub use state::{EngineState, PositionState};
pub use stats::{EngineStats, EquityTracker};
