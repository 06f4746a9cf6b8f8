//! Orders from the engine to its venue: the targets of signals and manual entries (the exit of
//! the position held, then a market entry with its bracket), strategies' own orders, and
//! DRB-Guard's check of every order that may add exposure (resting orders count).

use std::borrow::Cow;

use super::core::{Engine, EngineError, TargetOrders};
use crate::orders::{ClientOrderId, NewOrder, OrderId, OrderRejectReason, OrderType};
use crate::portfolio::ExitReason;
use crate::risk::{EntryRequest, RiskReject};
use crate::sim::BracketSpec;
use crate::types::{utc_day, Money, OrderSide, Price, Qty, Side, SymbolId, UnixNanos};

/// An entry a target asks for.
#[derive(Debug, Clone)]
pub(super) struct EntrySpec {
    pub side: Side,
    pub qty: Qty,
    pub leverage: f64,
    pub confidence: f64,
    pub strategy: Cow<'static, str>,
    pub signal_id: Option<u64>,
    /// On the shadow venue (Kelly sized the strategy to zero).
    pub shadow: bool,
}

impl Engine {
    /// Whether an order the symbol's signals or manual entries sent is not finished yet.
    pub(super) fn target_pending(&self, symbol: SymbolId) -> bool {
        let Some(st) = self.symbols.get(symbol as usize) else {
            return false;
        };
        let open = |x: Option<(OrderId, bool)>| {
            x.is_some_and(|(id, shadow)| {
                if shadow {
                    self.shadow_venue.order(id).is_some()
                } else {
                    self.venue.order(id).is_some()
                }
            })
        };
        open(st.target.exit) || open(st.target.entry)
    }

    /// Sends a target's orders at local time `ts_local`: first the exit of the position the
    /// symbol holds (a reduce-only market order on the venue holding it), then the entry (a
    /// market order with its bracket of exits).
    pub(super) fn send_target(
        &mut self,
        symbol: SymbolId,
        exit: Option<(ExitReason, Option<u64>)>,
        entry: Option<EntrySpec>,
        ts_local: UnixNanos,
    ) {
        let mut target = TargetOrders::default();
        if let Some((reason, signal_id)) = exit {
            target.exit = self.send_exit(symbol, reason, signal_id, ts_local);
        }
        if let Some(e) = entry {
            let bracket = (self.open_params.take_profit.is_some()
                || self.open_params.stop_loss.is_some())
            .then_some(BracketSpec {
                take_profit: self.open_params.take_profit,
                stop_loss: self.open_params.stop_loss,
            });
            let o = NewOrder {
                client_id: None,
                symbol,
                side: OrderSide::opening(e.side),
                qty: e.qty.to_f64(),
                kind: OrderType::Market,
                reduce_only: false,
                strategy: e.strategy,
                confidence: e.confidence,
                signal_id: e.signal_id,
                exit_reason: ExitReason::Reverse,
                leverage: Some(e.leverage),
                bracket,
            };
            let seq = self.seq();
            let sent = if e.shadow {
                self.sync_shadow_market(symbol);
                self.shadow_venue.submit(o, ts_local, seq)
            } else {
                self.venue.submit(o, ts_local, seq)
            };
            target.entry = sent.ok().map(|id| (id, e.shadow));
        }
        if let Ok(st) = self.state(symbol) {
            st.target = target;
        }
    }

    /// A reduce-only market order closing the symbol's whole position (real, else shadow);
    /// returns its id and venue.
    fn send_exit(
        &mut self,
        symbol: SymbolId,
        reason: ExitReason,
        signal_id: Option<u64>,
        ts_local: UnixNanos,
    ) -> Option<(OrderId, bool)> {
        let (pos, shadow) = match self.account.position(symbol) {
            Some(p) => (p, false),
            None => (self.shadow.position(symbol)?, true),
        };
        let o = NewOrder {
            client_id: None,
            symbol,
            side: OrderSide::opening(pos.side.opposite()),
            qty: pos.qty.to_f64(),
            kind: OrderType::Market,
            reduce_only: true,
            strategy: pos.strategy.clone(),
            confidence: pos.confidence,
            signal_id,
            exit_reason: reason,
            leverage: None,
            bracket: None,
        };
        let seq = self.seq();
        let id = if shadow {
            self.shadow_venue.submit(o, ts_local, seq)
        } else {
            self.venue.submit(o, ts_local, seq)
        };
        id.ok().map(|id| (id, shadow))
    }

    /// Closes the symbol's real position with a reduce-only market order (a manual close, the
    /// kill switch).
    pub(super) fn close_position_order(
        &mut self,
        symbol: SymbolId,
        ts_local: UnixNanos,
        reason: ExitReason,
    ) {
        if self.account.position(symbol).is_none() {
            return;
        }
        let exit = self.send_exit(symbol, reason, None, ts_local);
        if let Ok(st) = self.state(symbol) {
            st.target.exit = exit;
        }
    }

    /// The shadow venue learns the market the real venue saw (it skips market events while it
    /// has nothing to do).
    fn sync_shadow_market(&mut self, symbol: SymbolId) {
        if let Some(m) = self.venue.market(symbol).copied() {
            if !self.shadow_venue.is_active()
                || self
                    .shadow_venue
                    .market(symbol)
                    .is_none_or(|s| !s.last.is_finite())
            {
                self.shadow_venue.set_market(symbol, m);
            }
        }
    }

