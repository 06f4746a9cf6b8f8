//! What the engine reports for each tick.

use crate::portfolio::{Fill, Trade};
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
    /// The winning strategy signal of a tick.
    Signal(Signal),
    /// DRB-Guard refused an entry.
    OrderRejected {
        /// Local time of the decision.
        ts_recv: UnixNanos,
        /// Symbol id.
        symbol: SymbolId,
        /// Side of the refused position.
        side: Side,
        /// Why.
        reason: RiskReject,
    },
    /// An order filled.
    Fill(Fill),
    /// A position closed.
    TradeClosed(Trade),
    /// Funding was charged (negative amount: received).
    Funding {
        /// Exchange time of the tick that crossed the funding time.
        ts_event: UnixNanos,
        /// Symbol id.
        symbol: SymbolId,
        /// Rate applied.
        rate: f64,
        /// Amount paid.
        amount: Money,
    },
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
