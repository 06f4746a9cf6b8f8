//! The kill switch: DRB-Guard's drawdown halt and the operator's, flattening every position.

use super::core::Engine;
use super::event::{Event, EventSink};
use crate::portfolio::ExitReason;
use crate::risk::HaltReason;
use crate::tick::Tick;
use crate::types::{Money, SymbolId, UnixNanos};

impl Engine {
    #[cold]
    pub(super) fn trip_kill_switch<S: EventSink>(&mut self, t: &Tick, equity: Money, sink: &mut S) {
        let drawdown = self.risk.drawdown(equity);
        sink.emit(Event::Halted {
            ts_event: t.ts_event,
            reason: HaltReason::Drawdown,
            equity,
            drawdown,
        });
        self.flatten_all(t.ts_recv, ExitReason::KillSwitch);
    }

    /// Cancels every real order that may add exposure and sends a reduce-only market order
    /// closing every real position. Entries already on their way that fill anyway are closed as
    /// they fill. Shadow positions keep following their own exits: they hold no capital.
    pub fn flatten_all(&mut self, ts_recv: UnixNanos, reason: ExitReason) {
        self.cancel_entries(ts_recv);
        let open: Vec<SymbolId> = self.account.positions().map(|p| p.symbol).collect();
        for symbol in open {
            self.close_position_order(symbol, ts_recv, reason);
        }
    }

    /// Cancels every real working order that may add exposure (sent at local time `ts_recv`).
    pub(super) fn cancel_entries(&mut self, ts_recv: UnixNanos) {
        let entries: Vec<_> = self
            .venue
            .open_orders()
            .into_iter()
            .filter(|o| !o.core().reduce_only && o.core().parent.is_none())
            .map(|o| o.core().client_id.clone())
            .collect();
        for client_id in entries {
            self.venue.cancel(&client_id, ts_recv);
        }
    }

    /// Halts trading now (an operator's kill switch) and flattens every position.
    pub fn halt(&mut self, ts_recv: UnixNanos) {
        self.risk.halted = Some(HaltReason::Manual);
        self.settled_equity = None;
        self.flatten_all(ts_recv, ExitReason::KillSwitch);
    }

    /// Lifts the kill switch (an admin action); the drawdown peak restarts at current equity.
    pub fn reset_halt(&mut self) {
        self.risk.halted = None;
        self.risk.peak_equity = self.account.equity();
        self.settled_equity = None;
    }
}
