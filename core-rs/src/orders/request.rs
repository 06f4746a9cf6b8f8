//! What a strategy (or a user) asks of the venue: a new order, a cancel, a modify.

use std::borrow::Cow;

use super::enums::{TimeInForce, TriggerSource};
use super::ids::ClientOrderId;
use crate::portfolio::ExitReason;
use crate::sim::BracketSpec;
use crate::types::{OrderSide, SymbolId};

/// The kind of a new order, with its kind's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OrderType {
    /// Market.
    Market,
    /// Limit at `price` with a time in force.
    Limit {
        /// Limit price.
        price: f64,
        /// Time in force.
        tif: TimeInForce,
    },
    /// Stop-market with a trigger price.
    StopMarket {
        /// Trigger price.
        trigger: f64,
        /// Which price triggers it.
        source: TriggerSource,
    },
    /// Take-profit (market if touched) with a trigger price.
    TakeProfit {
        /// Trigger price.
        trigger: f64,
        /// Which price triggers it.
        source: TriggerSource,
    },
}

/// A new order as a strategy submits it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    /// The client's id; None lets the engine make one (`q-<order id>`).
    pub client_id: Option<ClientOrderId>,
    /// Symbol id.
    pub symbol: SymbolId,
    /// Buy or sell.
    pub side: OrderSide,
    /// Quantity (floored to the quantity step).
    pub qty: f64,
    /// Kind and parameters.
    pub kind: OrderType,
    /// May only reduce the position.
    pub reduce_only: bool,
    /// The strategy placing it (`manual` for a user's order).
    pub strategy: Cow<'static, str>,
    /// Confidence of the decision, in [0, 1].
    pub confidence: f64,
    /// The signal it carries out, if any.
    pub signal_id: Option<u64>,
    /// The exit reason a reducing fill records.
    pub exit_reason: ExitReason,
    /// Leverage of the position it opens (the engine's default when None).
    pub leverage: Option<f64>,
    /// Exits to arm when it fills: a stop-loss and a take-profit, reduce-only, one cancelling
    /// the other.
    pub bracket: Option<BracketSpec>,
}

impl NewOrder {
    /// A market order for `strategy` with everything else at its default.
    pub fn market(
        symbol: SymbolId,
        side: OrderSide,
        qty: f64,
        strategy: impl Into<Cow<'static, str>>,
    ) -> Self {
        NewOrder {
            client_id: None,
            symbol,
            side,
            qty,
            kind: OrderType::Market,
            reduce_only: false,
            strategy: strategy.into(),
            confidence: 1.0,
            signal_id: None,
            exit_reason: ExitReason::Order,
            leverage: None,
            bracket: None,
        }
    }

    /// A limit order for `strategy`.
    pub fn limit(
        symbol: SymbolId,
        side: OrderSide,
        qty: f64,
        price: f64,
        tif: TimeInForce,
        strategy: impl Into<Cow<'static, str>>,
    ) -> Self {
        NewOrder {
            kind: OrderType::Limit { price, tif },
            ..Self::market(symbol, side, qty, strategy)
        }
    }
}

/// One request to the venue.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderRequest {
    /// Place an order.
    New(NewOrder),
    /// Cancel the order with this client id.
    Cancel(ClientOrderId),
    /// Change a working limit order's price and/or quantity. It loses its queue place unless
    /// only the quantity went down (as on Binance).
    Modify {
        /// The order.
        client_id: ClientOrderId,
        /// New price (None keeps it).
        price: Option<f64>,
        /// New total quantity (None keeps it); at or below the filled quantity is refused.
        qty: Option<f64>,
    },
}
