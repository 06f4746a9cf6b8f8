//! A working order's price or quantity changed.

use super::EventHeader;
use crate::types::{Price, Qty};

/// Modified. `kept_queue` is true only when the quantity went down at the same price: the venue
/// keeps the order's place in the queue; any other change puts it at the back.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderModified {
    /// Shared fields.
    pub header: EventHeader,
    /// The price now.
    pub price: Price,
    /// The total quantity now.
    pub qty: Qty,
    /// Whether it kept its queue place.
    pub kept_queue: bool,
}