    /// DRB-Guard's check of an order of `side` and `qty` on `symbol` priced at `price` (its limit
    /// or trigger, or the last price for a market order): the exposure on its side if it and the
    /// working orders adding to it fill, the leverage, the open-positions cap and the day's
    /// round trips.
    pub(super) fn guard_order(
        &self,
        symbol: SymbolId,
        side: OrderSide,
        qty: Qty,
        price: f64,
        leverage: f64,
        ts_event: UnixNanos,
    ) -> Result<(), RiskReject> {
        let equity = self.account.equity();
        let px = Price::from_f64(price).map_err(|_| RiskReject::ZeroSize)?;
        let own = if qty.is_zero() {
            Money::ZERO
        } else {
            qty.notional(px)
        };
        if own.units() <= 0 {
            self.guard.check_basics(&self.risk, equity, own)?;
        }
        let pos = self.account.position(symbol);
        let same = pos
            .filter(|p| OrderSide::opening(p.side) == side)
            .map_or(Money::ZERO, |p| p.qty.notional(px));
        let (_, resting) = self.venue.open_exposure(symbol, side, price);
        let notional = own + same + Money::from_f64(resting).unwrap_or(Money::ZERO);
        // Symbols with exposure other than this one, and flat ones with an opening order working.
        let mut exposed: Vec<SymbolId> = self.account.positions().map(|p| p.symbol).collect();
        for s in self.venue.symbols_with_entries() {
            if self.account.position(s).is_none() {
                exposed.push(s);
            }
        }
        exposed.sort_unstable();
        exposed.dedup();
        let others = exposed.iter().filter(|&&s| s != symbol).count() as u32;
        // Any order that may add exposure can start a round trip — from flat, through the
        // position, or after another order closed it — and so can each one already working: the
        // day's cap holds whatever fills first.
        let req = EntryRequest {
            notional,
            leverage,
            equity,
            open_positions: others,
            opens: true,
            opening_orders: self.venue.entries_working(),
            day: utc_day(ts_event),
        };
        self.guard.check_entry(&self.risk, &req)
    }

    /// Places a strategy's (or a user's) order at local time `ts_local`: DRB-Guard checks an
    /// order that may add exposure, then it goes to the venue. A refusal is also an
    /// `OrderRejected` event for the strategy.
    pub fn place_order(
        &mut self,
        mut o: NewOrder,
        ts_local: UnixNanos,
        ts_event: UnixNanos,
    ) -> Result<OrderId, EngineError> {
        let seq = self.seq();
        if o.leverage.is_none() {
            o.leverage = Some(self.open_params.leverage);
        }
        if !o.reduce_only {
            let last = self
                .symbols
                .get(o.symbol as usize)
                .map_or(f64::NAN, |s| s.last_price);
            let price = match o.kind {
                OrderType::Market => last,
                OrderType::Limit { price, .. } => price,
                OrderType::StopMarket { trigger, .. } | OrderType::TakeProfit { trigger, .. } => {
                    trigger
                }
            };
            let step = self.config.execution.qty_step;
            let qty = crate::sim::floor_qty(o.qty, step).unwrap_or(Qty::ZERO);
            if price.is_finite() && qty.units() > 0 {
                let lev = o.leverage.unwrap_or(self.open_params.leverage);
                if let Err(reason) = self.guard_order(o.symbol, o.side, qty, price, lev, ts_event) {
                    self.stats.orders_rejected[reason as usize] += 1;
                    self.venue
                        .refuse_new(&o, OrderRejectReason::Risk(reason), ts_local, seq);
                    return Err(EngineError::Risk(reason));
                }
            }
        }
        self.venue
            .submit(o, ts_local, seq)
            .map_err(|r| EngineError::Rejected(r.reason))
    }

    /// Asks the venue to cancel the working order `client_id`; the answer (canceled, or
    /// rejected `unknown_order` when the venue no longer has it) comes as an order event.
    /// Returns the order the id names now, if any.
    pub fn cancel_order(
        &mut self,
        client_id: &ClientOrderId,
        ts_local: UnixNanos,
    ) -> Option<OrderId> {
        self.venue.cancel(client_id, ts_local)
    }

    /// Asks the venue to change the working limit order `client_id`. A larger quantity is checked
    /// by DRB-Guard as an order for the difference.
    pub fn modify_order(
        &mut self,
        client_id: &ClientOrderId,
        price: Option<f64>,
        qty: Option<f64>,
        ts_local: UnixNanos,
        ts_event: UnixNanos,
    ) -> Result<Option<OrderId>, EngineError> {
        let found = self
            .venue
            .open_orders()
            .into_iter()
            .find(|o| &o.core().client_id == client_id)
            .map(|o| {
                let c = o.core();
                (
                    c.symbol,
                    c.side,
                    c.qty,
                    c.reduce_only,
                    c.leverage,
                    o.limit_price(),
                )
            });
        if let (Some((symbol, side, old_qty, false, lev, old_price)), Some(new_qty)) = (found, qty)
        {
            let step = self.config.execution.qty_step;
            let new_qty = crate::sim::floor_qty(new_qty, step).unwrap_or(Qty::ZERO);
            if new_qty > old_qty {
                let px = price.or(old_price.map(Price::to_f64)).unwrap_or(f64::NAN);
                if let Err(reason) =
                    self.guard_order(symbol, side, new_qty - old_qty, px, lev, ts_event)
                {
                    self.stats.orders_rejected[reason as usize] += 1;
                    self.venue
                        .refuse_modify(client_id, OrderRejectReason::Risk(reason), ts_local);
                    return Err(EngineError::Risk(reason));
                }
            }
        }
        self.venue
            .modify(client_id, price, qty, ts_local)
            .map_err(EngineError::Rejected)
    }
}
