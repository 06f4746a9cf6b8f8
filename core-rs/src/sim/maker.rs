//! What the market does to working orders: trades advance the queues of resting limit orders
//! and fill them (partly, at the order's price, as maker), a trade through the price or the
//! opposite side reaching it fills them completely, book updates move queues by the queue model,
//! and prices reaching a trigger turn stops and take-profits into market orders. A position
//! whose market reaches its liquidation price is liquidated there.

use super::exchange::{exec_side_price, BookSource, Exchange};
use super::queue::QueueModel;
use crate::book::OrderBook;
use crate::orders::{AnyOrder, LiquiditySide, OrderId};
use crate::portfolio::ExitReason;
use crate::tick::Tick;
use crate::types::{OrderSide, Price, Qty, Side, SymbolId, UnixNanos};

/// Whether every price a non-bar tick shows (bid, ask, last; unknown ones ignored) lies strictly
/// inside `(lo, hi)`: then nothing can act on the symbol's orders or position.
#[inline(always)]
pub(super) fn inside(t: &Tick, (lo, hi): (f64, f64)) -> bool {
    // A NaN compares false both ways: an unknown price never leaves the band.
    !(t.bid <= lo)
        & !(t.price <= lo)
        & !(t.ask <= lo)
        & !(t.bid >= hi)
        & !(t.price >= hi)
        & !(t.ask >= hi)
}

impl Exchange {
    /// A market event of `t.symbol` at exchange time `t.ts_event`. The venue shows it (its quote
    /// and last price), then takes the requests that reached it by then — new orders are
    /// matched against the market the event leaves, so a decision never fills before the next
    /// event; cancels and modifies land before the event acts — then the event acts on the
    /// symbol's orders and position when it reaches their band. A bar with an open takes the
    /// requests at its open and then acts over its range; a bar without an open acts over its
    /// range and then fills the requests at its close.
    #[inline(always)]
    pub fn on_tick<B: BookSource + ?Sized>(&mut self, t: &Tick, books: &B) {
        self.event_no += 1;
        let idx = t.symbol as usize;
        if idx >= self.symbols.len() {
            self.sym(t.symbol);
        }
        let w = &mut self.symbols[idx];
        let prev_last = w.market.last;
        let quoted = t.bid.is_finite() & t.ask.is_finite();
        if !w.consumed.is_empty() {
            self.refresh_consumed(t, books);
        }
        let w = &mut self.symbols[idx];
        if quoted {
            let m = &mut w.market;
            (m.bid, m.ask, m.bid_qty, m.ask_qty) = (t.bid, t.ask, t.bid_qty, t.ask_qty);
        }
        if t.is_bar() {
            self.bar_event(t, prev_last, books);
            return;
        }
        if t.price.is_finite() {
            w.market.last = t.price;
        } else if quoted && !prev_last.is_finite() {
            w.market.last = 0.5 * (t.bid + t.ask);
        }
        self.clock = self.clock.max(t.ts_event);
        if self.next_arrival().is_some_and(|a| a <= t.ts_event) {
            self.deliver(t.ts_event, books, None);
        }
        if !inside(t, self.symbols[idx].band) {
            self.act_on_tick(t, books);
        }
    }

    /// A bar: its close is the last price; its range acts on orders ([`on_bar`](Self::on_bar)).
    /// Its time is its close, so the venue's clock moves only past what the bar matched.
    #[cold]
    #[inline(never)]
    fn bar_event<B: BookSource + ?Sized>(&mut self, t: &Tick, prev_last: f64, books: &B) {
        let due = self.next_arrival().is_some_and(|a| a <= t.ts_event);
        let has_open = t.open.is_finite();
        if due && has_open {
            self.deliver(t.ts_event, books, Some((t.symbol, t.open)));
        }
        if t.close.is_finite() {
            self.symbols[t.symbol as usize].market.last = t.close;
        }
        self.on_bar(t, prev_last, books);
        if due && !has_open {
            // The first price after the requests is the bar's close, after its range.
            self.clock = self.clock.max(t.ts_event);
            self.deliver(t.ts_event, books, None);
        }
    }

    /// Liquidity our taker orders took comes back where the venue showed the level again with
    /// another size (or, on quotes, when the touch moved).
    #[cold]
    #[inline(never)]
    fn refresh_consumed<B: BookSource + ?Sized>(&mut self, t: &Tick, books: &B) {
        if books.valid_book(t.symbol).is_some() || !(t.bid.is_finite() && t.ask.is_finite()) {
            // With a book, depth messages refresh it.
            return;
        }
        let w = &mut self.symbols[t.symbol as usize];
        if let (Ok(bp), Ok(bq)) = (Price::from_f64(t.bid), Qty::from_f64(t.bid_qty)) {
            w.consumed.forget(OrderSide::Sell, bp, bq);
        }
        if let (Ok(ap), Ok(aq)) = (Price::from_f64(t.ask), Qty::from_f64(t.ask_qty)) {
            w.consumed.forget(OrderSide::Buy, ap, aq);
        }
        if t.bid != w.market.bid || t.ask != w.market.ask {
            w.consumed.refresh(None);
        }
    }

