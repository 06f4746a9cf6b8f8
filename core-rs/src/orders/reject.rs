//! Why an order, a cancel or a modify was refused.

use crate::risk::RiskReject;

/// The reason in an [`OrderRejected`](super::OrderRejected) event. The names are stable
/// (`as_str`) and counted as `order:<name>` (`risk:<name>` for DRB-Guard's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderRejectReason {
    /// DRB-Guard refused it.
    Risk(RiskReject),
    /// A post-only order would have taken liquidity on arrival.
    PostOnlyWouldTake,
    /// A reduce-only order would open or add to a position (or there is nothing to reduce).
    ReduceOnlyWouldIncrease,
    /// The client order id is already used in this account.
    DuplicateClientId,
    /// Quantity not positive, not finite, or below the quantity step.
    InvalidQuantity,
    /// Price or trigger price not positive or not finite.
    InvalidPrice,
    /// No market price is known for the symbol yet.
    NoMarket,
    /// The symbol's book is invalid (a gap, waiting for a snapshot).
    BookInvalid,
    /// A cancel or modify named an order that is unknown or already finished.
    UnknownOrder,
    /// A modify of a kind the venue does not allow (only limit orders' price and quantity).
    CannotModify,
    /// Withdrawn before it reached the venue: the live venue refused the order it mirrors.
    Withdrawn,
    /// A client id of the engine's own form (`q-<number>`) on a new order.
    ReservedClientId,
}

impl OrderRejectReason {
    /// Stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderRejectReason::Risk(r) => r.as_str(),
            OrderRejectReason::PostOnlyWouldTake => "post_only_would_take",
            OrderRejectReason::ReduceOnlyWouldIncrease => "reduce_only_would_increase",
            OrderRejectReason::DuplicateClientId => "duplicate_client_id",
            OrderRejectReason::InvalidQuantity => "invalid_quantity",
            OrderRejectReason::InvalidPrice => "invalid_price",
            OrderRejectReason::NoMarket => "no_market",
            OrderRejectReason::BookInvalid => "book_invalid",
            OrderRejectReason::UnknownOrder => "unknown_order",
            OrderRejectReason::CannotModify => "cannot_modify",
            OrderRejectReason::Withdrawn => "withdrawn",
            OrderRejectReason::ReservedClientId => "reserved_client_id",
        }
    }

    /// The counter this rejection adds to: `risk:<reason>` or `order:<reason>`.
    pub fn counter(self) -> String {
        match self {
            OrderRejectReason::Risk(r) => format!("risk:{}", r.as_str()),
            other => format!("order:{}", other.as_str()),
        }
    }
}
