//! A take-profit order: books a favourable move.

use super::core::OrderCore;
use super::enums::TriggerSource;
use crate::types::Price;

/// Market-if-touched: becomes a market order when the trigger price is reached in its favour (a
/// sell take-profit when the price rises to the trigger or above, a buy one when it falls to it
/// or below). On bar data it fills at the trigger level as a resting order would (the bar's
/// range shows the price was there; the market order after the touch has no later price).
#[derive(Debug, Clone, PartialEq)]
pub struct TakeProfitOrder {
    /// Shared fields.
    pub core: OrderCore,
    /// Trigger price.
    pub trigger: Price,
    /// Which price triggers it.
    pub source: TriggerSource,
}