    /// The slow path of a non-bar tick: liquidation, triggers, then resting orders.
    #[cold]
    #[inline(never)]
    fn act_on_tick<B: BookSource + ?Sized>(&mut self, t: &Tick, books: &B) {
        let symbol = t.symbol;
        let at = t.ts_event;
        let book = books.valid_book(symbol);
        // Liquidation first: beyond it the venue's engine takes the position over.
        if let Some((side, liq)) = self.symbols[symbol as usize].liquidation {
            if self.position(symbol) != 0 {
                let m = self.symbols[symbol as usize].market;
                let closing = if side == Side::Long {
                    OrderSide::Sell
                } else {
                    OrderSide::Buy
                };
                let px = exec_side_price(&m, closing, book);
                let adverse = if side == Side::Long {
                    px <= liq
                } else {
                    px >= liq
                };
                if adverse {
                    let fee = self.cfg.liquidation_fee_bps;
                    self.force_close(
                        symbol,
                        crate::portfolio::price_level(liq),
                        ExitReason::Liquidation,
                        fee,
                        at,
                    );
                }
            }
        }
        self.fire_triggers(t, books);
        self.fill_resting_on_tick(t, book);
        self.update_band(symbol);
    }

    /// Triggers the stops and take-profits `t` reaches, stops first (the adverse move first).
    fn fire_triggers<B: BookSource + ?Sized>(&mut self, t: &Tick, books: &B) {
        let symbol = t.symbol;
        let w = &self.symbols[symbol as usize];
        if w.triggers.is_empty() {
            return;
        }
        let book = books.valid_book(symbol);
        let trade = (t.price.is_finite() && t.volume > 0.0).then_some(t.price);
        let mut fired: Vec<(bool, OrderId, Price)> = Vec::new();
        for &id in &w.triggers {
            let Some(o) = self.orders.get(&id) else {
                continue;
            };
            // An exit armed by a fill on this very event waits for the next one: a position
            // filled at an event's price does not exit on that event.
            if o.core().armed_event == self.event_no {
                continue;
            }
            let observed = match (o.trigger().map(|x| x.1), trade) {
                (Some(crate::orders::TriggerSource::Last), Some(p)) => p,
                _ => self.trigger_price(symbol, o, book),
            };
            let Ok(obs) = Price::from_f64(observed) else {
                continue;
            };
            if o.triggered_by(obs) {
                fired.push((matches!(o, AnyOrder::StopMarket(_)), id, obs));
            }
        }
        // Stops before take-profits; within each, submission order.
        fired.sort_by_key(|&(stop, id, _)| (!stop, id));
        for (_, id, obs) in fired {
            self.trigger(id, obs, t.ts_event, books);
        }
    }

    /// Stops and take-profits the book now reaches (a feed with depth and no trades or quotes
    /// still triggers them): the touch on the order's execution side, or the mid for mark-price
    /// triggers.
    fn fire_triggers_on_book(&mut self, symbol: SymbolId, book: &OrderBook, at: UnixNanos) {
        let Some(w) = self.symbols.get(symbol as usize) else {
            return;
        };
        if w.triggers.is_empty() {
            return;
        }
        let mut fired: Vec<(bool, OrderId, Price)> = Vec::new();
        for &id in &w.triggers {
            let Some(o) = self.orders.get(&id) else {
                continue;
            };
            if o.core().armed_event == self.event_no {
                continue;
            }
            let observed = self.trigger_price(symbol, o, Some(book));
            let Ok(obs) = Price::from_f64(observed) else {
                continue;
            };
            if o.triggered_by(obs) {
                fired.push((matches!(o, AnyOrder::StopMarket(_)), id, obs));
            }
        }
        fired.sort_by_key(|&(stop, id, _)| (!stop, id));
        let one = OneBook(book, symbol);
        for (_, id, obs) in fired {
            self.trigger(id, obs, at, &one);
        }
    }

