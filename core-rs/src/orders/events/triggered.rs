//! A stop or take-profit order's trigger was reached.

use super::EventHeader;
use crate::types::Price;

/// The order is now a market order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTriggered {
    /// Shared fields.
    pub header: EventHeader,
    /// The price that reached the trigger.
    pub price: Price,
}
