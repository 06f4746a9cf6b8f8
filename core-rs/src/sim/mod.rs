//! The exchange simulator: orders at a venue, matched against the market data of a backtest or
//! a live feed, with queue positions, latencies and fees. Backtest and paper trading use it
//! alike; the engine books its executions.
//!
//! Two clocks: the venue's (`ts_event` of the market data) and the strategy's (`ts_recv`, or a
//! feed-latency model). A request the strategy sends at local time `L` reaches the venue at
//! `L + entry latency`; the venue's answers reach the strategy `response latency` after they
//! happen. See `docs/simulator.md` for every rule and what it costs against a real venue.

mod bar_path;
mod exchange;
pub mod fees;
pub mod latency;
mod maker;
mod market;
pub mod queue;
mod report;
mod taker;

pub(crate) use exchange::{floor_qty, ClientMap};
pub use exchange::{BookSource, Exchange, NoBooks, OrderCounts, OrderRecord, Refused, SimConfig};
pub use fees::{FeeModel, FeePreset, FeeSchedule};
pub use latency::{
    AnyLatency, ConstantLatency, EmpiricalLatency, FeedClock, LatencyConfig, LatencyModel,
    SplitMix64,
};
pub use market::{ConsumedLevels, MarketMemory};
pub use queue::{AnyQueueModel, QueueConfig, QueueKind, QueueModel, QueuePos};
pub use report::{BracketSpec, ExecReport};

#[cfg(test)]
mod tests;
