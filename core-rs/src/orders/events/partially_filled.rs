//! Part of an order filled.

use super::{EventHeader, FillDetail};

/// An execution that leaves part of the order working.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderPartiallyFilled {
    /// Shared fields.
    pub header: EventHeader,
    /// The execution.
    pub fill: FillDetail,
}
