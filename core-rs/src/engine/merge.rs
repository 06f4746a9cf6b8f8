//! Ticks and depth messages merged in arrival order: the depth drives each symbol's L2 book,
//! and ticks are seen through it.

use super::core::{Engine, EngineError};
use super::depth::{BookSlot, DepthColumns};
use super::event::EventSink;
use crate::book::BookStats;
use crate::sanitizer::RejectReason;
use crate::tick::{Tick, TickColumns};
use crate::types::SymbolId;

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
                return Err(EngineError::Config("arrival order arrays must match the batches".into()));
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ticks.len() || j < depth.len() {
            let depth_next = j < depth.len()
                && (i >= ticks.len()
                    || match order {
                        Some((ts, ds)) => ds[j] < ts[i],
                        None => depth.ts_recv[j] <= ticks.ts_recv.map_or(ticks.ts_event[i], |r| r[i]),
                    });
            if depth_next {
                self.process_depth(depth, j)?;
                j += 1;
            } else {
                self.process(&ticks.tick(i), sink)?;
                i += 1;
            }
        }
        Ok(())
    }

    /// Applies depth message `i` to its symbol's book.
    pub fn process_depth(&mut self, depth: &DepthColumns<'_>, i: usize) -> Result<(), EngineError> {
        let symbol = depth.symbol[i];
        self.state(symbol)?;
        let idx = symbol as usize;
        if self.books.len() <= idx {
            self.books.resize(idx + 1, None);
        }
        let rule = self.book_rule;
        let slot = self.books[idx].get_or_insert_with(|| BookSlot::new(rule));
        let (bids, asks) = &mut self.scratch;
        slot.apply(depth, i, bids, asks);
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
        let Some(Some(slot)) = self.books.get(t.symbol as usize) else { return Ok(None) };
        if !slot.is_valid() {
            return Err(RejectReason::BookInvalid);
        }
        let book = slot.book();
        let mut out = *t;
        let (bid_depth, ask_depth) = book.depth_within_bps(self.config.book.depth_bps);
        out.bid_qty = bid_depth;
        out.ask_qty = ask_depth;
        if !out.has_quote() {
            if let (Some(b), Some(a)) = (book.best_bid(), book.best_ask()) {
                out.bid = b.price.to_f64();
                out.ask = a.price.to_f64();
            }
        }
        Ok(Some(out))
    }
}
