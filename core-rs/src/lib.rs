//! Quantum HFT core: the compiled hot path shared by backtest, replay, paper and live trading.
//!
//! Domain modules have no Python in them; the PyO3 layer lives in `python/` behind the `python`
//! feature, so `cargo test` builds and runs without a Python interpreter.

pub mod book;
pub mod engine;
pub mod metrics;
pub mod orders;
pub mod parse;
pub mod portfolio;
pub mod risk;
pub mod sanitizer;
pub mod sim;
pub mod strategy;
pub mod tick;
pub mod types;

#[cfg(feature = "python")]
mod python;
