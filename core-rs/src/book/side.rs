//! One side of the book: sorted levels in short chunks, best level last.
//!
//! A single sorted `Vec` makes an insert or delete move every level between it and the touch, and
//! Binance's diff stream touches levels hundreds deep (median ~220 levels from the top on BTCUSDT,
//! 10% beyond 1,600), so memmove dominated. Chunks of at most [`CHUNK_MAX`] levels bound that move;
//! a dense array of each chunk's first key finds the chunk by binary search, and updates at the
//! touch (the last chunk) skip even that.

use crate::types::{Price, Qty};

use super::Level;

/// A chunk splits in two when it grows past this many levels.
const CHUNK_MAX: usize = 64;
/// A chunk that shrinks below this many levels merges into a neighbour when they fit together.
const CHUNK_MIN: usize = CHUNK_MAX / 4;

/// One level by sort key: a bid's key is its price, an ask's the negated price, so keys ascend
/// toward the best level on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    key: i64,
    qty: i64,
}

/// Bids (`IS_BID = true`) and asks share one layout: keys ascend and the best level is last.
///
/// Invariants: no chunk is empty unless it is the only one; `firsts[i] == chunks[i][0].key`;
/// keys ascend within and across chunks; `len` is the total number of levels.
#[derive(Debug, Clone)]
pub(crate) struct BookSide<const IS_BID: bool> {
    chunks: Vec<Vec<Entry>>,
    firsts: Vec<i64>,
    len: usize,
}

impl<const IS_BID: bool> Default for BookSide<IS_BID> {
    fn default() -> Self {
        Self {
            chunks: vec![Vec::with_capacity(CHUNK_MAX + 1)],
            firsts: vec![i64::MIN],
            len: 0,
        }
    }
}

/// Bid levels, best (highest) price last.
pub(crate) type Bids = BookSide<true>;
/// Ask levels, best (lowest) price last.
pub(crate) type Asks = BookSide<false>;

impl<const IS_BID: bool> BookSide<IS_BID> {
    #[inline(always)]
    fn key(price: Price) -> i64 {
        if IS_BID {
            price.units()
        } else {
            -price.units()
        }
    }

    #[inline(always)]
    fn level(e: &Entry) -> Level {
        Level {
            price: Price(if IS_BID { e.key } else { -e.key }),
            qty: Qty(e.qty),
        }
    }

    /// The chunk that holds `key` or would receive it: the last one whose first key is <= `key`
    /// (the first chunk for keys below every level).
    #[inline]
    fn chunk_for(&self, key: i64) -> usize {
        let last = self.firsts.len() - 1;
        if key >= self.firsts[last] {
            return last;
        }
        self.firsts.partition_point(|&f| f <= key).saturating_sub(1)
    }

    /// Sets the quantity at `price`; zero removes the level (a missing level is left missing).
    #[inline]
    pub(crate) fn set(&mut self, price: Price, qty: Qty) {
        let key = Self::key(price);
        let ci = self.chunk_for(key);
        let chunk = &mut self.chunks[ci];
        match chunk.binary_search_by_key(&key, |e| e.key) {
            Ok(i) if qty.is_zero() => {
                chunk.remove(i);
                self.len -= 1;
                self.after_remove(ci);
            }
            Ok(i) => chunk[i].qty = qty.units(),
            Err(_) if qty.is_zero() => {}
            Err(i) => {
                chunk.insert(
                    i,
                    Entry {
                        key,
                        qty: qty.units(),
                    },
                );
                self.len += 1;
                if i == 0 {
                    self.firsts[ci] = key;
                }
                if chunk.len() > CHUNK_MAX {
                    self.split(ci);
                }
            }
        }
    }

    fn split(&mut self, ci: usize) {
        let mut upper = Vec::with_capacity(CHUNK_MAX + 1);
        let chunk = &mut self.chunks[ci];
        upper.extend(chunk.drain(chunk.len() / 2..));
        self.firsts.insert(ci + 1, upper[0].key);
        self.chunks.insert(ci + 1, upper);
    }

    fn after_remove(&mut self, ci: usize) {
        let n = self.chunks[ci].len();
        if n == 0 {
            if self.chunks.len() > 1 {
                self.chunks.remove(ci);
                self.firsts.remove(ci);
            }
            return;
        }
        self.firsts[ci] = self.chunks[ci][0].key;
        if n < CHUNK_MIN && self.chunks.len() > 1 {
            // Merge with the next chunk (or into the previous one for the last chunk) if they fit.
            let (lo, hi) = if ci + 1 < self.chunks.len() {
                (ci, ci + 1)
            } else {
                (ci - 1, ci)
            };
            if self.chunks[lo].len() + self.chunks[hi].len() <= CHUNK_MAX {
                let moved = self.chunks.remove(hi);
                self.firsts.remove(hi);
                self.chunks[lo].extend(moved);
            }
        }
    }

