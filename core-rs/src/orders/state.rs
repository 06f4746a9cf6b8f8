//! The order state machine: which event may move an order from which status, and to what.
//!
//! ```text
//! Submitted ─accept→ Accepted ─trigger→ Triggered
//!     │                 │  ╲               │
//!   reject        partial fill ╲───────────┤ (partial fill / fill / cancel / expire)
//!     ↓                 ↓       ╲          ↓
//!  Rejected      PartiallyFilled ─fill→ Filled        Canceled   Expired
//! ```
//!
//! Filled, Canceled, Rejected and Expired are final: nothing moves an order out of them.

use thiserror::Error;

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Sent by the strategy, not yet answered by the venue (in flight).
    Submitted,
    /// Working at the venue: resting, or (stop / take-profit) waiting for its trigger.
    Accepted,
    /// A stop or take-profit whose trigger price was reached: now a market order.
    Triggered,
    /// Part of the quantity filled; the rest is working.
    PartiallyFilled,
    /// Completely filled.
    Filled,
    /// Canceled by the strategy, by its bracket partner (one cancels the other), or because its
    /// parent ended unfilled.
    Canceled,
    /// Refused by the venue or by DRB-Guard, with a reason.
    Rejected,
    /// Its time in force ran out (the unfilled rest of an IOC, an unfillable FOK).
    Expired,
}

impl OrderStatus {
    /// Every status, in life order.
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::Submitted,
        OrderStatus::Accepted,
        OrderStatus::Triggered,
        OrderStatus::PartiallyFilled,
        OrderStatus::Filled,
        OrderStatus::Canceled,
        OrderStatus::Rejected,
        OrderStatus::Expired,
    ];

    /// Stable snake_case name for the store, the API and the CLI's JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Submitted => "submitted",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Triggered => "triggered",
            OrderStatus::PartiallyFilled => "partially_filled",
            OrderStatus::Filled => "filled",
            OrderStatus::Canceled => "canceled",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Expired => "expired",
        }
    }

    /// Nothing can happen to the order any more.
    #[inline]
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Filled
                | OrderStatus::Canceled
                | OrderStatus::Rejected
                | OrderStatus::Expired
        )
    }

    /// The venue holds the order and it can still fill.
    #[inline]
    pub const fn is_working(self) -> bool {
        matches!(
            self,
            OrderStatus::Accepted | OrderStatus::Triggered | OrderStatus::PartiallyFilled
        )
    }

    /// The status `t` moves an order in this status to, or the reason it cannot happen.
    pub fn apply(self, t: Transition) -> Result<OrderStatus, InvalidTransition> {
        use OrderStatus::*;
        let next = match (self, t) {
            (Submitted, Transition::Accept) => Accepted,
            (Submitted, Transition::Reject) => Rejected,
            (Accepted, Transition::Trigger) => Triggered,
            (Accepted | Triggered | PartiallyFilled, Transition::PartialFill) => PartiallyFilled,
            (Accepted | Triggered | PartiallyFilled, Transition::Fill) => Filled,
            (Accepted | Triggered | PartiallyFilled, Transition::Cancel) => Canceled,
            (Accepted | Triggered | PartiallyFilled, Transition::Expire) => Expired,
            (Accepted | PartiallyFilled, Transition::Modify) => self,
            _ => {
                return Err(InvalidTransition {
                    from: self,
                    transition: t,
                })
            }
        };
        Ok(next)
    }
}

/// What can happen to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transition {
    /// The venue accepted it.
    Accept,
    /// The venue or DRB-Guard refused it.
    Reject,
    /// Its trigger price was reached.
    Trigger,
    /// Part of the rest filled.
    PartialFill,
    /// The rest filled.
    Fill,
    /// Canceled.
    Cancel,
    /// Its time in force ran out.
    Expire,
    /// Its price or quantity changed.
    Modify,
}

/// An event that cannot happen to an order in its status (a bug in the simulator, never data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("an order that is {} cannot take {transition:?}", from.as_str())]
pub struct InvalidTransition {
    /// The status.
    pub from: OrderStatus,
    /// What was attempted.
    pub transition: Transition,
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    const TRANSITIONS: [Transition; 8] = [
        Transition::Accept,
        Transition::Reject,
        Transition::Trigger,
        Transition::PartialFill,
        Transition::Fill,
        Transition::Cancel,
        Transition::Expire,
        Transition::Modify,
    ];

    #[test]
    fn the_whole_table() {
        // (from, transition) → to, for every allowed pair; everything else is refused.
        let allowed = [
            (Submitted, Transition::Accept, Accepted),
            (Submitted, Transition::Reject, Rejected),
            (Accepted, Transition::Trigger, Triggered),
            (Accepted, Transition::PartialFill, PartiallyFilled),
            (Triggered, Transition::PartialFill, PartiallyFilled),
            (PartiallyFilled, Transition::PartialFill, PartiallyFilled),
            (Accepted, Transition::Fill, Filled),
            (Triggered, Transition::Fill, Filled),
            (PartiallyFilled, Transition::Fill, Filled),
            (Accepted, Transition::Cancel, Canceled),
            (Triggered, Transition::Cancel, Canceled),
            (PartiallyFilled, Transition::Cancel, Canceled),
            (Accepted, Transition::Expire, Expired),
            (Triggered, Transition::Expire, Expired),
            (PartiallyFilled, Transition::Expire, Expired),
            (Accepted, Transition::Modify, Accepted),
            (PartiallyFilled, Transition::Modify, PartiallyFilled),
        ];
        for from in OrderStatus::ALL {
            for t in TRANSITIONS {
                let want = allowed
                    .iter()
                    .find(|(f, tr, _)| *f == from && *tr == t)
                    .map(|x| x.2);
                match (from.apply(t), want) {
                    (Ok(got), Some(w)) => assert_eq!(got, w, "{from:?} {t:?}"),
                    (Err(e), None) => assert_eq!((e.from, e.transition), (from, t)),
                    (got, want) => panic!("{from:?} {t:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn final_states_take_nothing() {
        for s in OrderStatus::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(!s.is_working());
            assert!(TRANSITIONS.iter().all(|&t| s.apply(t).is_err()), "{s:?}");
        }
    }
}