    /// Resting limit orders against a trade print and (without a book) the quote.
    fn fill_resting_on_tick(&mut self, t: &Tick, book: Option<&OrderBook>) {
        let symbol = t.symbol;
        if self.symbols[symbol as usize].resting.is_empty() {
            return;
        }
        let at = t.ts_event;
        if t.price.is_finite() && t.volume > 0.0 {
            let aggressor = if t.buy_volume > 0.0 && !(t.sell_volume > 0.0) {
                Some(OrderSide::Buy)
            } else if t.sell_volume > 0.0 && !(t.buy_volume > 0.0) {
                Some(OrderSide::Sell)
            } else {
                None
            };
            self.on_trade(symbol, t.price, t.volume, aggressor, at);
        }
        if book.is_none() && t.bid.is_finite() && t.ask.is_finite() {
            self.on_quote(symbol, t, at);
        }
    }

    /// A trade of `qty` at `price`; `aggressor` is the taker's side when known (a buyer takes
    /// asks, so only resting sells can fill).
    pub fn on_trade(
        &mut self,
        symbol: SymbolId,
        price: f64,
        qty: f64,
        aggressor: Option<OrderSide>,
        at: UnixNanos,
    ) {
        let ids = Ids::of(&self.symbols[symbol as usize].resting);
        // At the print's price, our orders are served in arrival order: what our earlier orders
        // took is not the displayed queue, and a later order waits while an earlier one still
        // has a rest (FIFO).
        let mut used_at_price = 0.0;
        let mut blocked = [false; 2];
        for &id in ids.as_slice() {
            let Some(AnyOrder::Limit(l)) = self.orders.get_mut(&id) else {
                continue;
            };
            let side = l.core.side;
            if aggressor == Some(side) {
                continue;
            }
            let p = l.price.to_f64();
            let through = match side {
                OrderSide::Buy => price < p,
                OrderSide::Sell => price > p,
            };
            let leaves = l.core.leaves();
            let fill = if through {
                leaves
            } else if price == p {
                let left = (qty - used_at_price).max(0.0);
                let mut q = super::queue::QueuePos {
                    ahead: l.queue_ahead.unwrap_or(f64::MAX),
                    traded: l.traded_since_update,
                };
                let reached = self.queue.trade(&mut q, left);
                l.queue_ahead = Some(q.ahead);
                l.traded_since_update = q.traded;
                let b = &mut blocked[usize::from(side == OrderSide::Sell)];
                let f = if *b {
                    0.0
                } else {
                    reached.min(left).min(leaves.to_f64())
                };
                let f = floor_units(f).min(leaves);
                used_at_price += f.to_f64();
                *b |= f < leaves;
                f
            } else {
                Qty::ZERO
            };
            if fill.units() > 0 {
                let px = l.price;
                self.execute(id, fill, px, LiquiditySide::Maker, at);
            }
        }
    }

    /// A quote (no book): the opposite side reaching a resting order fills it; a change of the
    /// size at its price moves its queue.
    fn on_quote(&mut self, symbol: SymbolId, t: &Tick, at: UnixNanos) {
        let ids = Ids::of(&self.symbols[symbol as usize].resting);
        for &id in ids.as_slice() {
            let Some(AnyOrder::Limit(l)) = self.orders.get_mut(&id) else {
                continue;
            };
            let p = l.price.to_f64();
            let (own, own_qty, opposite) = match l.core.side {
                OrderSide::Buy => (t.bid, t.bid_qty, t.ask),
                OrderSide::Sell => (t.ask, t.ask_qty, t.bid),
            };
            let crossed = match l.core.side {
                OrderSide::Buy => opposite <= p,
                OrderSide::Sell => opposite >= p,
            };
            if crossed {
                let (px, leaves) = (l.price, l.core.leaves());
                self.execute(id, leaves, px, LiquiditySide::Maker, at);
                continue;
            }
            let behind = match l.core.side {
                OrderSide::Buy => own > p,
                OrderSide::Sell => own < p,
            };
            if behind {
                continue;
            }
            // At the touch (its size), or the touch moved past it (its level is gone: 0).
            let new = if own == p && own_qty.is_finite() {
                own_qty
            } else {
                0.0
            };
            queue_depth(&self.queue, l, new);
        }
    }

    /// A depth message at exchange time `ts_event` begins: its level changes
    /// ([`on_depth_level`](Self::on_depth_level)), the requests that arrived by then
    /// ([`deliver`](Self::deliver)) and [`after_depth`](Self::after_depth) follow.
    pub fn begin_depth(&mut self, ts_event: UnixNanos) {
        self.event_no += 1;
        self.clock = self.clock.max(ts_event);
    }

    /// A book update changed the level at `price` on the bid side (`is_bid`) or the ask side from
    /// `prev` to `new`: the queues of our orders resting there move.
    pub fn on_depth_level(
        &mut self,
        symbol: SymbolId,
        is_bid: bool,
        price: Price,
        _prev: Qty,
        new: Qty,
    ) {
        let Some(w) = self.symbols.get(symbol as usize) else {
            return;
        };
        if w.resting.is_empty() {
            return;
        }
        let side = if is_bid {
            OrderSide::Buy
        } else {
            OrderSide::Sell
        };
        let ids = Ids::of(&w.resting);
        for &id in ids.as_slice() {
            if let Some(AnyOrder::Limit(l)) = self.orders.get_mut(&id) {
                if l.core.side == side && l.price == price {
                    queue_depth(&self.queue, l, new.to_f64());
                }
            }
        }
    }

