//! The per-symbol L2 book: snapshot, checked updates, and the signals strategies read from it.

use crate::types::{Price, Qty, UnixNanos};

use super::checksum::{kraken_checksum_into, okx_checksum_into};
use super::sequence::SeqCheck;
use super::side::{Asks, Bids};
use super::{BookError, Level, SequenceRule};

/// One incremental depth message, already parsed into fixed-point levels. Quantities are absolute
/// (the new total at that price); 0 deletes the level. See [`SequenceRule`] for how each exchange's
/// ids map onto `first_id`, `last_id` and `prev_id`.
#[derive(Debug, Clone, Copy)]
pub struct DepthUpdate<'a> {
    /// Exchange time of the message, ns since the epoch.
    pub ts_event: UnixNanos,
    /// Local receive time of the message, ns since the epoch.
    pub ts_recv: UnixNanos,
    /// First update id covered by the message (Binance `U`).
    pub first_id: u64,
    /// Last update id covered by the message (Binance `u`, Bybit `u`, OKX `seqId`).
    pub last_id: u64,
    /// Id of the previous message (Binance futures `pu`, OKX `prevSeqId`).
    pub prev_id: u64,
    /// Changed bid levels, in the exchange's order (applied in that order).
    pub bids: &'a [Level],
    /// Changed ask levels, in the exchange's order.
    pub asks: &'a [Level],
    /// The exchange's CRC32 of the book after this message, as unsigned 32 bits (OKX sends a
    /// signed `i32`: pass `v as u32`). Checked only by the OKX and Kraken rules.
    pub checksum: Option<u32>,
}

/// What happened to an update that was not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The update changed the book.
    Applied,
    /// The update is older than the book (e.g. before the REST snapshot) and was skipped, as the
    /// exchange's rule says.
    Stale,
}

/// Counters over the book's life (they survive resyncs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BookStats {
    /// Updates applied.
    pub updates_applied: u64,
    /// Price levels applied by those updates (inserts, changes and deletes).
    pub levels_applied: u64,
    /// Sequence gaps detected.
    pub gaps: u64,
    /// Checksum mismatches detected (in updates or snapshots).
    pub checksum_failures: u64,
    /// Crossed books detected (best bid >= best ask after a snapshot or an update).
    pub crossed: u64,
    /// Snapshots applied after the book had been invalidated.
    pub resyncs: u64,
    /// Stale updates skipped.
    pub stale_skipped: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No snapshot yet.
    Empty,
    /// Snapshot applied and every update since checked.
    Valid,
    /// A check failed (or [`OrderBook::invalidate`] was called); needs a new snapshot.
    Invalid,
}

/// An L2 book for one symbol with one exchange's [`SequenceRule`].
#[derive(Debug, Clone)]
pub struct OrderBook {
    rule: SequenceRule,
    bids: Bids,
    asks: Asks,
    state: State,
    last_update_id: u64,
    /// True from a snapshot until the first update on top of it (Binance's straddle rule).
    awaiting_first: bool,
    max_depth: Option<usize>,
    ts_event: UnixNanos,
    ts_recv: UnixNanos,
    stats: BookStats,
    /// Reused text buffer for checksums, so checking allocates nothing.
    scratch: Vec<u8>,
}

impl OrderBook {
    /// An empty book that needs a snapshot before it accepts updates.
    pub fn new(rule: SequenceRule) -> Self {
        Self {
            rule,
            bids: Bids::default(),
            asks: Asks::default(),
            state: State::Empty,
            last_update_id: 0,
            awaiting_first: false,
            max_depth: None,
            ts_event: 0,
            ts_recv: 0,
            stats: BookStats::default(),
            scratch: Vec::with_capacity(1024),
        }
    }

