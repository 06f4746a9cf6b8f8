//! A stop-market order: protects against an adverse move.

use super::core::OrderCore;
use super::enums::TriggerSource;
use crate::types::Price;

/// Becomes a market order when the trigger price is reached against it: a sell stop when the
/// price falls to the trigger or below, a buy stop when it rises to it or above.
#[derive(Debug, Clone, PartialEq)]
pub struct StopMarketOrder {
    /// Shared fields.
    pub core: OrderCore,
    /// Trigger price.
    pub trigger: Price,
    /// Which price triggers it.
    pub source: TriggerSource,
}
