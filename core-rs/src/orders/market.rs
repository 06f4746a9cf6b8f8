//! A market order: takes the book's liquidity at once.

use super::core::OrderCore;

/// Fills on arrival against the book, level by level; what the book cannot fill expires (the
/// venues' market orders behave as IOC).
#[derive(Debug, Clone, PartialEq)]
pub struct MarketOrder {
    /// Shared fields.
    pub core: OrderCore,
}
