//! Positions, fills, fees, funding, liquidation and P&L.

mod account;
mod execution;
mod funding;
mod position;

pub use account::{Account, Booked, Execution, Positions, ShadowBook};
pub use execution::ExecutionConfig;
pub use funding::{next_funding_time, FundingCharge};
pub(crate) use position::price_of as price_level;
pub(crate) use position::{basis_removed, liquidation_price};
pub use position::{
    EntryFill, ExitFill, ExitReason, Fill, FillAt, FillKind, OpenParams, Position, Trade,
};
