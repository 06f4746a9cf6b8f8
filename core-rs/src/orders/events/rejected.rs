//! An order, cancel or modify was refused.

use super::EventHeader;
use crate::orders::OrderRejectReason;

/// Refused, by the venue or by DRB-Guard before sending. For a refused cancel or modify the
/// order itself is unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRejected {
    /// Shared fields.
    pub header: EventHeader,
    /// Why.
    pub reason: OrderRejectReason,
    /// What was refused: `new`, `cancel` or `modify`.
    pub request: &'static str,
}
