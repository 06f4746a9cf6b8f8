//! L2 depth messages driving per-symbol order books inside the engine, so a backtest or a live
//! session can trade on real depth (imbalance and liquidity from the book, not only the quote).
//!
//! A book is synced by a snapshot. Updates that arrive before it (a real client subscribes to the
//! stream first, then fetches the REST snapshot) are buffered and replayed after it, as the
//! exchanges prescribe; the stale ones are skipped by the book's own rule. A gap or checksum
//! failure invalidates the book: ticks of that symbol are then rejected (`book_invalid`) until a
//! new snapshot resyncs it.

use serde::Deserialize;

use crate::book::{BookStats, DepthUpdate, Level, OrderBook, SequenceRule};
use crate::tick::columns::ColumnsError;
use crate::types::{Price, Qty, SymbolId, UnixNanos};

/// Most updates buffered while waiting for a snapshot; older ones are dropped first (they would
/// be stale by the time a snapshot arrives).
pub const MAX_BUFFERED_UPDATES: usize = 100_000;

/// Which exchange rule the engine's books follow, and how deep "near the touch" is.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BookConfig {
    /// `"binance_futures"`, `"binance_spot"`, `"bybit"`, `"okx"` or `"none"`. Default binance_futures.
    pub rule: String,
    /// Depth within this many bps of mid is the liquidity the strategies see. Default 10.
    pub depth_bps: f64,
}

impl Default for BookConfig {
    fn default() -> Self {
        BookConfig {
            rule: "binance_futures".into(),
            depth_bps: 10.0,
        }
    }
}

impl BookConfig {
    /// The sequence rule named by `rule`.
    pub fn sequence_rule(&self) -> Result<SequenceRule, String> {
        match self.rule.as_str() {
            "binance_futures" => Ok(SequenceRule::BinanceFutures),
            "binance_spot" => Ok(SequenceRule::BinanceSpot),
            "bybit" => Ok(SequenceRule::Bybit),
            "okx" => Ok(SequenceRule::Okx),
            "none" => Ok(SequenceRule::None),
            other => Err(format!("book.rule must be binance_futures, binance_spot, bybit, okx or none, got {other:?}")),
        }
    }
}

/// Borrowed depth messages in CSR form: per message ids and clocks, per level side/price/qty.
#[derive(Debug, Clone, Copy, Default)]
pub struct DepthColumns<'a> {
    /// Exchange time per message, ns.
    pub ts_event: &'a [UnixNanos],
    /// Local receive time per message, ns.
    pub ts_recv: &'a [UnixNanos],
    /// Symbol id per message.
    pub symbol: &'a [SymbolId],
    /// First update id (Binance `U`).
    pub first_id: &'a [u64],
    /// Last update id (Binance `u`; the snapshot's `lastUpdateId`).
    pub last_id: &'a [u64],
    /// Previous update id (Binance futures `pu`), 0 when the venue has none.
    pub prev_id: &'a [u64],
    /// 1 for a snapshot, 0 for an update.
    pub is_snapshot: &'a [u8],
    /// Message `i`'s levels are `level_offsets[i]..level_offsets[i + 1]`.
    pub level_offsets: &'a [i64],
    /// +1 bid, −1 ask, per level.
    pub side: &'a [i8],
    /// Price per level.
    pub price: &'a [f64],
    /// Quantity per level (absolute; 0 deletes).
    pub qty: &'a [f64],
}

