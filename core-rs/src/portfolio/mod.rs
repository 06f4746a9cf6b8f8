//! Positions, fills, fees, funding, liquidation and P&L.

mod account;
mod fill_model;
mod position;

pub use account::{Account, Fill, FillKind, OpenParams};
pub use fill_model::{
    ConstantFees, ConstantLatency, ExecutionConfig, FeeModel, LatencyModel, PriceModel,
    QuoteOrSlippage,
};
pub use position::{ExitReason, Position, Trade};