    /// Replaces the whole side; zero-quantity levels are dropped. Errors on a repeated price.
    pub(crate) fn replace(&mut self, levels: &[Level]) -> Result<(), Price> {
        let mut sorted: Vec<Entry> = levels
            .iter()
            .filter(|l| !l.qty.is_zero())
            .map(|l| Entry {
                key: Self::key(l.price),
                qty: l.qty.units(),
            })
            .collect();
        sorted.sort_unstable_by_key(|e| e.key);
        self.clear();
        if let Some(w) = sorted.windows(2).find(|w| w[0].key == w[1].key) {
            return Err(Self::level(&w[0]).price);
        }
        self.load_sorted(&sorted);
        Ok(())
    }

    /// Rebuilds the chunks from ascending entries, half full so both inserts and deletes are cheap.
    fn load_sorted(&mut self, sorted: &[Entry]) {
        self.chunks.clear();
        self.firsts.clear();
        for piece in sorted.chunks(CHUNK_MAX / 2) {
            let mut c = Vec::with_capacity(CHUNK_MAX + 1);
            c.extend_from_slice(piece);
            self.firsts.push(piece[0].key);
            self.chunks.push(c);
        }
        if self.chunks.is_empty() {
            self.chunks.push(Vec::with_capacity(CHUNK_MAX + 1));
            self.firsts.push(i64::MIN);
        }
        self.len = sorted.len();
    }

    /// Keeps only the best `depth` levels.
    pub(crate) fn truncate_to(&mut self, depth: usize) {
        if self.len <= depth {
            return;
        }
        let mut excess = self.len - depth;
        let whole = self.chunks.iter().take_while(|c| {
            let take = c.len() <= excess;
            if take {
                excess -= c.len();
            }
            take
        });
        let n_whole = whole.count();
        self.chunks.drain(..n_whole);
        self.firsts.drain(..n_whole);
        if self.chunks.is_empty() {
            self.chunks.push(Vec::with_capacity(CHUNK_MAX + 1));
            self.firsts.push(i64::MIN);
        } else if excess > 0 {
            self.chunks[0].drain(..excess);
            self.firsts[0] = self.chunks[0][0].key;
        }
        self.len = depth;
    }

    /// Removes every level.
    pub(crate) fn clear(&mut self) {
        self.chunks.truncate(1);
        self.chunks[0].clear();
        self.firsts.clear();
        self.firsts.push(i64::MIN);
        self.len = 0;
    }

    /// The best level.
    #[inline]
    pub(crate) fn best(&self) -> Option<Level> {
        self.chunks.last().and_then(|c| c.last()).map(Self::level)
    }

