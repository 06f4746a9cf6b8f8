//! What every order has, whatever its kind.

use std::borrow::Cow;

use super::ids::{ClientOrderId, OrderId};
use super::state::{InvalidTransition, OrderStatus, Transition};
use crate::portfolio::ExitReason;
use crate::types::{Money, OrderSide, Price, Qty, SymbolId, UnixNanos};

/// The fields and bookkeeping shared by every order kind.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderCore {
    /// The engine's id.
    pub id: OrderId,
    /// The client's id, unique per account.
    pub client_id: ClientOrderId,
    /// Symbol id.
    pub symbol: SymbolId,
    /// Buy or sell.
    pub side: OrderSide,
    /// Quantity ordered (after any modify).
    pub qty: Qty,
    /// Quantity filled so far.
    pub filled: Qty,
    /// Σ fill quantity × price, rounded per fill to 10⁻⁸.
    pub filled_notional: Money,
    /// Σ fill quantity × price in units², exact: the average fill price without rounding.
    pub filled_value: i128,
    /// Where the order is in its life.
    pub status: OrderStatus,
    /// May only reduce the position: never opens, adds or flips.
    pub reduce_only: bool,
    /// Local time the strategy submitted it.
    pub ts_init: UnixNanos,
    /// Exchange time the venue accepted it (None before).
    pub ts_accepted: Option<UnixNanos>,
    /// Exchange time of its latest event.
    pub ts_last: UnixNanos,
    /// The strategy that placed it (`manual` for a user's orders).
    pub strategy: Cow<'static, str>,
    /// Confidence of the decision behind it, in [0, 1] (1 for manual orders).
    pub confidence: f64,
    /// The signal it carries out, if any.
    pub signal_id: Option<u64>,
    /// What a fill of this order that reduces a position records as the trade's exit reason.
    pub exit_reason: ExitReason,
    /// A bracket child: dormant until this parent fills, sized by the parent's fills.
    pub parent: Option<OrderId>,
    /// Its bracket partner: when one of the two fills, the other is canceled.
    pub oco: Option<OrderId>,
    /// A shadow order: followed for the strategy's edge estimate, with no capital.
    pub shadow: bool,
    /// Arrival number of the market event the decision was taken on.
    pub decided_seq: u64,
    /// Leverage of the position it opens.
    pub leverage: f64,
    /// Exits its fills arm (a bracket entry).
    pub bracket: Option<crate::sim::BracketSpec>,
    /// The venue's event number when a stop or take-profit started watching its trigger.
    pub armed_event: u64,
}

impl OrderCore {
    /// Quantity still to fill.
    #[inline]
    pub fn leaves(&self) -> Qty {
        self.qty - self.filled
    }

    /// Average fill price so far, rounded to 10⁻⁸ (None before the first fill); exactly the fill
    /// price after one fill.
    pub fn avg_price(&self) -> Option<f64> {
        if self.filled.is_zero() {
            return None;
        }
        let q = self.filled.units() as i128;
        Some(Price(((self.filled_value + q / 2) / q) as i64).to_f64())
    }

    /// Moves the order's status by `t`.
    pub fn apply(&mut self, t: Transition) -> Result<OrderStatus, InvalidTransition> {
        self.status = self.status.apply(t)?;
        Ok(self.status)
    }

    /// Records a fill of `qty` at `price`: the status becomes partially filled or filled.
    pub fn record_fill(
        &mut self,
        qty: Qty,
        price: Price,
    ) -> Result<OrderStatus, InvalidTransition> {
        debug_assert!(
            qty.units() > 0 && qty <= self.leaves(),
            "a fill is positive and at most the rest"
        );
        self.filled += qty;
        self.filled_notional += qty.notional(price);
        self.filled_value += qty.units() as i128 * price.units() as i128;
        let t = if self.leaves().is_zero() {
            Transition::Fill
        } else {
            Transition::PartialFill
        };
        self.apply(t)
    }
}
