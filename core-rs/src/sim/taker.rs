//! Orders that take liquidity: market orders, marketable limit orders and triggered stops walk
//! the book level by level (one execution per level); on quotes the touch's displayed size
//! fills at the touch and the rest at an impact price; with only a last price, everything fills
//! there with slippage.

use super::exchange::{reduces, BookSource, Exchange};
use crate::book::{Level, OrderBook};
use crate::orders::{AnyOrder, LiquiditySide, OrderId};
use crate::types::{OrderSide, Price, Qty, SymbolId, UnixNanos};

/// Whether `price` is allowed by a limit of `limit` for a taker of `side`.
#[inline]
fn within(side: OrderSide, price: Price, limit: Option<Price>) -> bool {
    match (side, limit) {
        (_, None) => true,
        (OrderSide::Buy, Some(l)) => price <= l,
        (OrderSide::Sell, Some(l)) => price >= l,
    }
}

/// `x` moved `bps` against a taker of `side` (up for a buy), as a price.
fn against(side: OrderSide, x: f64, bps: f64) -> Price {
    let f = bps * 1e-4;
    let p = match side {
        OrderSide::Buy => x * (1.0 + f),
        OrderSide::Sell => x * (1.0 - f),
    };
    crate::portfolio::price_level(p)
}

/// The opposite side's levels, best first.
fn levels<'b>(book: &'b OrderBook, side: OrderSide) -> Box<dyn Iterator<Item = Level> + 'b> {
    match side {
        OrderSide::Buy => Box::new(book.asks_best_first()),
        OrderSide::Sell => Box::new(book.bids_best_first()),
    }
}

impl Exchange {
    /// The most order `id` may take now: its rest, and for a reduce-only order no more than the
    /// position.
    fn wanted(&self, id: OrderId) -> Option<(SymbolId, OrderSide, Qty)> {
        let c = self.orders.get(&id)?.core();
        let mut want = c.leaves();
        if c.reduce_only {
            let pos = self.position(c.symbol);
            if !reduces(pos, c.side) {
                return Some((c.symbol, c.side, Qty::ZERO));
            }
            want = want.min(Qty(pos.abs()));
        }
        Some((c.symbol, c.side, want))
    }

    /// Takes liquidity for order `id` up to `limit` (None: any price) at exchange time `at`.
    /// `at_bar`: the order arrived before a bar, whose open is the price it gets.
    pub(super) fn take<B: BookSource + ?Sized>(
        &mut self,
        id: OrderId,
        limit: Option<Price>,
        at: UnixNanos,
        books: &B,
        at_bar: Option<f64>,
    ) {
        let Some((symbol, side, mut want)) = self.wanted(id) else {
            return;
        };
        if want.is_zero() {
            return;
        }
        if let Some(open) = at_bar {
            let px = against(side, open, self.cfg.slippage_bps);
            if within(side, px, limit) {
                self.execute(id, want, px, LiquiditySide::Taker, at);
            }
            return;
        }
        if let Some(book) = books.valid_book(symbol) {
            for level in levels(book, side) {
                if want.is_zero() || !within(side, level.price, limit) {
                    break;
                }
                let avail = self
                    .sym(symbol)
                    .consumed
                    .available(side, level.price, level.qty);
                let q = avail.min(want);
                if q.units() > 0 {
                    self.execute(id, q, level.price, LiquiditySide::Taker, at);
                    self.sym(symbol)
                        .consumed
                        .take(side, level.price, level.qty, q);
                    want -= q;
                }
            }
            return;
        }
        let m = self.sym(symbol).market;
        if m.has_quote() {
            let (touch, size) = match side {
                OrderSide::Buy => (m.ask, m.ask_qty),
                OrderSide::Sell => (m.bid, m.bid_qty),
            };
            let touch_px = crate::portfolio::price_level(touch);
            if !within(side, touch_px, limit) {
                return;
            }
            match Qty::from_f64(size).ok().filter(|_| size.is_finite()) {
                Some(shown) => {
                    let avail = self.sym(symbol).consumed.available(side, touch_px, shown);
                    let q = avail.min(want);
                    if q.units() > 0 {
                        self.execute(id, q, touch_px, LiquiditySide::Taker, at);
                        self.sym(symbol).consumed.take(side, touch_px, shown, q);
                        want -= q;
                    }
                    if want.units() > 0 {
                        // Beyond the displayed size: the next levels, unseen, at the impact price.
                        let px = against(side, touch, self.cfg.impact_bps);
                        if within(side, px, limit) {
                            self.execute(id, want, px, LiquiditySide::Taker, at);
                        }
                    }
                }
                // No size shown: the touch is taken as deep enough.
                None => self.execute(id, want, touch_px, LiquiditySide::Taker, at),
            }
            return;
        }
        if m.last.is_finite() {
            let px = against(side, m.last, self.cfg.slippage_bps);
            if within(side, px, limit) {
                self.execute(id, want, px, LiquiditySide::Taker, at);
            }
        }
    }

    /// How much of order `id` could fill now up to `limit` (for fill-or-kill).
    pub(super) fn fillable(
        &mut self,
        id: OrderId,
        limit: Option<Price>,
        book: Option<&OrderBook>,
        at_bar: Option<f64>,
    ) -> Qty {
        let Some((symbol, side, want)) = self.wanted(id) else {
            return Qty::ZERO;
        };
        if let Some(open) = at_bar {
            return if within(side, against(side, open, self.cfg.slippage_bps), limit) {
                want
            } else {
                Qty::ZERO
            };
        }
        if let Some(book) = book {
            let mut total = Qty::ZERO;
            for level in levels(book, side) {
                if total >= want || !within(side, level.price, limit) {
                    break;
                }
                total += self
                    .sym(symbol)
                    .consumed
                    .available(side, level.price, level.qty);
            }
            return total.min(want);
        }
        let m = self.sym(symbol).market;
        if m.has_quote() {
            let (touch, size) = match side {
                OrderSide::Buy => (m.ask, m.ask_qty),
                OrderSide::Sell => (m.bid, m.bid_qty),
            };
            let touch_px = crate::portfolio::price_level(touch);
            if !within(side, touch_px, limit) {
                return Qty::ZERO;
            }
            if within(side, against(side, touch, self.cfg.impact_bps), limit) || !size.is_finite() {
                return want;
            }
            let shown = Qty::from_f64(size).unwrap_or(Qty::ZERO);
            return self
                .sym(symbol)
                .consumed
                .available(side, touch_px, shown)
                .min(want);
        }
        if m.last.is_finite() && within(side, against(side, m.last, self.cfg.slippage_bps), limit) {
            return want;
        }
        Qty::ZERO
    }

    /// Triggers the stop or take-profit `id` at `observed` and sends it to the market as a market
    /// order at exchange time `at`.
    pub(super) fn trigger<B: BookSource + ?Sized>(
        &mut self,
        id: OrderId,
        observed: Price,
        at: UnixNanos,
        books: &B,
    ) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        if !matches!(o, AnyOrder::StopMarket(_) | AnyOrder::TakeProfit(_)) {
            return;
        }
        let c = o.core_mut();
        if c.apply(crate::orders::Transition::Trigger).is_err() {
            return;
        }
        c.ts_last = at;
        let c = c.clone();
        let header = self.header(&c, at);
        self.notify(crate::orders::OrderEvent::Triggered(
            crate::orders::OrderTriggered {
                header,
                price: observed,
            },
        ));
        self.take(id, None, at, books, None);
        self.expire_rest(id, at);
    }
}