impl DepthColumns<'_> {
    /// Number of messages.
    pub fn len(&self) -> usize {
        self.ts_event.len()
    }

    /// True when there are no messages.
    pub fn is_empty(&self) -> bool {
        self.ts_event.is_empty()
    }

    /// Checks lengths and offsets.
    pub fn validate(&self) -> Result<(), ColumnsError> {
        let n = self.len();
        let per_msg: [(&'static str, usize); 6] = [
            ("ts_recv", self.ts_recv.len()),
            ("symbol", self.symbol.len()),
            ("first_id", self.first_id.len()),
            ("last_id", self.last_id.len()),
            ("prev_id", self.prev_id.len()),
            ("is_snapshot", self.is_snapshot.len()),
        ];
        for (column, len) in per_msg {
            if len != n {
                return Err(ColumnsError::Length {
                    column,
                    len,
                    expected: n,
                });
            }
        }
        if self.level_offsets.len() != n + 1 {
            return Err(ColumnsError::Length {
                column: "level_offsets",
                len: self.level_offsets.len(),
                expected: n + 1,
            });
        }
        let levels = self.price.len();
        for (column, len) in [("side", self.side.len()), ("qty", self.qty.len())] {
            if len != levels {
                return Err(ColumnsError::Length {
                    column,
                    len,
                    expected: levels,
                });
            }
        }
        let ok = self.level_offsets.first() == Some(&0)
            && self.level_offsets.windows(2).all(|w| w[0] <= w[1])
            && self
                .level_offsets
                .last()
                .is_some_and(|&l| l as usize == levels);
        if !ok {
            return Err(ColumnsError::Length {
                column: "level_offsets",
                len: levels,
                expected: levels,
            });
        }
        Ok(())
    }
}

/// One message's levels, split by side and converted to fixed point (invalid numbers dropped and
/// counted by the caller through the book's own checks).
fn levels(d: &DepthColumns<'_>, i: usize, bids: &mut Vec<Level>, asks: &mut Vec<Level>) {
    bids.clear();
    asks.clear();
    let (a, b) = (d.level_offsets[i] as usize, d.level_offsets[i + 1] as usize);
    for j in a..b {
        let (Ok(price), Ok(qty)) = (Price::from_f64(d.price[j]), Qty::from_f64(d.qty[j])) else {
            continue;
        };
        let level = Level { price, qty };
        if d.side[j] > 0 {
            bids.push(level);
        } else {
            asks.push(level);
        }
    }
}

#[derive(Debug, Clone)]
struct Buffered {
    ts_event: UnixNanos,
    ts_recv: UnixNanos,
    first_id: u64,
    last_id: u64,
    prev_id: u64,
    bids: Vec<Level>,
    asks: Vec<Level>,
}

/// A symbol's book plus the updates waiting for its snapshot.
#[derive(Debug, Clone)]
pub struct BookSlot {
    book: OrderBook,
    synced_once: bool,
    buffer: std::collections::VecDeque<Buffered>,
}

impl BookSlot {
    /// An empty, unsynced book.
    pub fn new(rule: SequenceRule) -> Self {
        BookSlot {
            book: OrderBook::new(rule),
            synced_once: false,
            buffer: Default::default(),
        }
    }

    /// The book.
    pub fn book(&self) -> &OrderBook {
        &self.book
    }

    /// Whether strategies may see ticks of this symbol.
    #[inline]
    pub fn is_valid(&self) -> bool {
        self.synced_once && self.book.is_valid()
    }

    /// Counters.
    pub fn stats(&self) -> BookStats {
        self.book.stats()
    }

