//! Order strategies inside the engine: each market change reaches them after the engine's own
//! pipeline (as of the local clock), their requests go through DRB-Guard to the venue, and their
//! orders' events reach them after the response latency.

use super::core::{Engine, EngineError};
use crate::orders::{ClientOrderId, OrderEvent, OrderRejectReason, OrderRequest};
use crate::sim::MarketMemory;
use crate::strategy::{OrderContext, OrderStrategy, StrategyError};
use crate::tick::Tick;
use crate::types::{OrderSide, SymbolId, UnixNanos};

/// The order strategies and what the engine knows on their behalf.
#[derive(Default)]
pub(super) struct OrderDesk {
    pub strategies: Vec<Box<dyn OrderStrategy>>,
    /// Which strategy owns each order not finished yet, by client id.
    pub owner: crate::sim::ClientMap<usize>,
    /// Each symbol's position as the strategies know it: the fills whose events reached them.
    pub known_position: Vec<f64>,
    /// Requests that name an order by client id and wait for the venue's answer (a cancel, a
    /// modify, a new order reusing a working order's id): who asked, and how many answers are
    /// still to come. An answer goes to the strategy that asked, even once the order it named
    /// has ended, and ends no order's ownership.
    pub asked: crate::sim::ClientMap<(usize, u32)>,
}

impl std::fmt::Debug for OrderDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderDesk")
            .field("strategies", &self.strategies.len())
            .field("owner", &self.owner.len())
            .finish()
    }
}

impl OrderDesk {
    fn known(&self, symbol: SymbolId) -> f64 {
        self.known_position
            .get(symbol as usize)
            .copied()
            .unwrap_or(0.0)
    }

    fn asked(&mut self, client_id: ClientOrderId, strategy: usize) {
        let e = self.asked.entry(client_id).or_insert((strategy, 0));
        *e = (strategy, e.1 + 1);
    }

    /// The strategy an answer to a request goes to, if one asked.
    fn answered(&mut self, client_id: &ClientOrderId) -> Option<usize> {
        let (strategy, left) = self.asked.get_mut(client_id)?;
        let strategy = *strategy;
        *left -= 1;
        if *left == 0 {
            self.asked.remove(client_id);
        }
        Some(strategy)
    }
}

/// The venue's answer to a cancel, a modify, or a new order refused for its client id.
fn answers_request(e: &OrderEvent) -> bool {
    match e {
        OrderEvent::Modified(_) => true,
        OrderEvent::Canceled(c) => c.why == "requested",
        _ => refuses_request(e),
    }
}

/// A refusal of a request rather than the end of an order: a cancel or modify refused, or a new
/// order refused for reusing a working order's client id.
fn refuses_request(e: &OrderEvent) -> bool {
    matches!(e, OrderEvent::Rejected(r)
        if r.request != "new" || r.reason == OrderRejectReason::DuplicateClientId)
}

impl Engine {
    /// Adds a strategy that trades with orders.
    pub fn add_order_strategy(&mut self, s: Box<dyn OrderStrategy>) {
        self.desk.strategies.push(s);
        // Someone listens now: the venue answers, and the known positions start from the
        // account's.
        self.venue.set_silent(false);
        for p in self.account.positions() {
            let idx = p.symbol as usize;
            if self.desk.known_position.len() <= idx {
                self.desk.known_position.resize(idx + 1, 0.0);
            }
            self.desk.known_position[idx] = p.signed_qty().to_f64();
        }
    }

    /// Whether any order strategy runs.
    #[inline]
    pub fn has_order_strategies(&self) -> bool {
        !self.desk.strategies.is_empty()
    }

