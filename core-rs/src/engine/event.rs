//! What the engine reports for each tick.

use crate::portfolio::{Fill, FundingCharge, Trade};
use crate::risk::{HaltReason, RiskReject};
use crate::sanitizer::RejectReason;
use crate::strategy::Signal;
use crate::types::{Money, Side, SymbolId, UnixNanos};

/// One thing that happened while processing a tick (or an order).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The sanitizer rejected a tick.
    TickRejected {
        /// Exchange time of the tick.
        ts_event: UnixNanos,
        /// Symbol id.
        symbol: SymbolId,
        /// Why.
        reason: RejectReason,
    },
    /// The winning strategy signal of a tick, with what the engine did with it.
    Signal(Signal),
    /// DRB-Guard or sizing refused an entry (a zero size is then followed as a shadow trade).
    OrderRejected {
        /// Local time of the decision.
        ts_recv: UnixNanos,
        /// Symbol id.
        symbol: SymbolId,
        /// Side of the refused position.
        side: Side,
        /// Why.
        reason: RiskReject,
        /// The signal the entry was for (none for a manual order).
        signal_id: Option<u64>,
    },
    /// An order filled (real).
    Fill(Fill),
    /// A real position closed.
    TradeClosed(Trade),
    /// A shadow order filled: no capital, nothing in equity.
    ShadowFill(Fill),
    /// A shadow position closed.
    ShadowTradeClosed(Trade),
    /// Funding was charged on a real position (negative amount: received).
    Funding(FundingCharge),
    /// The kill switch tripped; positions are being flattened.
    Halted {
        /// Exchange time of the tick that tripped it.
        ts_event: UnixNanos,
        /// Why.
        reason: HaltReason,
        /// Equity at that moment.
        equity: Money,
        /// Drawdown from peak, fraction.
        drawdown: f64,
    },
}

/// Where events go: a `Vec` for `on_tick`, nothing for the batch path (which reads the engine's
/// trade list and counters instead).
pub trait EventSink {
    /// Takes one event.
    fn emit(&mut self, event: Event);
    /// Whether this sink wants tick rejections (one per bad tick) as events.
    fn wants_tick_rejections(&self) -> bool;
}

impl EventSink for Vec<Event> {
    #[inline]
    fn emit(&mut self, event: Event) {
        self.push(event);
    }

    #[inline]
    fn wants_tick_rejections(&self) -> bool {
        true
    }
}

/// Drops every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl EventSink for NullSink {
    #[inline]
    fn emit(&mut self, _event: Event) {}

    #[inline]
    fn wants_tick_rejections(&self) -> bool {
        false
    }
}