    /// Applies message `i` of `d`.
    pub fn apply(
        &mut self,
        d: &DepthColumns<'_>,
        i: usize,
        bids: &mut Vec<Level>,
        asks: &mut Vec<Level>,
    ) {
        levels(d, i, bids, asks);
        if d.is_snapshot[i] != 0 {
            if self
                .book
                .apply_snapshot(d.last_id[i], bids, asks, None)
                .is_ok()
            {
                self.synced_once = true;
                while let Some(u) = self.buffer.pop_front() {
                    let upd = DepthUpdate {
                        ts_event: u.ts_event,
                        ts_recv: u.ts_recv,
                        first_id: u.first_id,
                        last_id: u.last_id,
                        prev_id: u.prev_id,
                        bids: &u.bids,
                        asks: &u.asks,
                        checksum: None,
                    };
                    if self.book.apply_update(&upd).is_err() {
                        self.buffer.clear();
                    }
                }
            }
            return;
        }
        if !self.book.is_valid() {
            // Not synced yet (or lost sync): keep the update for the next snapshot.
            if self.buffer.len() == MAX_BUFFERED_UPDATES {
                self.buffer.pop_front();
            }
            self.buffer.push_back(Buffered {
                ts_event: d.ts_event[i],
                ts_recv: d.ts_recv[i],
                first_id: d.first_id[i],
                last_id: d.last_id[i],
                prev_id: d.prev_id[i],
                bids: bids.clone(),
                asks: asks.clone(),
            });
            return;
        }
        let upd = DepthUpdate {
            ts_event: d.ts_event[i],
            ts_recv: d.ts_recv[i],
            first_id: d.first_id[i],
            last_id: d.last_id[i],
            prev_id: d.prev_id[i],
            bids,
            asks,
            checksum: None,
        };
        // An error invalidates the book (and is counted in its stats); ticks are refused until
        // the next snapshot.
        let _ = self.book.apply_update(&upd);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages: (is_snapshot, U, u, pu, bid price, bid qty).
    fn run(msgs: &[(u8, u64, u64, u64, f64, f64)]) -> BookSlot {
        let n = msgs.len();
        let ts: Vec<i64> = (0..n as i64).collect();
        let sym = vec![0u32; n];
        let first: Vec<u64> = msgs.iter().map(|m| m.1).collect();
        let last: Vec<u64> = msgs.iter().map(|m| m.2).collect();
        let prev: Vec<u64> = msgs.iter().map(|m| m.3).collect();
        let snap: Vec<u8> = msgs.iter().map(|m| m.0).collect();
        // Each message: its bid level, plus a fixed ask so the book is never crossed.
        let offsets: Vec<i64> = (0..=n as i64).map(|i| 2 * i).collect();
        let side: Vec<i8> = (0..n).flat_map(|_| [1, -1]).collect();
        let price: Vec<f64> = msgs.iter().flat_map(|m| [m.4, 200.0]).collect();
        let qty: Vec<f64> = msgs.iter().flat_map(|m| [m.5, 1.0]).collect();
        let d = DepthColumns {
            ts_event: &ts,
            ts_recv: &ts,
            symbol: &sym,
            first_id: &first,
            last_id: &last,
            prev_id: &prev,
            is_snapshot: &snap,
            level_offsets: &offsets,
            side: &side,
            price: &price,
            qty: &qty,
        };
        d.validate().unwrap();
        let mut slot = BookSlot::new(SequenceRule::BinanceFutures);
        let (mut b, mut a) = (Vec::new(), Vec::new());
        for i in 0..n {
            slot.apply(&d, i, &mut b, &mut a);
        }
        slot
    }

    #[test]
    fn updates_before_the_snapshot_are_buffered_and_replayed() {
        // Updates 8..10 and 11..12 arrive before the snapshot with lastUpdateId 9.
        let slot = run(&[
            (0, 5, 7, 4, 99.0, 1.0),
            (0, 8, 10, 7, 99.5, 2.0),
            (0, 11, 12, 10, 99.6, 3.0),
            (1, 0, 9, 0, 99.0, 5.0),
        ]);
        assert!(slot.is_valid());
        let s = slot.stats();
        assert_eq!((s.stale_skipped, s.updates_applied, s.gaps), (1, 2, 0));
        assert_eq!(slot.book().best_bid().unwrap().price.to_f64(), 99.6);
    }

    #[test]
    fn a_gap_invalidates_until_the_next_snapshot() {
        let slot = run(&[
            (1, 0, 9, 0, 99.0, 5.0),
            (0, 8, 10, 7, 99.5, 2.0),
            (0, 13, 14, 12, 99.6, 3.0),
        ]);
        assert!(!slot.is_valid());
        assert_eq!(slot.stats().gaps, 1);
        let slot = run(&[
            (1, 0, 9, 0, 99.0, 5.0),
            (0, 13, 14, 12, 99.6, 3.0),
            (1, 0, 20, 0, 98.0, 1.0),
        ]);
        assert!(slot.is_valid());
        assert_eq!(slot.stats().resyncs, 1);
    }
}