    /// Keeps at most `depth` levels per side after every snapshot and update. Venues that stream a
    /// fixed depth (Kraken `book-N`) stop sending deletes for levels pushed out of it, so the local
    /// book must drop them too or its checksum drifts.
    pub fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = Some(depth);
        self
    }

    /// The book's sequence rule.
    pub fn rule(&self) -> SequenceRule {
        self.rule
    }

    /// Replaces the book with a snapshot whose last update id is `last_update_id`. A snapshot
    /// after an invalidation counts as a resync. A crossed snapshot or a checksum mismatch leaves
    /// the book invalid.
    pub fn apply_snapshot(
        &mut self,
        last_update_id: u64,
        bids: &[Level],
        asks: &[Level],
        checksum: Option<u32>,
    ) -> Result<(), BookError> {
        let resync = self.state == State::Invalid;
        self.state = State::Invalid;
        for l in bids.iter().chain(asks) {
            check_level(l)?;
        }
        if let Err(price) = self.bids.replace(bids) {
            self.asks.clear();
            return Err(duplicate(price));
        }
        if let Err(price) = self.asks.replace(asks) {
            self.bids.clear();
            return Err(duplicate(price));
        }
        if let Some(depth) = self.max_depth {
            self.bids.truncate_to(depth);
            self.asks.truncate_to(depth);
        }
        self.check_book(checksum)?;
        self.state = State::Valid;
        self.last_update_id = last_update_id;
        self.awaiting_first = true;
        if resync {
            self.stats.resyncs += 1;
        }
        Ok(())
    }

    /// Applies one incremental update after checking its sequence; then checks the book is not
    /// crossed and, for OKX and Kraken, the checksum. Any error leaves the book invalid (except
    /// [`BookError::NotSynced`], which means it already was).
    #[inline]
    pub fn apply_update(&mut self, u: &DepthUpdate<'_>) -> Result<Applied, BookError> {
        if self.state != State::Valid {
            return Err(BookError::NotSynced);
        }
        let next_id = match self.rule.check(self.last_update_id, self.awaiting_first, u) {
            Ok(SeqCheck::Apply(id)) => id,
            Ok(SeqCheck::Stale) => {
                self.stats.stale_skipped += 1;
                return Ok(Applied::Stale);
            }
            Err(e) => {
                self.state = State::Invalid;
                self.stats.gaps += 1;
                return Err(e);
            }
        };
        // Invalid first: a bad level or failed check below leaves a half-applied book that must
        // not be used until the next snapshot.
        self.state = State::Invalid;
        for l in u.bids {
            check_level(l)?;
            self.bids.set(l.price, l.qty);
        }
        for l in u.asks {
            check_level(l)?;
            self.asks.set(l.price, l.qty);
        }
        if let Some(depth) = self.max_depth {
            self.bids.truncate_to(depth);
            self.asks.truncate_to(depth);
        }
        self.last_update_id = next_id;
        self.awaiting_first = false;
        self.ts_event = u.ts_event;
        self.ts_recv = u.ts_recv;
        self.check_book(u.checksum)?;
        self.state = State::Valid;
        self.stats.updates_applied += 1;
        self.stats.levels_applied += (u.bids.len() + u.asks.len()) as u64;
        Ok(Applied::Applied)
    }

    /// Not crossed, and the checksum (if the rule has one and the exchange sent one) matches.
    #[inline]
    fn check_book(&mut self, checksum: Option<u32>) -> Result<(), BookError> {
        if let (Some(b), Some(a)) = (self.bids.best(), self.asks.best()) {
            if b.price >= a.price {
                self.stats.crossed += 1;
                return Err(BookError::Crossed {
                    bid: b.price,
                    ask: a.price,
                });
            }
        }
        let Some(expected) = checksum else {
            return Ok(());
        };
        let computed = match self.rule {
            SequenceRule::Okx => okx_checksum_into(
                &mut self.scratch,
                self.bids.iter_best_first(),
                self.asks.iter_best_first(),
            ),
            SequenceRule::Kraken {
                price_decimals,
                qty_decimals,
            } => kraken_checksum_into(
                &mut self.scratch,
                self.bids.iter_best_first(),
                self.asks.iter_best_first(),
                price_decimals,
                qty_decimals,
            ),
            _ => return Ok(()),
        };
        if computed == expected {
            Ok(())
        } else {
            self.stats.checksum_failures += 1;
            Err(BookError::ChecksumMismatch { expected, computed })
        }
    }

    /// True when a snapshot was applied and every update since passed its checks. Only a valid
    /// book may feed a strategy.
    #[inline]
    pub fn is_valid(&self) -> bool {
        self.state == State::Valid
    }

    /// Marks the book invalid (e.g. the connection dropped); it needs a new snapshot.
    pub fn invalidate(&mut self) {
        if self.state == State::Valid {
            self.state = State::Invalid;
        }
    }

    /// Best (highest) bid level, whatever the book's validity.
    #[inline]
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.best()
    }

    /// Best (lowest) ask level, whatever the book's validity.
    #[inline]
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.best()
    }

    /// Best bid and ask, only when the book is valid and has both sides.
    #[inline]
    fn touch(&self) -> Option<(Level, Level)> {
        if self.state != State::Valid {
            return None;
        }
        Some((self.bids.best()?, self.asks.best()?))
    }

    /// `(best bid + best ask) / 2`; `None` unless the book is valid with both sides.
    #[inline]
    pub fn mid(&self) -> Option<f64> {
        let (b, a) = self.touch()?;
        Some((b.price.to_f64() + a.price.to_f64()) / 2.0)
    }

    /// Size-weighted mid `(bid × ask_qty + ask × bid_qty) / (bid_qty + ask_qty)`, which leans
    /// toward the side with less size; `None` unless the book is valid with both sides.
    #[inline]
    pub fn microprice(&self) -> Option<f64> {
        let (b, a) = self.touch()?;
        let (bq, aq) = (b.qty.to_f64(), a.qty.to_f64());
        Some((b.price.to_f64() * aq + a.price.to_f64() * bq) / (bq + aq))
    }

    /// Total bid and ask quantity priced within `bps` basis points of the mid (inclusive). Both are
    /// 0 when the book is invalid or one-sided; callers that must tell "unknown" from "empty" use
    /// [`OrderBook::imbalance`] or check [`OrderBook::is_valid`].
    pub fn depth_within_bps(&self, bps: f64) -> (f64, f64) {
        self.depth_units(bps)
            .map_or((0.0, 0.0), |(b, a)| (Qty(b).to_f64(), Qty(a).to_f64()))
    }

    /// Depth within `bps` of mid in 10⁻⁸ units, summed exactly; `None` when there is no mid.
    fn depth_units(&self, bps: f64) -> Option<(i64, i64)> {
        let (b, a) = self.touch()?;
        let mid = (b.price.units() as f64 + a.price.units() as f64) / 2.0;
        let band = mid * bps.max(0.0) / 10_000.0;
        // The band's edges in whole 10⁻⁸ units, rounded inward (prices are integers of units).
        let lo = Price((mid - band).ceil() as i64);
        let hi = Price((mid + band).floor() as i64);
        Some((self.bids.qty_up_to(lo), self.asks.qty_up_to(hi)))
    }

    /// `(bid − ask) / (bid + ask)` of [`OrderBook::depth_within_bps`], in [−1, 1]; `None` when the
    /// book is invalid, one-sided, or has no size in the band.
    pub fn imbalance(&self, bps: f64) -> Option<f64> {
        let (b, a) = self.depth_units(bps)?;
        let total = b + a;
        if total == 0 {
            return None;
        }
        Some((b - a) as f64 / total as f64)
    }

    /// The best `n` levels of each side, best first: `(bids, asks)`.
    pub fn top(&self, n: usize) -> (Vec<Level>, Vec<Level>) {
        (
            self.bids.iter_best_first().take(n).collect(),
            self.asks.iter_best_first().take(n).collect(),
        )
    }

    /// The displayed bid quantity at `price` (zero when no level is there).
    #[inline]
    pub fn bid_qty_at(&self, price: Price) -> Qty {
        self.bids.get(price)
    }

    /// The displayed ask quantity at `price` (zero when no level is there).
    #[inline]
    pub fn ask_qty_at(&self, price: Price) -> Qty {
        self.asks.get(price)
    }

    /// Bid levels from the best down.
    pub fn bids_best_first(&self) -> impl Iterator<Item = Level> + '_ {
        self.bids.iter_best_first()
    }

    /// Ask levels from the best up.
    pub fn asks_best_first(&self) -> impl Iterator<Item = Level> + '_ {
        self.asks.iter_best_first()
    }

    /// Number of bid and ask levels held.
    pub fn len(&self) -> (usize, usize) {
        (self.bids.len(), self.asks.len())
    }

    /// True when neither side holds a level.
    pub fn is_empty(&self) -> bool {
        self.bids.len() == 0 && self.asks.len() == 0
    }

    /// Counters over the book's life.
    pub fn stats(&self) -> BookStats {
        self.stats
    }

    /// Id of the snapshot or of the last applied update (per the rule's numbering).
    pub fn last_update_id(&self) -> u64 {
        self.last_update_id
    }

    /// Exchange time of the last applied update, ns (0 before the first).
    pub fn ts_event(&self) -> UnixNanos {
        self.ts_event
    }

    /// Local receive time of the last applied update, ns (0 before the first).
    pub fn ts_recv(&self) -> UnixNanos {
        self.ts_recv
    }
}

