//! The venue accepted an order.

use super::EventHeader;

/// The order is working at the venue (resting, or waiting for its trigger).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderAccepted {
    /// Shared fields.
    pub header: EventHeader,
}
