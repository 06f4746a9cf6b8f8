//! Ticks and depth messages merged in arrival order: the depth drives each symbol's L2 book,
//! and ticks are seen through it.

use super::core::{Engine, EngineError};
use super::depth::{BookSlot, DepthColumns};
use super::event::EventSink;
use super::fills::Books;
use crate::book::BookStats;
use crate::sanitizer::RejectReason;
use crate::sim::BookSource;
use crate::tick::{Tick, TickColumns};
use crate::types::{Price, Qty, SymbolId};

impl Engine {
    /// Runs ticks and depth messages merged in arrival order. `tick_seq` / `depth_seq` are
    /// increasing arrival numbers from one counter (e.g. capture line numbers); without them the
    /// merge is by receive time, depth first on ties (a book update precedes the quote it made).
    pub fn run_with_depth<S: EventSink>(
        &mut self,
        ticks: &TickColumns<'_>,
        depth: &DepthColumns<'_>,
        order: Option<(&[i64], &[i64])>,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        ticks.validate()?;
        depth.validate()?;
        if let Some((ts, ds)) = order {
            if ts.len() != ticks.len() || ds.len() != depth.len() {
                return Err(EngineError::Config(
                    "arrival order arrays must match the batches".into(),
                ));
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ticks.len() || j < depth.len() {
            let depth_next = j < depth.len()
                && (i >= ticks.len()
                    || match order {
                        Some((ts, ds)) => ds[j] < ts[i],
                        None => {
                            depth.ts_recv[j] <= ticks.ts_recv.map_or(ticks.ts_event[i], |r| r[i])
                        }
                    });
            if depth_next {
                self.process_depth(depth, j, sink)?;
                j += 1;
            } else {
                self.process(&ticks.tick(i), sink)?;
                i += 1;
            }
        }
        Ok(())
    }

    /// Applies depth message `i` to its symbol's book. At the venue, the requests that arrived
    /// before it are matched first (against the book before it); our resting orders at the
    /// levels it changes move in their queues, and those the opposite side now reaches fill.
    /// Order strategies then hear of the new book.
    pub fn process_depth<S: EventSink>(
        &mut self,
        depth: &DepthColumns<'_>,
        i: usize,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        let symbol = depth.symbol[i];
        self.state(symbol)?;
        self.depth_processed += 1;
        self.in_depth = Some(self.depth_processed);
        let r = self.apply_depth(depth, i, symbol, sink);
        self.in_depth = None;
        r
    }

    fn apply_depth<S: EventSink>(
        &mut self,
        depth: &DepthColumns<'_>,
        i: usize,
        symbol: SymbolId,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        let idx = symbol as usize;
        if self.books.len() <= idx {
            self.books.resize(idx + 1, None);
        }
        let ts_event = depth.ts_event[i];
        let ts_recv = if self.feed.is_recorded() {
            depth.ts_recv[i]
        } else {
            self.feed.receive(ts_event, depth.ts_recv[i])
        };
        self.hear_before(ts_recv)?;
        let rule = self.book_rule;
        self.venue.begin_depth(ts_event);
        let shadow_active = self.shadow_venue.is_active();
        if shadow_active {
            self.shadow_venue.begin_depth(ts_event);
        }
        let watch = self.venue.watches_depth(symbol);
        // The resting orders' levels before the update, to move their queues after it.
        let mut changed: Vec<(bool, Price, Qty)> = Vec::new();
        if watch {
            let mut ours = std::mem::take(&mut self.resting_scratch);
            self.venue.resting_levels(symbol, &mut ours);
            if let (Some(Some(slot)), false) = (self.books.get(idx), ours.is_empty()) {
                let (a, b) = (
                    depth.level_offsets[i] as usize,
                    depth.level_offsets[i + 1] as usize,
                );
                for j in a..b {
                    let is_bid = depth.side[j] > 0;
                    let Ok(price) = Price::from_f64(depth.price[j]) else {
                        continue;
                    };
                    if ours.iter().any(|&(b, p)| b == is_bid && p == price) {
                        let prev = if is_bid {
                            slot.book().bid_qty_at(price)
                        } else {
                            slot.book().ask_qty_at(price)
                        };
                        changed.push((is_bid, price, prev));
                    }
                }
            }
            self.resting_scratch = ours;
        }
        let slot = self.books[idx].get_or_insert_with(|| BookSlot::new(rule));
        let (bids, asks) = &mut self.scratch;
        slot.apply(depth, i, bids, asks);
        if slot.is_valid() && watch {
            let book = slot.book();
            for (is_bid, price, prev) in changed {
                let new = if is_bid {
                    book.bid_qty_at(price)
                } else {
                    book.ask_qty_at(price)
                };
                if new != prev {
                    self.venue.on_depth_level(symbol, is_bid, price, prev, new);
                }
            }
        }
        // The requests that reached the venue by now meet the book this message leaves; then
        // the book acts on what rests and waits for a trigger.
        let books = Books(&self.books);
        if self.venue.next_arrival().is_some_and(|a| a <= ts_event) {
            self.venue.deliver(ts_event, &books, None);
        }
        if shadow_active
            && self
                .shadow_venue
                .next_arrival()
                .is_some_and(|a| a <= ts_event)
        {
            self.shadow_venue.deliver(ts_event, &books, None);
        }
        if let Some(book) = books.valid_book(symbol) {
            if self.venue.is_active() {
                self.venue.after_depth(symbol, book, ts_event);
            }
            if shadow_active {
                self.shadow_venue.after_depth(symbol, book, ts_event);
            }
        }
        if self.venue.has_reports() || self.shadow_venue.has_reports() {
            let mut t = Tick::empty(ts_event, ts_recv, symbol);
            t.price = f64::NAN;
            self.book_reports(&t, sink);
        }
        if self.venue.next_event_at().is_some_and(|at| at <= ts_recv) {
            self.deliver_order_events(ts_recv)?;
        }
        if self.has_order_strategies() && self.books[idx].as_ref().is_some_and(BookSlot::is_valid) {
            self.notify_market(symbol, ts_recv, ts_event, None)?;
        }
        Ok(())
    }

    /// Book counters summed over symbols.
    pub fn book_stats(&self) -> Option<BookStats> {
        let mut any = false;
        let mut total = BookStats::default();
        for s in self.books.iter().flatten() {
            any = true;
            let b = s.stats();
            total.updates_applied += b.updates_applied;
            total.levels_applied += b.levels_applied;
            total.gaps += b.gaps;
            total.checksum_failures += b.checksum_failures;
            total.crossed += b.crossed;
            total.resyncs += b.resyncs;
            total.stale_skipped += b.stale_skipped;
        }
        any.then_some(total)
    }

    /// The book of a symbol, when depth data drives one.
    pub fn book(&self, symbol: SymbolId) -> Option<&BookSlot> {
        self.books.get(symbol as usize).and_then(Option::as_ref)
    }

    /// A tick seen through its symbol's book: near-touch depth replaces the quote sizes (the
    /// liquidity the strategies score), and a missing quote is taken from the book's top.
    /// `Err` when the book exists but is not valid.
    #[inline]
    pub(super) fn through_book(&self, t: &Tick) -> Result<Option<Tick>, RejectReason> {
        let Some(Some(slot)) = self.books.get(t.symbol as usize) else {
            return Ok(None);
        };
        if !slot.is_valid() {
            return Err(RejectReason::BookInvalid);
        }
        let book = slot.book();
        let mut out = *t;
        if self.signals {
            // Only the signal strategies score the liquidity near the touch.
            let (bid_depth, ask_depth) = book.depth_within_bps(self.config.book.depth_bps);
            out.bid_qty = bid_depth;
            out.ask_qty = ask_depth;
        }
        if !out.has_quote() {
            if let (Some(b), Some(a)) = (book.best_bid(), book.best_ask()) {
                out.bid = b.price.to_f64();
                out.ask = a.price.to_f64();
            }
        }
        Ok(Some(out))
    }
}