#[inline]
fn check_level(l: &Level) -> Result<(), BookError> {
    let reason = if l.price.units() <= 0 {
        "price must be positive"
    } else if l.qty.units() < 0 {
        "quantity must not be negative"
    } else {
        return Ok(());
    };
    Err(BookError::InvalidLevel {
        price: l.price,
        qty_units: l.qty.units(),
        reason,
    })
}

fn duplicate(price: Price) -> BookError {
    BookError::InvalidLevel {
        price,
        qty_units: 0,
        reason: "price repeated in snapshot",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{kraken_checksum, okx_checksum};

    fn lv(p: &str, q: &str) -> Level {
        Level::parse(p, q).unwrap()
    }

    fn upd<'a>(
        first: u64,
        last: u64,
        prev: u64,
        bids: &'a [Level],
        asks: &'a [Level],
    ) -> DepthUpdate<'a> {
        DepthUpdate {
            ts_event: 1,
            ts_recv: 2,
            first_id: first,
            last_id: last,
            prev_id: prev,
            bids,
            asks,
            checksum: None,
        }
    }

    fn book(rule: SequenceRule) -> OrderBook {
        let mut b = OrderBook::new(rule);
        b.apply_snapshot(
            100,
            &[lv("99", "1"), lv("98", "2")],
            &[lv("101", "3"), lv("102", "4")],
            None,
        )
        .unwrap();
        b
    }

    #[test]
    fn update_before_snapshot_is_not_synced() {
        let mut b = OrderBook::new(SequenceRule::None);
        assert!(!b.is_valid());
        assert_eq!(
            b.apply_update(&upd(1, 1, 0, &[], &[])),
            Err(BookError::NotSynced)
        );
        assert_eq!(b.mid(), None);
    }

    #[test]
    fn zero_qty_deletes_a_level_and_new_prices_insert() {
        let mut b = book(SequenceRule::None);
        let bids = [lv("99", "0"), lv("99.5", "7")];
        let asks = [lv("101", "0"), lv("103", "1")];
        assert_eq!(
            b.apply_update(&upd(1, 1, 0, &bids, &asks)),
            Ok(Applied::Applied)
        );
        let (tb, ta) = b.top(5);
        assert_eq!(tb, vec![lv("99.5", "7"), lv("98", "2")]);
        assert_eq!(ta, vec![lv("102", "4"), lv("103", "1")]);
        assert_eq!(b.stats().levels_applied, 4);
        assert_eq!((b.ts_event(), b.ts_recv()), (1, 2));
    }

    #[test]
    fn crossed_snapshot_is_rejected_and_leaves_book_invalid() {
        let mut b = OrderBook::new(SequenceRule::None);
        let err = b
            .apply_snapshot(1, &[lv("101", "1")], &[lv("100", "1")], None)
            .unwrap_err();
        assert!(matches!(err, BookError::Crossed { .. }));
        assert!(!b.is_valid());
        assert_eq!(b.stats().crossed, 1);
        // A good snapshot afterwards is a resync.
        b.apply_snapshot(2, &[lv("99", "1")], &[lv("100", "1")], None)
            .unwrap();
        assert!(b.is_valid());
        assert_eq!(b.stats().resyncs, 1);
    }

    #[test]
    fn update_that_crosses_the_book_invalidates_it() {
        let mut b = book(SequenceRule::None);
        let err = b
            .apply_update(&upd(1, 1, 0, &[lv("101.5", "1")], &[]))
            .unwrap_err();
        assert!(matches!(err, BookError::Crossed { .. }));
        assert!(!b.is_valid());
        assert_eq!(b.mid(), None);
    }

    #[test]
    fn bad_levels_are_rejected() {
        let mut b = OrderBook::new(SequenceRule::None);
        let neg = Level::new(Price(100), Qty(-1));
        assert!(matches!(
            b.apply_snapshot(1, &[neg], &[], None),
            Err(BookError::InvalidLevel { .. })
        ));
        let dup = [lv("99", "1"), lv("99", "2")];
        assert!(matches!(
            b.apply_snapshot(1, &dup, &[], None),
            Err(BookError::InvalidLevel { .. })
        ));
        let mut b = book(SequenceRule::None);
        let zero_px = Level::new(Price(0), Qty(1));
        assert!(matches!(
            b.apply_update(&upd(1, 1, 0, &[zero_px], &[])),
            Err(BookError::InvalidLevel { .. })
        ));
        assert!(!b.is_valid());
    }

    #[test]
    fn binance_futures_skips_stale_straddles_then_chains_pu() {
        let mut b = book(SequenceRule::BinanceFutures);
        // u < lastUpdateId: stale.
        assert_eq!(
            b.apply_update(&upd(90, 99, 80, &[lv("99", "5")], &[])),
            Ok(Applied::Stale)
        );
        assert_eq!(b.best_bid(), Some(lv("99", "1")));
        // First applied: U <= 100 <= u.
        assert_eq!(
            b.apply_update(&upd(95, 105, 99, &[lv("99", "5")], &[])),
            Ok(Applied::Applied)
        );
        // Next: pu == previous u.
        assert_eq!(
            b.apply_update(&upd(106, 110, 105, &[], &[lv("101", "0")])),
            Ok(Applied::Applied)
        );
        assert_eq!(b.best_ask(), Some(lv("102", "4")));
        assert_eq!(b.last_update_id(), 110);
        let s = b.stats();
        assert_eq!((s.updates_applied, s.stale_skipped, s.gaps), (2, 1, 0));
    }

    #[test]
    fn binance_futures_gap_invalidates_and_resync_restores() {
        let mut b = book(SequenceRule::BinanceFutures);
        b.apply_update(&upd(95, 105, 99, &[], &[])).unwrap();
        // pu 107 != last u 105: a message was lost.
        assert_eq!(
            b.apply_update(&upd(108, 112, 107, &[], &[])),
            Err(BookError::Gap {
                expected: 105,
                got: 107
            })
        );
        assert!(!b.is_valid());
        assert_eq!(b.stats().gaps, 1);
        assert_eq!(
            b.apply_update(&upd(113, 114, 112, &[], &[])),
            Err(BookError::NotSynced)
        );
        b.apply_snapshot(200, &[lv("99", "1")], &[lv("100", "1")], None)
            .unwrap();
        assert!(b.is_valid());
        assert_eq!(b.stats().resyncs, 1);
        assert_eq!(
            b.apply_update(&upd(199, 201, 190, &[], &[])),
            Ok(Applied::Applied)
        );
    }

    #[test]
    fn binance_futures_first_update_must_straddle_the_snapshot() {
        let mut b = book(SequenceRule::BinanceFutures);
        // U = 101 > lastUpdateId = 100: updates between were missed.
        assert_eq!(
            b.apply_update(&upd(101, 105, 100, &[], &[])),
            Err(BookError::Gap {
                expected: 100,
                got: 101
            })
        );
        assert!(!b.is_valid());
    }

    #[test]
    fn binance_spot_rules() {
        let mut b = book(SequenceRule::BinanceSpot);
        assert_eq!(
            b.apply_update(&upd(90, 100, 0, &[], &[])),
            Ok(Applied::Stale)
        );
        assert_eq!(
            b.apply_update(&upd(98, 103, 0, &[], &[])),
            Ok(Applied::Applied)
        );
        assert_eq!(
            b.apply_update(&upd(104, 104, 0, &[], &[])),
            Ok(Applied::Applied)
        );
        assert_eq!(
            b.apply_update(&upd(100, 104, 0, &[], &[])),
            Ok(Applied::Stale)
        );
        assert_eq!(
            b.apply_update(&upd(106, 107, 0, &[], &[])),
            Err(BookError::Gap {
                expected: 105,
                got: 106
            })
        );
        assert!(!b.is_valid());
        let mut b = book(SequenceRule::BinanceSpot);
        assert_eq!(
            b.apply_update(&upd(102, 103, 0, &[], &[])),
            Err(BookError::Gap {
                expected: 101,
                got: 102
            })
        );
    }

    #[test]
    fn bybit_requires_consecutive_u_and_snapshot_resets() {
        let mut b = book(SequenceRule::Bybit);
        assert_eq!(
            b.apply_update(&upd(101, 101, 0, &[lv("99", "9")], &[])),
            Ok(Applied::Applied)
        );
        assert_eq!(
            b.apply_update(&upd(103, 103, 0, &[], &[])),
            Err(BookError::Gap {
                expected: 102,
                got: 103
            })
        );
        assert!(!b.is_valid());
        // Bybit's restart snapshot carries u = 1; it replaces the book.
        b.apply_snapshot(1, &[lv("50", "1")], &[lv("51", "1")], None)
            .unwrap();
        assert_eq!(b.top(10), (vec![lv("50", "1")], vec![lv("51", "1")]));
        assert_eq!(
            b.apply_update(&upd(2, 2, 0, &[], &[])),
            Ok(Applied::Applied)
        );
    }

    #[test]
    fn okx_checksum_passes_and_mismatch_invalidates() {
        let mut b = OrderBook::new(SequenceRule::Okx);
        let (bids, asks) = (
            [lv("3366.1", "7"), lv("3366", "6")],
            [lv("3366.8", "9"), lv("3368", "8")],
        );
        b.apply_snapshot(0, &bids, &asks, Some(okx_checksum(&bids, &asks)))
            .unwrap();
        let ub = [lv("3366.1", "8")];
        let good = okx_checksum(&[lv("3366.1", "8"), lv("3366", "6")], &asks);
        let mut u = upd(0, 0, 0, &ub, &[]);
        u.checksum = Some(good);
        assert_eq!(b.apply_update(&u), Ok(Applied::Applied));
        u.checksum = Some(good ^ 1);
        assert_eq!(
            b.apply_update(&u),
            Err(BookError::ChecksumMismatch {
                expected: good ^ 1,
                computed: good
            })
        );
        assert!(!b.is_valid());
        assert_eq!(b.stats().checksum_failures, 1);
        // A snapshot with a wrong checksum is refused too.
        assert!(b.apply_snapshot(0, &bids, &asks, Some(1)).is_err());
        b.apply_snapshot(0, &bids, &asks, None).unwrap();
        assert!(b.is_valid());
    }

    #[test]
    fn okx_seq_ids_chain_and_heartbeat_repeats() {
        let mut b = book(SequenceRule::Okx);
        assert_eq!(
            b.apply_update(&upd(101, 101, 100, &[], &[])),
            Ok(Applied::Applied)
        );
        // Heartbeat: no change, seqId == prevSeqId == last.
        assert_eq!(
            b.apply_update(&upd(101, 101, 101, &[], &[])),
            Ok(Applied::Applied)
        );
        // Sequence reset after maintenance: seqId smaller, prevSeqId still the last one.
        assert_eq!(
            b.apply_update(&upd(5, 5, 101, &[], &[])),
            Ok(Applied::Applied)
        );
        assert_eq!(
            b.apply_update(&upd(9, 9, 7, &[], &[])),
            Err(BookError::Gap {
                expected: 5,
                got: 7
            })
        );
    }

    #[test]
    fn kraken_checksum_and_depth_truncation() {
        let rule = SequenceRule::Kraken {
            price_decimals: 1,
            qty_decimals: 8,
        };
        let mut b = OrderBook::new(rule).with_max_depth(2);
        let bids = [lv("99", "1"), lv("98", "1"), lv("97", "1")];
        let asks = [lv("100", "1"), lv("101", "1")];
        b.apply_snapshot(0, &bids, &asks, None).unwrap();
        assert_eq!(b.len(), (2, 2));
        // A better bid pushes 98 out of the 2-level book without a delete from the venue.
        let ub = [lv("99.5", "2")];
        let expected = kraken_checksum(&[lv("99.5", "2"), lv("99", "1")], &asks, 1, 8);
        let mut u = upd(0, 0, 0, &ub, &[]);
        u.checksum = Some(expected);
        assert_eq!(b.apply_update(&u), Ok(Applied::Applied));
        u.checksum = Some(expected.wrapping_add(1));
        assert!(matches!(
            b.apply_update(&u),
            Err(BookError::ChecksumMismatch { .. })
        ));
        assert!(!b.is_valid());
    }

    #[test]
    fn signals_from_the_touch() {
        let b = book(SequenceRule::None);
        assert_eq!(b.mid(), Some(100.0));
        // (99 × 3 + 101 × 1) / 4 = 99.5: more size on the ask leans toward the bid.
        assert_eq!(b.microprice(), Some(99.5));
        // 100 bps of 100 = ±1: 99 and 101 only.
        assert_eq!(b.depth_within_bps(100.0), (1.0, 3.0));
        assert_eq!(b.depth_within_bps(250.0), (3.0, 7.0));
        assert_eq!(b.imbalance(100.0), Some(-0.5));
        assert_eq!(b.imbalance(0.0), None);
    }

    #[test]
    fn invalid_book_feeds_no_signals() {
        let mut b = book(SequenceRule::None);
        b.invalidate();
        assert!(!b.is_valid());
        assert_eq!(
            (b.mid(), b.microprice(), b.imbalance(10.0)),
            (None, None, None)
        );
        assert_eq!(b.depth_within_bps(10.0), (0.0, 0.0));
        // The content stays visible for display and debugging.
        assert_eq!(b.best_bid(), Some(lv("99", "1")));
    }
}