    /// Levels from the best outward.
    #[inline]
    pub(crate) fn iter_best_first(&self) -> impl Iterator<Item = Level> + '_ {
        self.chunks
            .iter()
            .rev()
            .flat_map(|c| c.iter().rev())
            .map(Self::level)
    }

    /// The quantity at `price` (zero when no level is there).
    #[inline]
    pub(crate) fn get(&self, price: Price) -> Qty {
        let key = Self::key(price);
        let chunk = &self.chunks[self.chunk_for(key)];
        match chunk.binary_search_by_key(&key, |e| e.key) {
            Ok(i) => Qty(chunk[i].qty),
            Err(_) => Qty::ZERO,
        }
    }

    /// Total quantity (10⁻⁸ units) of the levels priced at `worst` or better.
    pub(crate) fn qty_up_to(&self, worst: Price) -> i64 {
        let limit = Self::key(worst);
        let mut total = 0;
        for c in self.chunks.iter().rev() {
            match c.first() {
                // The whole chunk is in range: a plain sum the compiler can vectorise.
                Some(first) if first.key >= limit => total += c.iter().map(|e| e.qty).sum::<i64>(),
                _ => {
                    total += c
                        .iter()
                        .rev()
                        .take_while(|e| e.key >= limit)
                        .map(|e| e.qty)
                        .sum::<i64>();
                    break;
                }
            }
        }
        total
    }

    /// Number of levels.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Checks every invariant (tests only).
    #[cfg(test)]
    fn assert_invariants(&self) {
        assert_eq!(self.chunks.len(), self.firsts.len());
        assert!(!self.chunks.is_empty());
        if self.chunks.len() > 1 {
            assert!(self
                .chunks
                .iter()
                .all(|c| !c.is_empty() && c.len() <= CHUNK_MAX));
        }
        for (c, &f) in self.chunks.iter().zip(&self.firsts) {
            if let Some(e) = c.first() {
                assert_eq!(e.key, f);
            }
        }
        let keys: Vec<i64> = self.chunks.iter().flatten().map(|e| e.key).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(keys.len(), self.len);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    fn px(p: i64) -> Price {
        Price(p)
    }

    #[test]
    fn bids_keep_highest_first_and_asks_lowest_first() {
        let mut b = Bids::default();
        let mut a = Asks::default();
        for p in [5, 1, 3, 4, 2] {
            b.set(px(p), Qty(10));
            a.set(px(p + 10), Qty(10));
        }
        let bp: Vec<i64> = b.iter_best_first().map(|l| l.price.0).collect();
        let ap: Vec<i64> = a.iter_best_first().map(|l| l.price.0).collect();
        assert_eq!(bp, vec![5, 4, 3, 2, 1]);
        assert_eq!(ap, vec![11, 12, 13, 14, 15]);
    }

    #[test]
    fn zero_qty_deletes_and_missing_delete_is_ignored() {
        let mut b = Bids::default();
        b.set(px(5), Qty(1));
        b.set(px(6), Qty(2));
        b.set(px(6), Qty(3));
        assert_eq!(b.best(), Some(Level::new(px(6), Qty(3))));
        b.set(px(6), Qty(0));
        b.set(px(7), Qty(0));
        assert_eq!(b.len(), 1);
        assert_eq!(b.best(), Some(Level::new(px(5), Qty(1))));
        b.set(px(5), Qty(0));
        assert_eq!((b.len(), b.best()), (0, None));
        b.assert_invariants();
    }

    #[test]
    fn replace_sorts_drops_zeros_and_rejects_duplicates() {
        let mut a = Asks::default();
        let lv = |p, q| Level::new(px(p), Qty(q));
        a.replace(&[lv(3, 1), lv(1, 1), lv(2, 0)]).unwrap();
        assert_eq!(
            a.iter_best_first().map(|l| l.price.0).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(a.replace(&[lv(3, 1), lv(3, 2)]), Err(px(3)));
        assert_eq!(a.len(), 0);
        a.assert_invariants();
    }

    #[test]
    fn truncate_keeps_the_best_levels() {
        let mut b = Bids::default();
        for p in 1..=1000 {
            b.set(px(p), Qty(1));
        }
        b.truncate_to(300);
        b.assert_invariants();
        let got: Vec<i64> = b.iter_best_first().map(|l| l.price.0).collect();
        assert_eq!(got, (701..=1000).rev().collect::<Vec<_>>());
        b.truncate_to(0);
        b.assert_invariants();
        assert_eq!(b.best(), None);
    }

    proptest! {
        /// Any sequence of sets (and truncations) leaves the same levels as a sorted map would.
        #[test]
        fn matches_a_sorted_map(
            snapshot in prop::collection::vec((1i64..400, 1i64..5), 0..300),
            ops in prop::collection::vec((1i64..400, 0i64..3), 0..2000),
            depth in prop::option::of(1usize..200),
        ) {
            let mut side = Asks::default();
            let mut model: BTreeMap<i64, i64> = snapshot.iter().copied().collect();
            let levels: Vec<Level> = model.iter().map(|(&p, &q)| Level::new(px(p), Qty(q))).collect();
            side.replace(&levels).unwrap();
            for (p, q) in ops {
                side.set(px(p), Qty(q));
                if q == 0 { model.remove(&p); } else { model.insert(p, q); }
                if let Some(d) = depth {
                    side.truncate_to(d);
                    while model.len() > d { let worst = *model.keys().next_back().unwrap(); model.remove(&worst); }
                }
            }
            side.assert_invariants();
            let limit = px(200);
            prop_assert_eq!(side.qty_up_to(limit), model.range(..=200).map(|(_, q)| q).sum::<i64>());
            let got: Vec<(i64, i64)> = side.iter_best_first().map(|l| (l.price.0, l.qty.0)).collect();
            let want: Vec<(i64, i64)> = model.into_iter().collect();
            prop_assert_eq!(got, want);
        }
    }
}
