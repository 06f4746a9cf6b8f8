//! An order was canceled.

use super::EventHeader;

/// Canceled: by the strategy, by its bracket partner's fill, or because its parent ended
/// without a fill.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderCanceled {
    /// Shared fields.
    pub header: EventHeader,
    /// `requested`, `oco` (the partner filled), `parent` (the bracket's entry ended unfilled),
    /// `flat` (a reduce-only order with nothing left to reduce) or `kill_switch`.
    pub why: &'static str,
}
