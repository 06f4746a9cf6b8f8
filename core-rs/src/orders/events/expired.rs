//! An order's time in force ran out.

use super::EventHeader;
use crate::types::Qty;

/// The unfilled rest of an IOC or market order, or an FOK that could not fill completely.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderExpired {
    /// Shared fields.
    pub header: EventHeader,
    /// Quantity that expired unfilled.
    pub leaves: Qty,
}
