//! One side of the book: a `Vec` sorted so the best level is at the end.
//!
//! Keeping the touch at the end makes the common case (an update near the top) an insert or a
//! remove that moves only the few levels above it; the position is found by binary search.

use std::cmp::Ordering;

use crate::types::{Price, Qty};

use super::Level;

/// Bids (`IS_BID = true`) ascend by price, asks descend, so `levels.last()` is the best on both.
#[derive(Debug, Clone, Default)]
pub(crate) struct BookSide<const IS_BID: bool> {
    levels: Vec<Level>,
}

/// Bid levels, best (highest) price last.
pub(crate) type Bids = BookSide<true>;
/// Ask levels, best (lowest) price last.
pub(crate) type Asks = BookSide<false>;

impl<const IS_BID: bool> BookSide<IS_BID> {
    /// Where `a` sorts relative to `b` in storage order (worse prices first).
    #[inline(always)]
    fn order(a: Price, b: Price) -> Ordering {
        if IS_BID {
            a.cmp(&b)
        } else {
            b.cmp(&a)
        }
    }

    /// Index of `price`, or where it would be inserted.
    #[inline]
    fn find(&self, price: Price) -> Result<usize, usize> {
        self.levels.binary_search_by(|l| Self::order(l.price, price))
    }

    /// Sets the quantity at `price`; zero removes the level (a missing level is left missing).
    #[inline]
    pub(crate) fn set(&mut self, price: Price, qty: Qty) {
        match self.find(price) {
            Ok(i) => {
                if qty.is_zero() {
                    self.levels.remove(i);
                } else {
                    self.levels[i].qty = qty;
                }
            }
            Err(i) => {
                if !qty.is_zero() {
                    self.levels.insert(i, Level { price, qty });
                }
            }
        }
    }

    /// Replaces the whole side; zero-quantity levels are dropped. Errors on a repeated price.
    pub(crate) fn replace(&mut self, levels: &[Level]) -> Result<(), Price> {
        self.levels.clear();
        self.levels.extend(levels.iter().copied().filter(|l| !l.qty.is_zero()));
        self.levels.sort_unstable_by(|a, b| Self::order(a.price, b.price));
        match self.levels.windows(2).find(|w| w[0].price == w[1].price) {
            Some(w) => {
                let dup = w[0].price;
                self.levels.clear();
                Err(dup)
            }
            None => Ok(()),
        }
    }

    /// Keeps only the best `depth` levels.
    #[inline]
    pub(crate) fn truncate_to(&mut self, depth: usize) {
        let len = self.levels.len();
        if len > depth {
            self.levels.drain(..len - depth);
        }
    }

    /// Removes every level.
    pub(crate) fn clear(&mut self) {
        self.levels.clear();
    }

    /// The best level.
    #[inline]
    pub(crate) fn best(&self) -> Option<Level> {
        self.levels.last().copied()
    }

    /// Levels from the best outward.
    #[inline]
    pub(crate) fn iter_best_first(&self) -> impl Iterator<Item = &Level> + '_ {
        self.levels.iter().rev()
    }

    /// Number of levels.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.levels.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn px(p: i64) -> Price {
        Price(p)
    }

    #[test]
    fn bids_keep_highest_last_and_asks_lowest_last() {
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
    }

    #[test]
    fn replace_sorts_drops_zeros_and_rejects_duplicates() {
        let mut a = Asks::default();
        let lv = |p, q| Level::new(px(p), Qty(q));
        a.replace(&[lv(3, 1), lv(1, 1), lv(2, 0)]).unwrap();
        assert_eq!(a.iter_best_first().map(|l| l.price.0).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(a.replace(&[lv(3, 1), lv(3, 2)]), Err(px(3)));
        assert_eq!(a.len(), 0);
    }

    #[test]
    fn truncate_keeps_the_best_levels() {
        let mut b = Bids::default();
        for p in 1..=10 {
            b.set(px(p), Qty(1));
        }
        b.truncate_to(3);
        assert_eq!(b.iter_best_first().map(|l| l.price.0).collect::<Vec<_>>(), vec![10, 9, 8]);
    }
}
