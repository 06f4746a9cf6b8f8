//! What the simulator tells the engine about each execution: enough to book it in the account
//! without looking the order up.

use std::borrow::Cow;

use crate::orders::{LiquiditySide, OrderId};
use crate::portfolio::ExitReason;
use crate::types::{OrderSide, Price, Qty, SymbolId, UnixNanos};

/// One execution, as the account books it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecReport {
    /// The order.
    pub order_id: OrderId,
    /// Symbol id.
    pub symbol: SymbolId,
    /// Buy or sell.
    pub side: OrderSide,
    /// Quantity.
    pub qty: Qty,
    /// Price.
    pub price: Price,
    /// Maker or taker.
    pub liquidity: LiquiditySide,
    /// Fee rate, bps (negative: a rebate).
    pub fee_bps: f64,
    /// Exchange time of the execution.
    pub ts_event: UnixNanos,
    /// Local time the order was decided (submitted).
    pub decided_at: UnixNanos,
    /// Arrival number of the market event the decision was taken on.
    pub decided_seq: u64,
    /// Strategy of the order.
    pub strategy: Cow<'static, str>,
    /// Confidence of the order's decision.
    pub confidence: f64,
    /// Signal the order carries out.
    pub signal_id: Option<u64>,
    /// Exit reason of a reducing execution.
    pub exit_reason: ExitReason,
    /// The order may only reduce.
    pub reduce_only: bool,
    /// Leverage the order asked for (the position's, when it opens one).
    pub leverage: f64,
    /// A shadow order's execution (no capital).
    pub shadow: bool,
    /// The venue acted on its own: a triggered stop or take-profit, or a liquidation. Such an
    /// execution was decided by the market event that caused it, not by a strategy.
    pub triggered: bool,
}

/// The exits a bracket entry arms at the venue (one cancels the other), as distances from the
/// entry's average fill price: set when it fills, sized by what filled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BracketSpec {
    /// Take-profit distance, fraction (None: no take-profit).
    pub take_profit: Option<f64>,
    /// Stop-loss distance, fraction (None: no stop-loss).
    pub stop_loss: Option<f64>,
}
