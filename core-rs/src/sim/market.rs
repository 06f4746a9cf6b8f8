//! What the venue simulator remembers of each symbol's market between events: the latest quote,
//! trade and bar, and the liquidity our own taker orders took from levels the venue has not
//! updated since.

use crate::book::OrderBook;
use crate::types::{OrderSide, Price, Qty};

/// The latest market a symbol showed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarketMemory {
    /// Best bid and ask of the latest quote (NaN before one).
    pub bid: f64,
    /// Best ask.
    pub ask: f64,
    /// Sizes at the bid and ask (NaN: unknown, taken as unlimited).
    pub bid_qty: f64,
    /// Size at the ask.
    pub ask_qty: f64,
    /// The latest trade price, else the latest reference price (NaN before any).
    pub last: f64,
}

impl Default for MarketMemory {
    fn default() -> Self {
        MarketMemory {
            bid: f64::NAN,
            ask: f64::NAN,
            bid_qty: f64::NAN,
            ask_qty: f64::NAN,
            last: f64::NAN,
        }
    }
}

impl MarketMemory {
    /// Whether a two-sided quote is known.
    #[inline]
    pub fn has_quote(&self) -> bool {
        self.bid.is_finite() && self.ask.is_finite()
    }

    /// The quote mid, else the last price: the mark the simulator uses for mark-price triggers.
    #[inline]
    pub fn mark(&self) -> f64 {
        if self.has_quote() {
            0.5 * (self.bid + self.ask)
        } else {
            self.last
        }
    }
}

/// Liquidity one of our taker orders took at a level, kept until the venue updates that level:
/// the historical book does not know we took it, so without this a second order would take it
/// again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consumed {
    /// The book side taken from: `Buy` took asks, `Sell` took bids.
    pub taker: OrderSide,
    /// Level price.
    pub price: Price,
    /// Quantity taken so far.
    pub qty: Qty,
    /// The level's displayed size when it was first taken from (a different size later means
    /// the venue updated the level).
    pub shown: Qty,
}

/// Per-symbol list of consumed liquidity (a handful of entries at most).
#[derive(Debug, Clone, Default)]
pub struct ConsumedLevels(Vec<Consumed>);

impl ConsumedLevels {
    /// What is still available at a level showing `shown` that a `taker` order meets.
    #[inline]
    pub fn available(&self, taker: OrderSide, price: Price, shown: Qty) -> Qty {
        match self.0.iter().find(|c| c.taker == taker && c.price == price) {
            Some(c) if c.shown == shown => Qty((shown.units() - c.qty.units()).max(0)),
            _ => shown,
        }
    }

    /// Records that `qty` was taken at a level showing `shown`.
    pub fn take(&mut self, taker: OrderSide, price: Price, shown: Qty, qty: Qty) {
        match self
            .0
            .iter_mut()
            .find(|c| c.taker == taker && c.price == price)
        {
            Some(c) if c.shown == shown => c.qty += qty,
            Some(c) => {
                *c = Consumed {
                    taker,
                    price,
                    qty,
                    shown,
                }
            }
            None => self.0.push(Consumed {
                taker,
                price,
                qty,
                shown,
            }),
        }
    }

    /// Forgets levels the venue updated: every entry whose level now shows another size (or is
    /// gone) in `book`, or every entry when `book` is None and the quote changed.
    pub fn refresh(&mut self, book: Option<&OrderBook>) {
        if self.0.is_empty() {
            return;
        }
        match book {
            Some(b) => self.0.retain(|c| {
                let now = match c.taker {
                    OrderSide::Buy => b.ask_qty_at(c.price),
                    OrderSide::Sell => b.bid_qty_at(c.price),
                };
                now == c.shown
            }),
            None => self.0.clear(),
        }
    }

    /// Forgets the entry of one level (a quote at that price with another size).
    pub fn forget(&mut self, taker: OrderSide, price: Price, shown_now: Qty) {
        self.0
            .retain(|c| !(c.taker == taker && c.price == price && c.shown != shown_now));
    }

    /// Whether nothing is remembered.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64) -> Price {
        Price::from_f64(x).unwrap()
    }
    fn q(x: f64) -> Qty {
        Qty::from_f64(x).unwrap()
    }

    #[test]
    fn consumed_liquidity_stays_consumed_until_the_level_changes() {
        let mut c = ConsumedLevels::default();
        c.take(OrderSide::Buy, p(100.0), q(2.0), q(1.5));
        assert_eq!(c.available(OrderSide::Buy, p(100.0), q(2.0)), q(0.5));
        assert_eq!(
            c.available(OrderSide::Sell, p(100.0), q(2.0)),
            q(2.0),
            "the other side is untouched"
        );
        c.take(OrderSide::Buy, p(100.0), q(2.0), q(0.5));
        assert_eq!(c.available(OrderSide::Buy, p(100.0), q(2.0)), Qty::ZERO);
        // The venue updated the level: what it shows now is all there.
        assert_eq!(c.available(OrderSide::Buy, p(100.0), q(3.0)), q(3.0));
        c.forget(OrderSide::Buy, p(100.0), q(3.0));
        assert!(c.is_empty());
    }
}
