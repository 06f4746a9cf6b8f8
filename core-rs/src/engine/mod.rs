//! The engine: one tick pipeline for backtest, replay, paper and live trading.
//!
//! [`Engine`] (`core.rs`) holds the state; each job is a file: the per-tick pipeline
//! (`tick.rs`), the batch driver (`batch.rs`), the merge of ticks with depth messages
//! (`merge.rs`), strategies and signals (`signals.rs`), fills, exits and funding (`fills.rs`),
//! manual orders (`manual.rs`), the kill switch (`halt.rs`), the record of every fill, funding
//! payment and rejected tick (`journal.rs`), and what a restart restores (`state.rs`).

mod batch;
mod checks;
mod config;
mod core;
mod depth;
mod event;
mod fills;
mod halt;
mod journal;
mod manual;
mod merge;
mod order_strategies;
mod orders;
mod signals;
mod state;
mod stats;
mod tick;

pub use config::EngineConfig;
pub use core::{Engine, EngineError, MAX_SYMBOLS};
pub use depth::{BookConfig, BookSlot, DepthColumns, MAX_BUFFERED_UPDATES};
pub use event::{Event, EventSink, NullSink};
pub use journal::{Journal, RejectedTick};
pub use manual::Provenance;
pub use state::{EngineState, PositionState};
pub use stats::{EngineStats, EquityTracker};
