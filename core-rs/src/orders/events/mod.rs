//! The events of an order's life, one type each, as the strategy receives them.
//!
//! Every event carries the exchange time it happened at (`ts_event`) and the local time the
//! strategy learns of it (`ts_local` = `ts_event` + the response latency, or the submission
//! time for a refusal DRB-Guard made before sending).

mod accepted;
mod canceled;
mod expired;
mod filled;
mod modified;
mod partially_filled;
mod rejected;
mod triggered;

pub use accepted::OrderAccepted;
pub use canceled::OrderCanceled;
pub use expired::OrderExpired;
pub use filled::{FillDetail, OrderFilled};
pub use modified::OrderModified;
pub use partially_filled::OrderPartiallyFilled;
pub use rejected::OrderRejected;
pub use triggered::OrderTriggered;

use super::ids::{ClientOrderId, OrderId};
use crate::types::{SymbolId, UnixNanos};

/// Any order event.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderEvent {
    /// Accepted by the venue.
    Accepted(OrderAccepted),
    /// Refused, with a reason.
    Rejected(OrderRejected),
    /// A stop or take-profit's trigger was reached.
    Triggered(OrderTriggered),
    /// Part filled.
    PartiallyFilled(OrderPartiallyFilled),
    /// Completely filled.
    Filled(OrderFilled),
    /// Canceled.
    Canceled(OrderCanceled),
    /// Its time in force ran out.
    Expired(OrderExpired),
    /// Price or quantity changed.
    Modified(OrderModified),
}

/// The fields every order event has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventHeader {
    /// The order.
    pub order_id: OrderId,
    /// The client's id of the order.
    pub client_id: ClientOrderId,
    /// Symbol id.
    pub symbol: SymbolId,
    /// Exchange time it happened.
    pub ts_event: UnixNanos,
    /// Local time the strategy learns of it.
    pub ts_local: UnixNanos,
}

impl OrderEvent {
    /// The shared fields.
    pub fn header(&self) -> &EventHeader {
        match self {
            OrderEvent::Accepted(e) => &e.header,
            OrderEvent::Rejected(e) => &e.header,
            OrderEvent::Triggered(e) => &e.header,
            OrderEvent::PartiallyFilled(e) => &e.header,
            OrderEvent::Filled(e) => &e.header,
            OrderEvent::Canceled(e) => &e.header,
            OrderEvent::Expired(e) => &e.header,
            OrderEvent::Modified(e) => &e.header,
        }
    }

    /// Stable snake_case name of the event kind.
    pub fn kind(&self) -> &'static str {
        match self {
            OrderEvent::Accepted(_) => "accepted",
            OrderEvent::Rejected(_) => "rejected",
            OrderEvent::Triggered(_) => "triggered",
            OrderEvent::PartiallyFilled(_) => "partially_filled",
            OrderEvent::Filled(_) => "filled",
            OrderEvent::Canceled(_) => "canceled",
            OrderEvent::Expired(_) => "expired",
            OrderEvent::Modified(_) => "modified",
        }
    }

    /// The fill, for fill events.
    pub fn fill(&self) -> Option<&FillDetail> {
        match self {
            OrderEvent::PartiallyFilled(e) => Some(&e.fill),
            OrderEvent::Filled(e) => Some(&e.fill),
            _ => None,
        }
    }
}
