//! Positions, fills, fees, funding, liquidation and P&L.

mod account;
mod exits;
mod fill_model;
mod funding;
mod position;

pub use account::{Account, Positions, ShadowBook};
pub use exits::{exit_band, exit_decision, Exit};
pub use fill_model::{
    ConstantFees, ConstantLatency, ExecutionConfig, FeeModel, LatencyModel, PriceModel, QuoteOrSlippage,
};
pub use funding::{next_funding_time, FundingCharge};
pub(crate) use position::price_of as price_level;
pub use position::{EntryFill, ExitFill, ExitReason, Fill, FillAt, FillKind, OpenParams, Position, Trade};