    /// After a book update of `symbol`: liquidity the venue updated is available again, and a
    /// resting order the opposite side now reaches is filled at its price.
    pub fn after_depth(&mut self, symbol: SymbolId, book: &OrderBook, at: UnixNanos) {
        self.clock = self.clock.max(at);
        self.fire_triggers_on_book(symbol, book, at);
        let Some(w) = self.symbols.get_mut(symbol as usize) else {
            return;
        };
        w.consumed.refresh(Some(book));
        if w.resting.is_empty() {
            return;
        }
        let (best_bid, best_ask) = (
            book.best_bid().map(|l| l.price),
            book.best_ask().map(|l| l.price),
        );
        let ids = Ids::of(&w.resting);
        let mut changed = false;
        for &id in ids.as_slice() {
            let Some(AnyOrder::Limit(l)) = self.orders.get(&id) else {
                continue;
            };
            let crossed = match l.core.side {
                OrderSide::Buy => best_ask.is_some_and(|a| a <= l.price),
                OrderSide::Sell => best_bid.is_some_and(|b| b >= l.price),
            };
            if crossed {
                let (px, leaves) = (l.price, l.core.leaves());
                self.execute(id, leaves, px, LiquiditySide::Maker, at);
                changed = true;
            }
        }
        if changed {
            self.update_band(symbol);
        }
    }

    /// The levels where our orders rest in `symbol`: (bid side, price) for each, into `out`
    /// (cleared first).
    pub fn resting_levels(&self, symbol: SymbolId, out: &mut Vec<(bool, Price)>) {
        out.clear();
        let Some(w) = self.symbols.get(symbol as usize) else {
            return;
        };
        for id in &w.resting {
            if let Some(AnyOrder::Limit(l)) = self.orders.get(id) {
                out.push((l.core.side == OrderSide::Buy, l.price));
            }
        }
    }

    /// Whether `symbol` has resting orders or consumed liquidity a book update can touch.
    #[inline]
    pub fn watches_depth(&self, symbol: SymbolId) -> bool {
        self.symbols
            .get(symbol as usize)
            .is_some_and(|w| !w.resting.is_empty() || !w.consumed.is_empty())
    }
}

/// A copy of a symbol's resting order ids to walk while executions change the list: on the
/// stack for the usual handful, on the heap beyond.
struct Ids {
    inline: [OrderId; 8],
    len: usize,
    heap: Vec<OrderId>,
}

impl Ids {
    fn of(ids: &[OrderId]) -> Self {
        let mut out = Ids {
            inline: [OrderId(0); 8],
            len: ids.len(),
            heap: Vec::new(),
        };
        if ids.len() <= 8 {
            out.inline[..ids.len()].copy_from_slice(ids);
        } else {
            out.heap = ids.to_vec();
        }
        out
    }

    fn as_slice(&self) -> &[OrderId] {
        if self.len <= 8 {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }
}

/// One symbol's book as a [`BookSource`].
struct OneBook<'a>(&'a OrderBook, SymbolId);

impl BookSource for OneBook<'_> {
    fn valid_book(&self, symbol: SymbolId) -> Option<&OrderBook> {
        (symbol == self.1).then_some(self.0)
    }
}

/// The level of a resting order now shows `new`: the queue model moves its place (an order
/// whose level was not shown joins behind what it shows now).
fn queue_depth(model: &super::queue::AnyQueueModel, l: &mut crate::orders::LimitOrder, new: f64) {
    match l.queue_ahead {
        Some(ahead) if ahead < f64::MAX => {
            let mut q = super::queue::QueuePos {
                ahead,
                traded: l.traded_since_update,
            };
            model.depth(&mut q, l.level_qty.to_f64(), new);
            l.queue_ahead = Some(q.ahead);
            l.traded_since_update = q.traded;
        }
        _ => {
            l.queue_ahead = Some(model.join(new).ahead);
            l.traded_since_update = 0.0;
        }
    }
    l.level_qty = Qty::from_f64(new).unwrap_or(Qty::ZERO);
}

/// A float quantity floored to 10⁻⁸ units.
fn floor_units(x: f64) -> Qty {
    if x >= 9.2e10 || x.is_infinite() {
        return Qty(i64::MAX);
    }
    Qty((x * 1e8 + 1e-6).floor().max(0.0) as i64)
}
