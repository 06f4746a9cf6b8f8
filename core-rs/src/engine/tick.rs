//! The per-tick pipeline: sanitizer → funding times → the venue (the event, then the orders that
//! reached it; executions booked) → marks → DRB-Guard drawdown → order events and order
//! strategies → features and strategies → decisions. `on_tick` (live) and `run` (backtest) both
//! go through [`Engine::process_checked`], so the same ticks give the same trades bit for bit on
//! either path.

use super::core::{sym, Engine, EngineError};
use super::event::{Event, EventSink};
use crate::sanitizer::RejectReason;
use crate::strategy::finite;
use crate::tick::Tick;
use crate::types::SymbolId;

impl Engine {
    /// Processes one tick through the whole pipeline (its symbol's book first, when depth data
    /// drives one).
    #[inline]
    pub fn process<S: EventSink>(&mut self, t: &Tick, sink: &mut S) -> Result<(), EngineError> {
        self.begin_tick(t.symbol)?;
        if !self.feed.is_recorded() {
            let mut local = *t;
            local.ts_recv = self.feed.receive(t.ts_event, t.ts_recv);
            return self.process_local(&local, sink);
        }
        self.process_local(t, sink)
    }

    /// [`process`](Self::process) of a tick whose receive time is final.
    #[inline]
    fn process_local<S: EventSink>(&mut self, t: &Tick, sink: &mut S) -> Result<(), EngineError> {
        // Without depth data there are no books: skip the lookup (and the tick copy) entirely.
        if self.books.is_empty() {
            return self.process_checked(t, None, sink);
        }
        match self.through_book(t) {
            Ok(Some(e)) => self.process_checked(&e, None, sink),
            Ok(None) => self.process_checked(t, None, sink),
            Err(reason) => {
                self.reject_tick(t, reason, sink);
                Ok(())
            }
        }
    }

    /// Counts a tick in and makes sure its symbol has state.
    #[inline(always)]
    pub(super) fn begin_tick(&mut self, symbol: SymbolId) -> Result<(), EngineError> {
        // The count is also the tick's arrival number ([`seq`](Self::seq)).
        self.stats.ticks_processed += 1;
        if symbol as usize >= self.symbols.len() {
            self.add_symbols(symbol)?;
        }
        Ok(())
    }

    /// The pipeline from the sanitizer on. `screened` is the reference price of a tick already
    /// known to pass the sanitizer's stateless checks ([`Sanitizer::screen`]); None runs them.
    ///
    /// [`Sanitizer::screen`]: crate::sanitizer::Sanitizer::screen
    #[inline(always)]
    pub(super) fn process_checked<S: EventSink>(
        &mut self,
        t: &Tick,
        screened: Option<f64>,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        self.hear_before(t.ts_recv)?;
        let st = sym(&mut self.symbols, t.symbol);
        let verdict = match screened {
            Some(price) => self
                .sanitizer
                .check_stateful(t.ts_event, price, &mut st.guard)
                .map(|()| price),
            None => self.sanitizer.check_priced(t, &mut st.guard),
        };
        let price = match verdict {
            Ok(price) => price,
            Err(reason) => {
                self.reject_tick(t, reason, sink);
                return Ok(());
            }
        };
        self.stats.ticks_accepted += 1;
        // Funding times the symbol's position was open through settle before anything on this
        // tick can close it, at the rate in force then.
        if t.ts_event >= st.next_funding {
            self.settle_funding(t, sink);
        }
        let st = sym(&mut self.symbols, t.symbol);
        if finite(t.funding_rate) {
            st.funding_rate = t.funding_rate;
        }
        st.last_price = price;
        self.equity
            .on_time(t.ts_event, self.account.open_count() > 0);

        self.venue_step(t, sink);
        if self.account.open_count() + self.shadow.open_count() > 0 {
            self.mark_position(t, price);
        }
        let equity = self.account.equity();
        if self.settled_equity == Some(equity) {
            // DRB-Guard is settled on this equity (a flat account's stays put for millions of
            // ticks): its check would change nothing, and the tracker needs only the clock.
            self.equity.on_same_equity(t.ts_event);
        } else {
            if self.guard.on_equity(&mut self.risk, equity) {
                self.trip_kill_switch(t, equity, sink);
            }
            self.equity.on_equity(t.ts_event, equity);
            self.settled_equity = self.guard.is_settled(&self.risk, equity).then_some(equity);
        }
        if self.venue.next_event_at().is_some_and(|at| at <= t.ts_recv)
            || self.shadow_venue.has_events()
        {
            self.deliver_order_events(t.ts_recv)?;
        }
        if self.has_order_strategies() {
            self.notify_market(t.symbol, t.ts_recv, t.ts_event, Some(t))?;
        }
        if !self.signals {
            return Ok(());
        }
        self.run_strategies(t, price, sink)
    }

    /// Counts a rejected tick. Reads only its exchange time and symbol.
    #[cold]
    pub(super) fn reject_tick<S: EventSink>(
        &mut self,
        t: &Tick,
        reason: RejectReason,
        sink: &mut S,
    ) {
        self.rejects.add(reason);
        self.stats.ticks_rejected += 1;
        self.journal.rejected(self.stats.ticks_processed, reason);
        if sink.wants_tick_rejections() {
            sink.emit(Event::TickRejected {
                ts_event: t.ts_event,
                symbol: t.symbol,
                reason,
            });
        }
    }
}