    fn context<'a>(
        &'a self,
        symbol: SymbolId,
        now: UnixNanos,
        ts_event: UnixNanos,
    ) -> OrderContext<'a> {
        let book = match self.books.get(symbol as usize) {
            Some(Some(slot)) if slot.is_valid() => Some(slot.book()),
            _ => None,
        };
        let market = self
            .venue
            .market(symbol)
            .copied()
            .unwrap_or_else(MarketMemory::default);
        OrderContext::new(now, ts_event, symbol, self.desk.known(symbol), book, market)
    }

    /// The market of `symbol` changed (tick `t`, or a book update when None): every order
    /// strategy hears of it at local time `now`.
    pub(super) fn notify_market(
        &mut self,
        symbol: SymbolId,
        now: UnixNanos,
        ts_event: UnixNanos,
        t: Option<&Tick>,
    ) -> Result<(), EngineError> {
        let mut strategies = std::mem::take(&mut self.desk.strategies);
        let mut result = Ok(());
        for (i, s) in strategies.iter_mut().enumerate() {
            let mut ctx = self.context(symbol, now, ts_event);
            ctx.tick = t;
            let r = s.on_market(&mut ctx);
            let requests = ctx.take_requests();
            if let Err(e) = r {
                result = Err(e);
                break;
            }
            self.send_requests(i, s.name(), requests, now, ts_event);
        }
        self.desk.strategies = strategies;
        result.map_err(EngineError::from)
    }

    /// Routes order events that reached the strategies: fills move the known positions; each
    /// strategy gets its own orders' events.
    pub(super) fn dispatch_order_events(
        &mut self,
        events: Vec<OrderEvent>,
    ) -> Result<(), StrategyError> {
        for e in events {
            let h = e.header();
            if let Some(f) = e.fill() {
                let idx = h.symbol as usize;
                if self.desk.known_position.len() <= idx {
                    self.desk.known_position.resize(idx + 1, 0.0);
                }
                let q = f.qty.to_f64();
                self.desk.known_position[idx] += if f.side == OrderSide::Buy { q } else { -q };
            }
            let refusal = refuses_request(&e);
            let owner = match answers_request(&e) {
                true => self.desk.answered(&h.client_id),
                false => None,
            }
            .or_else(|| self.desk.owner.get(&h.client_id).copied());
            let finished = matches!(
                e,
                OrderEvent::Filled(_) | OrderEvent::Canceled(_) | OrderEvent::Expired(_)
            ) || (matches!(&e, OrderEvent::Rejected(r) if r.request == "new")
                && !refusal);
            if finished {
                self.desk.owner.remove(&h.client_id);
            }
            let Some(i) = owner else { continue };
            let (symbol, now, ts_event) = (h.symbol, h.ts_local, h.ts_event);
            let mut strategies = std::mem::take(&mut self.desk.strategies);
            let mut ctx = self.context(symbol, now, ts_event);
            let r = strategies[i].on_order_event(&mut ctx, &e);
            let requests = ctx.take_requests();
            let name = strategies[i].name().to_string();
            if r.is_ok() {
                self.send_requests(i, &name, requests, now, ts_event);
            }
            self.desk.strategies = strategies;
            r?;
        }
        Ok(())
    }

    /// Sends strategy `i`'s requests at local time `now`.
    fn send_requests(
        &mut self,
        i: usize,
        name: &str,
        requests: Vec<OrderRequest>,
        now: UnixNanos,
        ts_event: UnixNanos,
    ) {
        for r in requests {
            match r {
                OrderRequest::New(mut o) => {
                    if o.strategy != name {
                        o.strategy = name.to_string().into();
                    }
                    let given = o.client_id.clone();
                    let client_id = match self.place_order(o, now, ts_event) {
                        Ok(id) => given.unwrap_or_else(|| ClientOrderId::generated(id)),
                        // The working order keeps its owner; the refusal goes to this strategy.
                        Err(EngineError::Rejected(OrderRejectReason::DuplicateClientId)) => {
                            if let Some(c) = given {
                                self.desk.asked(c, i);
                            }
                            continue;
                        }
                        // The refusal is an event the strategy receives too.
                        Err(_) => match given {
                            Some(c) => c,
                            None => ClientOrderId::generated(self.venue.last_order_id()),
                        },
                    };
                    self.desk.owner.insert(client_id, i);
                }
                OrderRequest::Cancel(c) => {
                    self.cancel_order(&c, now);
                    self.desk.asked(c, i);
                }
                OrderRequest::Modify {
                    client_id,
                    price,
                    qty,
                } => {
                    // Refused at once or not, the answer comes as an event.
                    let _ = self.modify_order(&client_id, price, qty, now, ts_event);
                    self.desk.asked(client_id, i);
                }
            }
        }
    }

    /// Before a market event received at `ts_recv` moves anything: the order events the
    /// strategies received earlier reach them now, so their callbacks see the market as of
    /// their own local time, not the event's.
    #[inline(always)]
    pub(super) fn hear_before(&mut self, ts_recv: UnixNanos) -> Result<(), EngineError> {
        if self.has_order_strategies() && self.venue.next_event_at().is_some_and(|at| at < ts_recv)
        {
            return self.deliver_order_events(ts_recv - 1);
        }
        Ok(())
    }

    /// Delivers the order events the strategies have received by local time `now`.
    pub(super) fn deliver_order_events(&mut self, now: UnixNanos) -> Result<(), EngineError> {
        let mut events = Vec::new();
        self.venue.drain_due(now, |e| events.push(e));
        // Shadow orders answer nobody: the engine reads the shadow venue's state.
        self.shadow_venue.drain_due(now, |_| {});
        self.dispatch_order_events(events)
            .map_err(EngineError::from)
    }
}
