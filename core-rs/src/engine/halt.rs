//! The kill switch: DRB-Guard's drawdown halt and the operator's, flattening every position.

use super::core::{Engine, PendingOrder};
use super::event::{Event, EventSink};
use crate::portfolio::ExitReason;
use crate::risk::HaltReason;
use crate::tick::Tick;
use crate::types::{Money, SymbolId, UnixNanos};

impl Engine {
    #[cold]
    pub(super) fn trip_kill_switch<S: EventSink>(&mut self, t: &Tick, equity: Money, sink: &mut S) {
        let drawdown = self.risk.drawdown(equity);
        sink.emit(Event::Halted { ts_event: t.ts_event, reason: HaltReason::Drawdown, equity, drawdown });
        self.flatten_all(t.ts_recv, ExitReason::KillSwitch);
    }

    /// Schedules an exit for every open (real) position and cancels pending entries, real and
    /// shadow. Shadow positions keep following their own exits: they hold no capital.
    pub fn flatten_all(&mut self, ts_recv: UnixNanos, reason: ExitReason) {
        let open: Vec<SymbolId> = self.account.positions().map(|p| p.symbol).collect();
        for st in &mut self.symbols {
            if let Some(p) = &mut st.pending {
                p.entry = None;
                if p.exit.is_none() {
                    st.pending = None;
                }
            }
        }
        let seq = self.seq();
        for symbol in open {
            if let Ok(st) = self.state(symbol) {
                st.pending = Some(PendingOrder { decided_at: ts_recv, decided_seq: seq, exit: Some((reason, None)), entry: None });
            }
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
