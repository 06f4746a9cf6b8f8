//! An order filled completely, and what one fill is.

use super::EventHeader;
use crate::orders::LiquiditySide;
use crate::types::{Money, OrderSide, Price, Qty};

/// One execution of an order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FillDetail {
    /// Buy or sell.
    pub side: OrderSide,
    /// Quantity of this execution.
    pub qty: Qty,
    /// Price of this execution.
    pub price: Price,
    /// Maker or taker.
    pub liquidity: LiquiditySide,
    /// Fee paid (negative: a rebate).
    pub fee: Money,
    /// Fee rate applied, bps of notional.
    pub fee_bps: f64,
    /// Quantity still to fill after it.
    pub leaves: Qty,
}

/// The last execution of an order: nothing is left.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderFilled {
    /// Shared fields.
    pub header: EventHeader,
    /// The execution.
    pub fill: FillDetail,
}
