//! The venue: accepts, rests, triggers, fills, cancels and expires orders, and answers the
//! strategy after the response latency.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use super::fees::{FeeModel, FeeSchedule};
use super::latency::{AnyLatency, LatencyConfig, LatencyModel};
use super::market::{ConsumedLevels, MarketMemory};
use super::queue::{AnyQueueModel, QueueConfig};
use super::report::{BracketSpec, ExecReport};
use crate::book::OrderBook;
use crate::orders::events::EventHeader;
use crate::orders::{
    AnyOrder, ClientOrderId, FillDetail, LimitOrder, LiquiditySide, MarketOrder, NewOrder,
    OrderAccepted, OrderCanceled, OrderCore, OrderEvent, OrderExpired, OrderFilled, OrderId,
    OrderModified, OrderPartiallyFilled, OrderRejectReason, OrderRejected, OrderStatus, OrderType,
    StopMarketOrder, TakeProfitOrder, TimeInForce, Transition, TriggerSource,
};
use crate::portfolio::{basis_removed, liquidation_price, ExitReason};
use crate::types::{Money, OrderSide, Price, Qty, Side, SymbolId, UnixNanos};

/// The books of the symbols depth data drives, as the venue matches against them.
pub trait BookSource {
    /// The symbol's book, when depth data drives it and it is valid.
    fn valid_book(&self, symbol: SymbolId) -> Option<&OrderBook>;
}

/// No depth data: every symbol trades on its quotes, trades or bars.
pub struct NoBooks;

impl BookSource for NoBooks {
    fn valid_book(&self, _symbol: SymbolId) -> Option<&OrderBook> {
        None
    }
}

/// Settings of the simulated venue.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Queue model of resting limit orders.
    pub queue: QueueConfig,
    /// Entry and response latency of orders.
    pub order_latency: LatencyConfig,
    /// Maker and taker rates.
    pub fees: FeeSchedule,
    /// Where only a last price is known (no quote, no book): a market order fills there with
    /// this slippage against it, bps.
    pub slippage_bps: f64,
    /// Where only a quote is known: what the touch's displayed size cannot fill, fills this far
    /// beyond the touch, bps.
    pub impact_bps: f64,
    /// Fee of a liquidation, bps.
    pub liquidation_fee_bps: f64,
    /// Maintenance margin rate, a fraction: with the leverage, it sets the liquidation price.
    pub maintenance_margin: f64,
    /// Quantity step; order sizes are floored to it.
    pub qty_step: f64,
    /// A shadow venue: executions carry no capital.
    pub shadow: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            queue: QueueConfig::default(),
            order_latency: LatencyConfig::Constant {
                entry_ns: 0,
                response_ns: 0,
            },
            fees: FeeSchedule {
                maker_bps: 5.0,
                taker_bps: 5.0,
            },
            slippage_bps: 1.0,
            impact_bps: 5.0,
            liquidation_fee_bps: 50.0,
            maintenance_margin: 0.004,
            qty_step: 1e-8,
            shadow: false,
        }
    }
}

/// A new order the venue (or the client, before sending) refused at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The id it was given.
    pub id: OrderId,
    /// Its client id.
    pub client_id: ClientOrderId,
    /// Why.
    pub reason: OrderRejectReason,
}

/// Orders by status: the final states of finished orders, and the working ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderCounts {
    /// Counts indexed like [`OrderStatus::ALL`].
    pub by_status: [u64; 8],
}

impl OrderCounts {
    /// `(status name, count)` for every status.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        OrderStatus::ALL
            .iter()
            .zip(self.by_status)
            .map(|(s, n)| (s.as_str(), n))
    }
}

fn status_index(s: OrderStatus) -> usize {
    OrderStatus::ALL.iter().position(|&x| x == s).unwrap_or(0)
}

/// A hasher for order ids (dense integers): the id itself, mixed once.
#[derive(Default)]
pub(super) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdMap<V> = HashMap<OrderId, V, BuildHasherDefault<IdHasher>>;

/// A small, fast hasher for short keys (client order ids): FxHash's multiply-rotate. The keys
/// are ours or the strategy's, not an attacker's, so SipHash's protection buys nothing.
#[derive(Default)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A map keyed by client order id.
pub(crate) type ClientMap<V> = HashMap<ClientOrderId, V, BuildHasherDefault<FxHasher>>;

/// A request on its way to the venue.
#[derive(Debug, Clone)]
struct InFlight {
    arrival: UnixNanos,
    req: Request,
}

#[derive(Debug, Clone)]
enum Request {
    New(OrderId),
    Cancel(Named),
    Modify {
        order: Named,
        price: Option<Price>,
        qty: Option<Qty>,
    },
}

/// The order a cancel or modify names, as the client sent it: the venue resolves it when the
/// request arrives, and answers under the client's id whatever became of the order meanwhile.
#[derive(Debug, Clone)]
struct Named {
    /// The working order that had the client id when the request was sent (None: no order
    /// had it).
    id: Option<OrderId>,
    client_id: ClientOrderId,
    symbol: SymbolId,
}

/// A symbol's orders at the venue and what it remembers of its market.
#[derive(Debug, Clone, Default)]
pub(super) struct Working {
    /// Net position the venue holds, 10⁻⁸ units (positive long).
    pub position: i64,
    /// Resting limit orders, both sides, in arrival order (FIFO among equal prices).
    pub resting: Vec<OrderId>,
    /// Working stop-market and take-profit orders.
    pub triggers: Vec<OrderId>,
    /// Bracket exits waiting for their entry to fill.
    pub dormant: Vec<OrderId>,
    /// The position's side and isolated-margin liquidation price, kept by the venue itself as
    /// its fills move the position, so a position opened on an event can be liquidated later on
    /// that same event (a bar's range after its open).
    pub liquidation: Option<(Side, f64)>,
    /// The position's cost basis (the account's rule: what reductions leave, in proportion).
    pub cost: Money,
    /// The leverage the position was opened with.
    pub leverage: f64,
    /// Nothing can happen to the symbol's orders or position while the market stays strictly
    /// inside this band ([`Exchange::band`]).
    pub band: (f64, f64),
    /// The latest market.
    pub market: MarketMemory,
    /// Liquidity our taker orders took.
    pub consumed: ConsumedLevels,
}

/// The simulated venue of one account (or of its shadow trades).
#[derive(Debug)]
pub struct Exchange {
    pub(super) cfg: SimConfig,
    pub(super) queue: AnyQueueModel,
    latency: AnyLatency,
    pub(super) orders: IdMap<AnyOrder>,
    client_ids: ClientMap<OrderId>,
    /// A bracket entry's exits: (stop-loss, take-profit).
    brackets: IdMap<(Option<OrderId>, Option<OrderId>)>,
    pub(super) symbols: Vec<Working>,
    inflight: VecDeque<InFlight>,
    outbox: VecDeque<OrderEvent>,
    pub(super) reports: Vec<ExecReport>,
    next_id: u64,
    counts: OrderCounts,
    /// Symbols with a position at the venue.
    positions_open: u32,
    /// The venue's clock: the latest market event time it has seen.
    pub(super) clock: UnixNanos,
    /// Every finished order, when kept (the journal).
    history: Option<Vec<OrderRecord>>,
    /// Nobody listens to the order events: none are made.
    silent: bool,
    /// Market events seen (ticks and depth messages), to tell what happened on the same one.
    pub(super) event_no: u64,
}

/// An order as the journal keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRecord {
    /// The order, as it ended (or is now, for one still open).
    pub order: AnyOrder,
    /// Why it was refused, for a rejected order.
    pub reject_reason: Option<OrderRejectReason>,
}

impl Exchange {
    /// A venue with `cfg`.
    pub fn new(cfg: SimConfig) -> Result<Self, String> {
        let latency = cfg.order_latency.build()?;
        if !(cfg.qty_step > 0.0) {
            return Err("qty_step must be positive".into());
        }
        Ok(Exchange {
            queue: AnyQueueModel::from_config(&cfg.queue),
            latency,
            orders: IdMap::default(),
            client_ids: ClientMap::default(),
            brackets: IdMap::default(),
            symbols: Vec::new(),
            inflight: VecDeque::new(),
            outbox: VecDeque::new(),
            reports: Vec::new(),
            next_id: 1,
            counts: OrderCounts::default(),
            positions_open: 0,
            clock: UnixNanos::MIN,
            history: None,
            silent: false,
            event_no: 0,
            cfg,
        })
    }

    /// Whether order events are made: a venue nobody listens to (the engine's own target orders,
    /// shadow orders) skips them.
    pub fn set_silent(&mut self, silent: bool) {
        self.silent = silent;
        if silent {
            self.outbox.clear();
        }
    }

    /// Keeps every finished order for [`order_history`](Self::order_history).
    pub fn keep_history(&mut self) {
        self.history.get_or_insert_with(Vec::new);
    }

    /// Every finished order (when kept), then every order still open, by id.
    pub fn order_history(&self) -> Vec<OrderRecord> {
        let mut v: Vec<OrderRecord> = self.history.clone().unwrap_or_default();
        v.extend(self.open_orders().into_iter().map(|o| OrderRecord {
            order: o.clone(),
            reject_reason: None,
        }));
        v.sort_by_key(|r| r.order.core().id);
        v
    }

    fn record(&mut self, order: AnyOrder, reject_reason: Option<OrderRejectReason>) {
        if let Some(h) = &mut self.history {
            h.push(OrderRecord {
                order,
                reject_reason,
            });
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// The symbol's state, made on first use.
    #[inline]
    pub(super) fn sym(&mut self, symbol: SymbolId) -> &mut Working {
        let idx = symbol as usize;
        if self.symbols.len() <= idx {
            self.symbols.resize_with(idx + 1, || Working {
                band: (f64::NEG_INFINITY, f64::INFINITY),
                ..Default::default()
            });
        }
        &mut self.symbols[idx]
    }

    // ---------------------------------------------------------------- the strategy's side

    /// Sends a new order at local time `ts_local`, decided on the market event `decided_seq`.
    /// Returns its id; a request the client can already tell is invalid is refused at once
    /// (an [`OrderRejected`] event at `ts_local`).
    pub fn submit(
        &mut self,
        o: NewOrder,
        ts_local: UnixNanos,
        decided_seq: u64,
    ) -> Result<OrderId, Refused> {
        let id = self.new_id();
        let client_id = o
            .client_id
            .clone()
            .unwrap_or_else(|| ClientOrderId::generated(id));
        let core = self.core(id, client_id.clone(), &o, ts_local, decided_seq);
        let checked = self.check_new(&o, &client_id);
        let qty = match checked {
            Ok(q) => q,
            Err(reason) => {
                self.refuse(core, reason, ts_local);
                return Err(Refused {
                    id,
                    client_id,
                    reason,
                });
            }
        };
        let order = match build(core, qty, o.kind) {
            Ok(order) => order,
            Err(reason) => {
                let core = self.core(id, client_id.clone(), &o, ts_local, decided_seq);
                self.refuse(core, reason, ts_local);
                return Err(Refused {
                    id,
                    client_id,
                    reason,
                });
            }
        };
        self.client_ids.insert(client_id, id);
        self.orders.insert(id, order);
        if let Some(spec) = o.bracket {
            self.bracket_children(id, &o, spec, ts_local, decided_seq);
        }
        let arrival = ts_local.saturating_add(self.latency.entry(ts_local));
        self.send(InFlight {
            arrival,
            req: Request::New(id),
        });
        Ok(id)
    }

    /// Refuses `o` before sending it (DRB-Guard): the order gets an id and ends rejected.
    pub fn refuse_new(
        &mut self,
        o: &NewOrder,
        reason: OrderRejectReason,
        ts_local: UnixNanos,
        decided_seq: u64,
    ) -> OrderId {
        let id = self.new_id();
        let client_id = o
            .client_id
            .clone()
            .unwrap_or_else(|| ClientOrderId::generated(id));
        let core = self.core(id, client_id, o, ts_local, decided_seq);
        self.refuse(core, reason, ts_local);
        id
    }

    /// Asks to cancel the working order `client_id` (sent at `ts_local`). The request always
    /// travels: only the venue can tell whether the order is still there when it arrives (it
    /// answers `unknown_order` after the latencies otherwise), so the client never learns of an
    /// order's end before the event saying so. Returns the order the id names now, if any.
    pub fn cancel(&mut self, client_id: &ClientOrderId, ts_local: UnixNanos) -> Option<OrderId> {
        let order = self.named(client_id);
        let id = order.id;
        let arrival = ts_local.saturating_add(self.latency.entry(ts_local));
        self.send(InFlight {
            arrival,
            req: Request::Cancel(order),
        });
        id
    }

    /// Refuses a modify of `client_id` before sending it (DRB-Guard): answered at once.
    pub fn refuse_modify(
        &mut self,
        client_id: &ClientOrderId,
        reason: OrderRejectReason,
        ts_local: UnixNanos,
    ) {
        let order = self.named(client_id);
        self.reject_request(
            order.id,
            order.client_id,
            order.symbol,
            reason,
            "modify",
            ts_local,
        );
    }

    /// What a cancel or modify sent now names.
    fn named(&self, client_id: &ClientOrderId) -> Named {
        let id = self.client_ids.get(client_id).copied();
        let symbol = id
            .and_then(|id| self.orders.get(&id))
            .map_or(0, |o| o.core().symbol);
        Named {
            id,
            client_id: client_id.clone(),
            symbol,
        }
    }

    /// Takes back an order still on its way to the venue (the live venue refused the order it
    /// mirrors): it ends rejected (`withdrawn`) at local time `ts_local`. False once it arrived.
    pub fn withdraw(&mut self, id: OrderId, ts_local: UnixNanos) -> bool {
        let Some(i) = self
            .inflight
            .iter()
            .position(|r| matches!(r.req, Request::New(x) if x == id))
        else {
            return false;
        };
        self.inflight.remove(i);
        let Some(o) = self.orders.remove(&id) else {
            return true;
        };
        self.client_ids.remove(&o.core().client_id);
        if let Some((sl, tp)) = self.brackets.remove(&id) {
            for child in [sl, tp].into_iter().flatten() {
                if let Some(ch) = self.orders.remove(&child) {
                    self.client_ids.remove(&ch.core().client_id);
                    self.refuse_order(ch, OrderRejectReason::Withdrawn, ts_local);
                }
            }
        }
        self.refuse_order(o, OrderRejectReason::Withdrawn, ts_local);
        true
    }

    /// Asks to change the working limit order `client_id`'s price and/or total quantity. A
    /// request the client can tell is invalid is refused at once; otherwise it travels, and
    /// returns the order the id names now (None: no order has it, and the venue will answer
    /// `unknown_order`).
    pub fn modify(
        &mut self,
        client_id: &ClientOrderId,
        price: Option<f64>,
        qty: Option<f64>,
        ts_local: UnixNanos,
    ) -> Result<Option<OrderId>, OrderRejectReason> {
        let order = self.named(client_id);
        let Some(id) = order.id else {
            // Only the venue can say it is gone: the answer comes after the latencies.
            let arrival = ts_local.saturating_add(self.latency.entry(ts_local));
            self.send(InFlight {
                arrival,
                req: Request::Modify {
                    order,
                    price: None,
                    qty: None,
                },
            });
            return Ok(None);
        };
        let symbol = order.symbol;
        let price = match price.map(Price::from_f64) {
            None => None,
            Some(Ok(p)) if p.units() > 0 => Some(p),
            Some(_) => {
                self.reject_request(
                    Some(id),
                    client_id.clone(),
                    symbol,
                    OrderRejectReason::InvalidPrice,
                    "modify",
                    ts_local,
                );
                return Err(OrderRejectReason::InvalidPrice);
            }
        };
        let qty = match qty {
            None => None,
            Some(q) => match floor_qty(q, self.cfg.qty_step) {
                Some(q) => Some(q),
                None => {
                    self.reject_request(
                        Some(id),
                        client_id.clone(),
                        symbol,
                        OrderRejectReason::InvalidQuantity,
                        "modify",
                        ts_local,
                    );
                    return Err(OrderRejectReason::InvalidQuantity);
                }
            },
        };
        if !matches!(self.orders[&id], AnyOrder::Limit(_)) {
            self.reject_request(
                Some(id),
                client_id.clone(),
                symbol,
                OrderRejectReason::CannotModify,
                "modify",
                ts_local,
            );
            return Err(OrderRejectReason::CannotModify);
        }
        let arrival = ts_local.saturating_add(self.latency.entry(ts_local));
        self.send(InFlight {
            arrival,
            req: Request::Modify { order, price, qty },
        });
        Ok(Some(id))
    }

    /// The events the strategy has received by local time `now`, oldest first.
    pub fn drain_due(&mut self, now: UnixNanos, mut f: impl FnMut(OrderEvent)) {
        while self
            .outbox
            .front()
            .is_some_and(|e| e.header().ts_local <= now)
        {
            if let Some(e) = self.outbox.pop_front() {
                f(e);
            }
        }
    }

    /// Whether an event waits for the strategy.
    #[inline]
    pub fn has_events(&self) -> bool {
        !self.outbox.is_empty()
    }

    /// Local time of the next event for the strategy.
    #[inline]
    pub fn next_event_at(&self) -> Option<UnixNanos> {
        self.outbox.front().map(|e| e.header().ts_local)
    }

    /// Every event not yet received, whatever its time (the end of a run).
    pub fn drain_all(&mut self, f: impl FnMut(OrderEvent)) {
        self.drain_due(UnixNanos::MAX, f);
    }

    // ---------------------------------------------------------------- the venue's side

    /// Exchange time at which the next request arrives.
    #[inline]
    pub fn next_arrival(&self) -> Option<UnixNanos> {
        self.inflight.front().map(|r| r.arrival)
    }

    /// Processes every request that reached the venue by exchange time `before`. `bar_open`:
    /// the symbol whose bar is being processed and its open, the first price those requests can
    /// get (the bar's range comes after them).
    pub fn deliver<B: BookSource + ?Sized>(
        &mut self,
        before: UnixNanos,
        books: &B,
        bar_open: Option<(SymbolId, f64)>,
    ) {
        while self.inflight.front().is_some_and(|r| r.arrival <= before) {
            let Some(r) = self.inflight.pop_front() else {
                break;
            };
            // Processed when it arrived, or when the venue got to it: after the market event it
            // is matched behind.
            let at = r.arrival.max(self.clock);
            match r.req {
                Request::New(id) => self.arrive_new(id, at, books, bar_open),
                Request::Cancel(order) => self.arrive_cancel(order, at),
                Request::Modify { order, price, qty } => {
                    self.arrive_modify(order, price, qty, at, books)
                }
            }
        }
    }

    /// The executions since the last call, for the account.
    pub fn take_reports(&mut self) -> std::vec::Drain<'_, ExecReport> {
        self.reports.drain(..)
    }

    /// Whether executions wait for the account.
    #[inline]
    pub fn has_reports(&self) -> bool {
        !self.reports.is_empty()
    }

    /// The symbol's position side and liquidation price, as the venue keeps them.
    pub fn liquidation(&self, symbol: SymbolId) -> Option<(Side, f64)> {
        self.symbols
            .get(symbol as usize)
            .and_then(|w| w.liquidation)
    }

    /// Tells the venue the symbol's position liquidation price (None: flat).
    pub fn set_liquidation(&mut self, symbol: SymbolId, liq: Option<(Side, f64)>) {
        self.sym(symbol).liquidation = liq;
        self.update_band(symbol);
    }

    /// The id given to the latest order (submitted or refused).
    pub fn last_order_id(&self) -> OrderId {
        OrderId(self.next_id - 1)
    }

    /// Whether the venue has anything to do: orders, requests in flight, positions or answers
    /// not yet delivered. An idle venue needs no market events.
    #[inline]
    pub fn is_active(&self) -> bool {
        !self.orders.is_empty()
            || !self.inflight.is_empty()
            || self.positions_open > 0
            || !self.outbox.is_empty()
    }

    /// Sets what the venue knows of `symbol`'s market (a venue that was idle catching up).
    pub fn set_market(&mut self, symbol: SymbolId, m: MarketMemory) {
        self.sym(symbol).market = m;
    }

    /// Sets the venue's position in `symbol` (restoring a position after a restart) with its
    /// cost basis and leverage.
    pub fn restore_position(&mut self, symbol: SymbolId, units: i64, cost: Money, leverage: f64) {
        let before = self.position(symbol);
        let w = self.sym(symbol);
        w.position = units;
        w.cost = cost;
        w.leverage = leverage;
        match (before == 0, units == 0) {
            (true, false) => self.positions_open += 1,
            (false, true) => self.positions_open -= 1,
            _ => {}
        }
    }

    /// Puts a restored position's exits back at the venue as they were: a reduce-only stop and
    /// take-profit, working, one cancelling the other (no latency: the venue kept them).
    #[allow(clippy::too_many_arguments)]
    pub fn restore_exits(
        &mut self,
        symbol: SymbolId,
        long: bool,
        qty: Qty,
        stop: Option<Price>,
        take_profit: Option<Price>,
        strategy: std::borrow::Cow<'static, str>,
        ts_local: UnixNanos,
    ) {
        let side = if long {
            OrderSide::Sell
        } else {
            OrderSide::Buy
        };
        let mut ids = Vec::new();
        for (level, is_stop) in [(stop, true), (take_profit, false)] {
            let Some(trigger) = level else { continue };
            let id = self.new_id();
            let o = NewOrder {
                client_id: None,
                symbol,
                side,
                qty: qty.to_f64(),
                kind: OrderType::Market,
                reduce_only: true,
                strategy: strategy.clone(),
                confidence: 1.0,
                signal_id: None,
                exit_reason: if is_stop {
                    ExitReason::StopLoss
                } else {
                    ExitReason::TakeProfit
                },
                leverage: None,
                bracket: None,
            };
            let mut core = self.core(id, ClientOrderId::generated(id), &o, ts_local, 0);
            core.qty = qty;
            core.status = OrderStatus::Accepted;
            let order = if is_stop {
                AnyOrder::StopMarket(StopMarketOrder {
                    core,
                    trigger,
                    source: TriggerSource::Last,
                })
            } else {
                AnyOrder::TakeProfit(TakeProfitOrder {
                    core,
                    trigger,
                    source: TriggerSource::Last,
                })
            };
            self.client_ids.insert(ClientOrderId::generated(id), id);
            self.orders.insert(id, order);
            self.sym(symbol).triggers.push(id);
            ids.push(id);
        }
        if let [a, b] = ids[..] {
            if let Some(o) = self.orders.get_mut(&a) {
                o.core_mut().oco = Some(b);
            }
            if let Some(o) = self.orders.get_mut(&b) {
                o.core_mut().oco = Some(a);
            }
        }
        self.update_band(symbol);
    }

    /// The venue's net position in `symbol`, 10⁻⁸ units (positive long).
    pub fn position(&self, symbol: SymbolId) -> i64 {
        self.symbols.get(symbol as usize).map_or(0, |w| w.position)
    }

    /// The working order with id `id`.
    pub fn order(&self, id: OrderId) -> Option<&AnyOrder> {
        self.orders.get(&id)
    }

    /// Every order not finished yet (submitted or working), in id order.
    pub fn open_orders(&self) -> Vec<&AnyOrder> {
        let mut v: Vec<&AnyOrder> = self.orders.values().collect();
        v.sort_by_key(|o| o.core().id);
        v
    }

    /// Orders by status: finished ones by their final status, the others by their current one.
    pub fn counts(&self) -> OrderCounts {
        let mut c = self.counts;
        for o in self.orders.values() {
            c.by_status[status_index(o.core().status)] += 1;
        }
        c
    }

    /// The latest market the venue saw for `symbol`.
    pub fn market(&self, symbol: SymbolId) -> Option<&MarketMemory> {
        self.symbols.get(symbol as usize).map(|w| &w.market)
    }

    /// The band outside which `symbol`'s market can act on its orders or position.
    #[inline]
    pub fn band(&self, symbol: SymbolId) -> (f64, f64) {
        self.symbols
            .get(symbol as usize)
            .map_or((f64::NEG_INFINITY, f64::INFINITY), |w| w.band)
    }

    /// Quantity of non-reduce-only orders not yet finished (the exposure they may add) on `side`
    /// of `symbol`, and their notional at their price (market orders at `price`).
    pub fn open_exposure(&self, symbol: SymbolId, side: OrderSide, price: f64) -> (Qty, f64) {
        let mut qty = Qty::ZERO;
        let mut notional = 0.0;
        for o in self.orders.values() {
            let c = o.core();
            if c.symbol != symbol || c.side != side || c.reduce_only || c.parent.is_some() {
                continue;
            }
            let leaves = c.leaves();
            qty += leaves;
            let px = o
                .limit_price()
                .or(o.trigger().map(|t| t.0))
                .map_or(price, Price::to_f64);
            notional += leaves.to_f64() * px;
        }
        (qty, notional)
    }

    /// Total notional of every non-reduce-only order not yet finished, each at its price (market
    /// orders at the symbol's last price), for DRB-Guard.
    pub fn open_notional(&self) -> f64 {
        self.orders
            .values()
            .filter(|o| !o.core().reduce_only && o.core().parent.is_none())
            .map(|o| {
                let c = o.core();
                let last = self
                    .symbols
                    .get(c.symbol as usize)
                    .map_or(f64::NAN, |w| w.market.last);
                let px = o
                    .limit_price()
                    .or(o.trigger().map(|t| t.0))
                    .map_or(last, Price::to_f64);
                let n = c.leaves().to_f64() * px;
                if n.is_finite() {
                    n
                } else {
                    0.0
                }
            })
            .sum()
    }

    /// Orders not yet finished that may add exposure (not reduce-only, not a bracket's exit).
    pub fn entries_working(&self) -> u32 {
        self.orders
            .values()
            .filter(|o| !o.core().reduce_only && o.core().parent.is_none())
            .count() as u32
    }

    /// Symbols with a non-reduce-only order not yet finished.
    pub fn symbols_with_entries(&self) -> Vec<SymbolId> {
        let mut syms: Vec<SymbolId> = self
            .orders
            .values()
            .filter(|o| !o.core().reduce_only && o.core().parent.is_none())
            .map(|o| o.core().symbol)
            .collect();
        syms.sort_unstable();
        syms.dedup();
        syms
    }

    // ---------------------------------------------------------------- helpers

    fn new_id(&mut self) -> OrderId {
        let id = OrderId(self.next_id);
        self.next_id += 1;
        id
    }

    fn core(
        &self,
        id: OrderId,
        client_id: ClientOrderId,
        o: &NewOrder,
        ts_local: UnixNanos,
        decided_seq: u64,
    ) -> OrderCore {
        OrderCore {
            id,
            client_id,
            symbol: o.symbol,
            side: o.side,
            qty: floor_qty(o.qty, self.cfg.qty_step).unwrap_or(Qty::ZERO),
            filled: Qty::ZERO,
            filled_notional: crate::types::Money::ZERO,
            filled_value: 0,
            status: OrderStatus::Submitted,
            reduce_only: o.reduce_only,
            ts_init: ts_local,
            ts_accepted: None,
            ts_last: ts_local,
            strategy: o.strategy.clone(),
            confidence: o.confidence,
            signal_id: o.signal_id,
            exit_reason: o.exit_reason,
            parent: None,
            oco: None,
            shadow: self.cfg.shadow,
            decided_seq,
            leverage: o.leverage.unwrap_or(1.0),
            bracket: o.bracket,
            armed_event: 0,
        }
    }

    fn check_new(&self, o: &NewOrder, client_id: &ClientOrderId) -> Result<Qty, OrderRejectReason> {
        if matches!(o.client_id, Some(ClientOrderId::Generated(_))) {
            // `q-<number>` is how the engine names orders sent without an id.
            return Err(OrderRejectReason::ReservedClientId);
        }
        if self.client_ids.contains_key(client_id) {
            return Err(OrderRejectReason::DuplicateClientId);
        }
        let qty = floor_qty(o.qty, self.cfg.qty_step).ok_or(OrderRejectReason::InvalidQuantity)?;
        if !(o.confidence >= 0.0 && o.confidence <= 1.0) {
            return Err(OrderRejectReason::InvalidQuantity);
        }
        if let Some(l) = o.leverage {
            if !(l > 0.0 && l.is_finite()) {
                return Err(OrderRejectReason::InvalidQuantity);
            }
        }
        Ok(qty)
    }

    fn send(&mut self, r: InFlight) {
        // Constant latencies keep arrivals in order; a drawn latency may overtake.
        let at = self
            .inflight
            .iter()
            .rposition(|x| x.arrival <= r.arrival)
            .map_or(0, |i| i + 1);
        self.inflight.insert(at, r);
    }

    /// Queues `e` for the strategy, in local-time order.
    pub(super) fn notify(&mut self, e: OrderEvent) {
        if self.silent {
            return;
        }
        let t = e.header().ts_local;
        if self.outbox.back().is_none_or(|b| b.header().ts_local <= t) {
            self.outbox.push_back(e);
        } else {
            let at = self
                .outbox
                .iter()
                .rposition(|x| x.header().ts_local <= t)
                .map_or(0, |i| i + 1);
            self.outbox.insert(at, e);
        }
    }

    /// The header of an event of order `c` at exchange time `at`, answered after the response
    /// latency.
    pub(super) fn header(&mut self, c: &OrderCore, at: UnixNanos) -> EventHeader {
        let ts_local = if self.silent {
            at
        } else {
            at.saturating_add(self.latency.response(at))
        };
        EventHeader {
            order_id: c.id,
            client_id: c.client_id.clone(),
            symbol: c.symbol,
            ts_event: at,
            ts_local,
        }
    }

    fn refuse(&mut self, core: OrderCore, reason: OrderRejectReason, ts_local: UnixNanos) {
        self.refuse_order(AnyOrder::Market(MarketOrder { core }), reason, ts_local);
    }

    /// Ends `o` rejected before it reached the venue, answered at once (local time `ts_local`).
    fn refuse_order(&mut self, mut o: AnyOrder, reason: OrderRejectReason, ts_local: UnixNanos) {
        let core = o.core_mut();
        core.status = OrderStatus::Rejected;
        self.counts.by_status[status_index(OrderStatus::Rejected)] += 1;
        let header = EventHeader {
            order_id: core.id,
            client_id: core.client_id.clone(),
            symbol: core.symbol,
            ts_event: ts_local,
            ts_local,
        };
        self.record(o, Some(reason));
        self.notify(OrderEvent::Rejected(OrderRejected {
            header,
            reason,
            request: "new",
        }));
    }

    fn reject_request(
        &mut self,
        id: Option<OrderId>,
        client_id: ClientOrderId,
        symbol: SymbolId,
        reason: OrderRejectReason,
        request: &'static str,
        ts_local: UnixNanos,
    ) {
        let header = EventHeader {
            order_id: id.unwrap_or(OrderId(0)),
            client_id,
            symbol,
            ts_event: ts_local,
            ts_local,
        };
        self.notify(OrderEvent::Rejected(OrderRejected {
            header,
            reason,
            request,
        }));
    }

    /// A bracket entry's two exits: reduce-only, dormant until the entry fills, one cancelling
    /// the other.
    fn bracket_children(
        &mut self,
        parent: OrderId,
        o: &NewOrder,
        spec: BracketSpec,
        ts_local: UnixNanos,
        decided_seq: u64,
    ) {
        let side = match o.side {
            OrderSide::Buy => OrderSide::Sell,
            OrderSide::Sell => OrderSide::Buy,
        };
        let make = |this: &mut Self, stop: bool| {
            let id = this.new_id();
            let client_id = ClientOrderId::generated(id);
            let child = NewOrder {
                client_id: None,
                side,
                reduce_only: true,
                exit_reason: if stop {
                    ExitReason::StopLoss
                } else {
                    ExitReason::TakeProfit
                },
                bracket: None,
                signal_id: None,
                ..o.clone()
            };
            let mut core = this.core(id, client_id.clone(), &child, ts_local, decided_seq);
            core.parent = Some(parent);
            // Sized and priced when the entry fills.
            let order = if stop {
                AnyOrder::StopMarket(StopMarketOrder {
                    core,
                    trigger: Price::ZERO,
                    source: TriggerSource::Last,
                })
            } else {
                AnyOrder::TakeProfit(TakeProfitOrder {
                    core,
                    trigger: Price::ZERO,
                    source: TriggerSource::Last,
                })
            };
            this.client_ids.insert(client_id, id);
            this.orders.insert(id, order);
            id
        };
        let sl = spec.stop_loss.map(|_| make(self, true));
        let tp = spec.take_profit.map(|_| make(self, false));
        if let (Some(a), Some(b)) = (sl, tp) {
            if let Some(o) = self.orders.get_mut(&a) {
                o.core_mut().oco = Some(b);
            }
            if let Some(o) = self.orders.get_mut(&b) {
                o.core_mut().oco = Some(a);
            }
        }
        self.brackets.insert(parent, (sl, tp));
    }

    // ---------------------------------------------------------------- arrivals

    fn arrive_new<B: BookSource + ?Sized>(
        &mut self,
        id: OrderId,
        at: UnixNanos,
        books: &B,
        bar_open: Option<(SymbolId, f64)>,
    ) {
        let Some(order) = self.orders.get(&id) else {
            return;
        };
        let c = order.core();
        if c.status != OrderStatus::Submitted {
            return;
        }
        let symbol = c.symbol;
        let reducing_ok = !c.reduce_only || reduces(self.position(symbol), c.side);
        if !reducing_ok {
            self.reject_at(id, OrderRejectReason::ReduceOnlyWouldIncrease, at);
            return;
        }
        let book = books.valid_book(symbol);
        let at_bar = bar_open.filter(|b| b.0 == symbol).map(|b| b.1);
        let market = self.sym(symbol).market;
        let has_market =
            book.is_some() || market.has_quote() || market.last.is_finite() || at_bar.is_some();
        if !has_market {
            self.reject_at(id, OrderRejectReason::NoMarket, at);
            return;
        }
        if let AnyOrder::Limit(l) = &self.orders[&id] {
            let marketable = self.marketable(symbol, l.core.side, l.price, book, at_bar);
            if marketable && l.tif == TimeInForce::PostOnly {
                self.reject_at(id, OrderRejectReason::PostOnlyWouldTake, at);
                return;
            }
        }
        if let Some((trigger, _)) = self.orders[&id].trigger() {
            if self.orders[&id].core().parent.is_none() {
                let observed = self.trigger_price(symbol, &self.orders[&id], book);
                if observed.is_finite()
                    && self.orders[&id].triggered_by(Price::from_f64(observed).unwrap_or(trigger))
                {
                    // The venues refuse a stop that would trigger at once (Binance -2021).
                    self.reject_at(id, OrderRejectReason::InvalidPrice, at);
                    return;
                }
            }
        }
        self.accept(id, at);
        // The bracket's exits are accepted with their entry and wait for its fill.
        if let Some(&(sl, tp)) = self.brackets.get(&id) {
            for child in [sl, tp].into_iter().flatten() {
                self.accept(child, at);
                self.sym(symbol).dormant.push(child);
            }
        }
        match &self.orders[&id] {
            AnyOrder::Market(_) => {
                self.take(id, None, at, books, at_bar);
                self.expire_rest(id, at);
            }
            AnyOrder::Limit(l) => {
                let (side, price, tif) = (l.core.side, l.price, l.tif);
                if tif == TimeInForce::Fok {
                    let can = self.fillable(id, Some(price), books.valid_book(symbol), at_bar);
                    if can < self.orders[&id].core().leaves() {
                        self.expire_rest(id, at);
                        return;
                    }
                }
                if self.marketable(symbol, side, price, books.valid_book(symbol), at_bar) {
                    self.take(id, Some(price), at, books, at_bar);
                }
                let reduced_away = self.orders.get(&id).is_some_and(|o| {
                    o.core().reduce_only && !reduces(self.position(symbol), o.core().side)
                });
                match tif {
                    TimeInForce::Ioc | TimeInForce::Fok => self.expire_rest(id, at),
                    // A reduce-only order that took the whole position has nothing left to do.
                    _ if reduced_away => self.cancel_order(id, at, "flat"),
                    TimeInForce::Gtc | TimeInForce::PostOnly => {
                        self.rest(id, books.valid_book(symbol))
                    }
                }
            }
            AnyOrder::StopMarket(_) | AnyOrder::TakeProfit(_) => {
                let event_no = self.event_no;
                if let Some(o) = self.orders.get_mut(&id) {
                    o.core_mut().armed_event = event_no;
                }
                self.sym(symbol).triggers.push(id);
            }
        }
        self.update_band(symbol);
    }

    fn arrive_cancel(&mut self, order: Named, at: UnixNanos) {
        let Some((id, o)) = order.id.and_then(|id| Some((id, self.orders.get(&id)?))) else {
            // Finished before the cancel arrived, or never there: "unknown order".
            return self.late_request(order, at, "cancel");
        };
        if o.core().status == OrderStatus::Submitted {
            // The cancel overtook its order (a drawn latency): the order is refused on arrival.
            self.reject_at(id, OrderRejectReason::UnknownOrder, at);
            return;
        }
        let symbol = o.core().symbol;
        self.cancel_order(id, at, "requested");
        self.update_band(symbol);
    }

    fn late_request(&mut self, order: Named, at: UnixNanos, request: &'static str) {
        let header = EventHeader {
            order_id: order.id.unwrap_or(OrderId(0)),
            client_id: order.client_id,
            symbol: order.symbol,
            ts_event: at,
            ts_local: at.saturating_add(self.latency.response(at)),
        };
        self.notify(OrderEvent::Rejected(OrderRejected {
            header,
            reason: OrderRejectReason::UnknownOrder,
            request,
        }));
    }

    fn arrive_modify<B: BookSource + ?Sized>(
        &mut self,
        order: Named,
        price: Option<Price>,
        qty: Option<Qty>,
        at: UnixNanos,
        books: &B,
    ) {
        let Some((id, AnyOrder::Limit(l))) =
            order.id.and_then(|id| Some((id, self.orders.get(&id)?)))
        else {
            return self.late_request(order, at, "modify");
        };
        if !l.core.status.is_working() {
            return self.late_request(order, at, "modify");
        }
        let symbol = l.core.symbol;
        let new_price = price.unwrap_or(l.price);
        let new_qty = qty.unwrap_or(l.core.qty);
        if new_qty <= l.core.filled {
            let (c, reason) = (l.core.clone(), OrderRejectReason::InvalidQuantity);
            let header = self.header(&c, at);
            self.notify(OrderEvent::Rejected(OrderRejected {
                header,
                reason,
                request: "modify",
            }));
            return;
        }
        let book = books.valid_book(symbol);
        let marketable = self.marketable(symbol, l.core.side, new_price, book, None);
        if marketable && l.tif == TimeInForce::PostOnly {
            let c = l.core.clone();
            let header = self.header(&c, at);
            self.notify(OrderEvent::Rejected(OrderRejected {
                header,
                reason: OrderRejectReason::PostOnlyWouldTake,
                request: "modify",
            }));
            return;
        }
        let kept_queue = new_price == l.price && new_qty <= l.core.qty;
        if let Some(AnyOrder::Limit(l)) = self.orders.get_mut(&id) {
            l.price = new_price;
            l.core.qty = new_qty;
            l.core.ts_last = at;
            if !kept_queue {
                l.queue_ahead = None;
            }
        }
        let c = self.orders[&id].core().clone();
        let header = self.header(&c, at);
        self.notify(OrderEvent::Modified(OrderModified {
            header,
            price: new_price,
            qty: new_qty,
            kept_queue,
        }));
        if !kept_queue {
            // To the back of the queue at the new price (or taking, if it now crosses).
            self.sym(symbol).resting.retain(|&x| x != id);
            if marketable {
                self.take(id, Some(new_price), at, books, None);
            }
            if self.orders.contains_key(&id) {
                self.rest(id, book);
            }
        }
        self.update_band(symbol);
    }

    fn accept(&mut self, id: OrderId, at: UnixNanos) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        let c = o.core_mut();
        if c.apply(Transition::Accept).is_err() {
            return;
        }
        c.ts_last = at;
        c.ts_accepted = Some(at);
        let c = c.clone();
        let header = self.header(&c, at);
        self.notify(OrderEvent::Accepted(OrderAccepted { header }));
    }

    /// Refuses a submitted order at the venue.
    fn reject_at(&mut self, id: OrderId, reason: OrderRejectReason, at: UnixNanos) {
        let Some(mut o) = self.orders.remove(&id) else {
            return;
        };
        let c = o.core_mut();
        let _ = c.apply(Transition::Reject);
        c.ts_last = at;
        self.client_ids.remove(&c.client_id);
        self.counts.by_status[status_index(OrderStatus::Rejected)] += 1;
        let c = c.clone();
        self.record(o, Some(reason));
        let header = self.header(&c, at);
        self.notify(OrderEvent::Rejected(OrderRejected {
            header,
            reason,
            request: "new",
        }));
        // Its bracket never comes to life.
        if let Some((sl, tp)) = self.brackets.remove(&id) {
            for child in [sl, tp].into_iter().flatten() {
                if let Some(mut ch) = self.orders.remove(&child) {
                    let cc = ch.core_mut();
                    let _ = cc.apply(Transition::Reject);
                    self.client_ids.remove(&cc.client_id);
                    self.counts.by_status[status_index(OrderStatus::Rejected)] += 1;
                    let cc = cc.clone();
                    self.record(ch, Some(reason));
                    let header = self.header(&cc, at);
                    self.notify(OrderEvent::Rejected(OrderRejected {
                        header,
                        reason,
                        request: "new",
                    }));
                }
            }
        }
    }

    /// Puts a working limit order in its level's queue.
    fn rest(&mut self, id: OrderId, book: Option<&OrderBook>) {
        let Some(AnyOrder::Limit(l)) = self.orders.get(&id) else {
            return;
        };
        if !l.core.status.is_working() {
            return;
        }
        let (symbol, side, price) = (l.core.symbol, l.core.side, l.price);
        let shown = self.shown_at(symbol, side, price, book);
        let q = crate::sim::queue::QueueModel::join(&self.queue, shown.unwrap_or(f64::MAX));
        if let Some(AnyOrder::Limit(l)) = self.orders.get_mut(&id) {
            l.queue_ahead = Some(q.ahead);
            l.traded_since_update = 0.0;
            l.level_qty = shown
                .and_then(|s| Qty::from_f64(s).ok())
                .unwrap_or(Qty::ZERO);
        }
        let w = self.sym(symbol);
        if !w.resting.contains(&id) {
            w.resting.push(id);
        }
    }

    /// The size displayed at `price` on the order's own side, when the venue shows it: the
    /// book's level, or the quote's size at the touch (0 when the price improves on the touch;
    /// unknown behind it).
    pub(super) fn shown_at(
        &self,
        symbol: SymbolId,
        side: OrderSide,
        price: Price,
        book: Option<&OrderBook>,
    ) -> Option<f64> {
        if let Some(b) = book {
            let q = match side {
                OrderSide::Buy => b.bid_qty_at(price),
                OrderSide::Sell => b.ask_qty_at(price),
            };
            return Some(q.to_f64());
        }
        let m = self.symbols.get(symbol as usize)?.market;
        let p = price.to_f64();
        let (touch, size) = match side {
            OrderSide::Buy => (m.bid, m.bid_qty),
            OrderSide::Sell => (m.ask, m.ask_qty),
        };
        if !touch.is_finite() {
            return None;
        }
        let better = match side {
            OrderSide::Buy => p > touch,
            OrderSide::Sell => p < touch,
        };
        if better {
            Some(0.0)
        } else if p == touch && size.is_finite() {
            Some(size)
        } else {
            None
        }
    }

    /// Whether a limit order at `price` would take liquidity now.
    pub(super) fn marketable(
        &self,
        symbol: SymbolId,
        side: OrderSide,
        price: Price,
        book: Option<&OrderBook>,
        at_bar: Option<f64>,
    ) -> bool {
        let p = price.to_f64();
        let opposite = if let Some(open) = at_bar {
            open
        } else if let Some(b) = book {
            let best = match side {
                OrderSide::Buy => b.best_ask(),
                OrderSide::Sell => b.best_bid(),
            };
            match best {
                Some(l) => l.price.to_f64(),
                None => return false,
            }
        } else {
            let m = self
                .symbols
                .get(symbol as usize)
                .map(|w| w.market)
                .unwrap_or_default();
            match side {
                OrderSide::Buy if m.ask.is_finite() => m.ask,
                OrderSide::Sell if m.bid.is_finite() => m.bid,
                _ => m.last,
            }
        };
        match side {
            OrderSide::Buy => p >= opposite,
            OrderSide::Sell => p <= opposite,
        }
    }

    /// Cancels a working order (and its dormant exits when it was their entry).
    pub(super) fn cancel_order(&mut self, id: OrderId, at: UnixNanos, why: &'static str) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        let c = o.core_mut();
        if c.apply(Transition::Cancel).is_err() {
            return;
        }
        c.ts_last = at;
        let c = c.clone();
        let header = self.header(&c, at);
        self.notify(OrderEvent::Canceled(OrderCanceled { header, why }));
        self.finish(id);
    }

    /// Expires what is left of a market, IOC or FOK order.
    pub(super) fn expire_rest(&mut self, id: OrderId, at: UnixNanos) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        let c = o.core_mut();
        if c.status.is_final() {
            return;
        }
        let leaves = c.leaves();
        if c.apply(Transition::Expire).is_err() {
            return;
        }
        c.ts_last = at;
        let c = c.clone();
        let header = self.header(&c, at);
        self.notify(OrderEvent::Expired(OrderExpired { header, leaves }));
        self.finish(id);
    }

    /// Removes a finished order from the venue's lists; an entry that ends unfilled takes its
    /// dormant exits with it.
    pub(super) fn finish(&mut self, id: OrderId) {
        let Some(o) = self.orders.remove(&id) else {
            return;
        };
        let c = o.core();
        self.counts.by_status[status_index(c.status)] += 1;
        self.client_ids.remove(&c.client_id);
        let symbol = c.symbol;
        let unfilled = c.filled.is_zero();
        let ts = c.ts_last;
        self.record(o, None);
        let w = self.sym(symbol);
        w.resting.retain(|&x| x != id);
        w.triggers.retain(|&x| x != id);
        w.dormant.retain(|&x| x != id);
        if let Some((sl, tp)) = self.brackets.remove(&id) {
            for child in [sl, tp].into_iter().flatten() {
                let dormant = self.symbols[symbol as usize].dormant.contains(&child);
                if unfilled && dormant {
                    self.cancel_order(child, ts, "parent");
                }
            }
        }
    }

    /// Recomputes the band of market prices inside which nothing can act on `symbol`: below
    /// `lo`, falling prices may fill a buy limit, trigger a sell stop or a buy take-profit, or
    /// liquidate a long; above `hi`, the mirror images.
    pub(super) fn update_band(&mut self, symbol: SymbolId) {
        let mut lo = f64::NEG_INFINITY;
        let mut hi = f64::INFINITY;
        let Some(w) = self.symbols.get(symbol as usize) else {
            return;
        };
        for id in w.resting.iter().chain(&w.triggers) {
            let Some(o) = self.orders.get(id) else {
                continue;
            };
            let side = o.core().side;
            let (level, down) = match o {
                AnyOrder::Limit(l) => (l.price.to_f64(), side == OrderSide::Buy),
                AnyOrder::StopMarket(s) => (s.trigger.to_f64(), side == OrderSide::Sell),
                AnyOrder::TakeProfit(t) => (t.trigger.to_f64(), side == OrderSide::Buy),
                AnyOrder::Market(_) => continue,
            };
            // Mark-price triggers watch the mid, which lies between the bid and the ask.
            if down {
                lo = lo.max(level);
            } else {
                hi = hi.min(level);
            }
        }
        match w.liquidation {
            Some((Side::Long, liq)) => lo = lo.max(liq),
            Some((Side::Short, liq)) => hi = hi.min(liq),
            None => {}
        }
        self.symbols[symbol as usize].band = (lo, hi);
    }

    // ---------------------------------------------------------------- executions

    /// Books an execution of order `id`: the order, the venue's position, the report for the
    /// account and the event for the strategy; then the bracket's exits, one-cancels-other, and
    /// reduce-only orders left with nothing to reduce.
    pub(super) fn execute(
        &mut self,
        id: OrderId,
        qty: Qty,
        price: Price,
        liquidity: LiquiditySide,
        at: UnixNanos,
    ) {
        self.execute_as(id, qty, price, liquidity, at, None);
    }

    /// [`execute`](Self::execute) with an exit reason and fee rate that override the order's
    /// (a liquidation).
    pub(super) fn execute_as(
        &mut self,
        id: OrderId,
        qty: Qty,
        price: Price,
        liquidity: LiquiditySide,
        at: UnixNanos,
        forced: Option<(ExitReason, f64)>,
    ) {
        if qty.units() <= 0 {
            return;
        }
        let fee_bps = forced.map_or_else(|| self.cfg.fees.fee_bps(liquidity), |f| f.1);
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        // A reduce-only order never opens, adds or flips, however it fills.
        let qty = if o.core().reduce_only {
            let pos = self.position(o.core().symbol);
            let room = if reduces(pos, o.core().side) {
                Qty(pos.abs())
            } else {
                Qty::ZERO
            };
            if room.is_zero() {
                self.cancel_order(id, at, "flat");
                return;
            }
            qty.min(room)
        } else {
            qty
        };
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        let c = o.core_mut();
        let qty = qty.min(c.leaves());
        if c.record_fill(qty, price).is_err() {
            return;
        }
        c.ts_last = at;
        let c = c.clone();
        let signed = match c.side {
            OrderSide::Buy => qty.units(),
            OrderSide::Sell => -qty.units(),
        };
        let symbol = c.symbol;
        let before = self.position(symbol);
        self.sym(symbol).position = before + signed;
        self.follow_basis(symbol, before, signed, price, c.leverage);
        match (before == 0, before + signed == 0) {
            (true, false) => self.positions_open += 1,
            (false, true) => self.positions_open -= 1,
            _ => {}
        }
        let fee = qty.notional(price).mul_bps(fee_bps);
        self.reports.push(ExecReport {
            order_id: id,
            symbol,
            side: c.side,
            qty,
            price,
            liquidity,
            fee_bps,
            ts_event: at,
            decided_at: c.ts_init,
            decided_seq: c.decided_seq,
            strategy: c.strategy.clone(),
            confidence: c.confidence,
            signal_id: c.signal_id,
            exit_reason: forced.map_or(c.exit_reason, |f| f.0),
            reduce_only: c.reduce_only,
            leverage: c.leverage,
            shadow: c.shadow,
            triggered: forced.is_some()
                || matches!(
                    self.orders.get(&id),
                    Some(AnyOrder::StopMarket(_) | AnyOrder::TakeProfit(_))
                ),
        });
        let header = self.header(&c, at);
        let fill = FillDetail {
            side: c.side,
            qty,
            price,
            liquidity,
            fee,
            fee_bps,
            leaves: c.leaves(),
        };
        let done = c.status == OrderStatus::Filled;
        self.notify(if done {
            OrderEvent::Filled(OrderFilled { header, fill })
        } else {
            OrderEvent::PartiallyFilled(OrderPartiallyFilled { header, fill })
        });
        if let Some(spec) = c.bracket {
            self.arm_bracket(id, &c, spec);
        }
        if let Some(partner) = c.oco {
            self.cancel_order(partner, at, "oco");
        }
        if done {
            self.finish(id);
        }
        let after = self.position(symbol);
        if after == 0 || after.signum() != before.signum() {
            // Reduce-only orders of the old position have nothing left to reduce.
            self.cancel_reduce_only(symbol, at, before);
        }
        self.update_band(symbol);
    }

    /// The position's cost basis and liquidation price after an execution of `signed` units at
    /// `price` moved it from `before`: the account's rules (`portfolio::Position`), so both
    /// always agree — an opening or flip starts a new basis at the fill's price, an addition
    /// averages in, a reduction takes its share and leaves the levels where they were.
    fn follow_basis(&mut self, symbol: SymbolId, before: i64, signed: i64, price: Price, lev: f64) {
        let mm = self.cfg.maintenance_margin;
        let w = self.sym(symbol);
        let after = before + signed;
        if after == 0 {
            w.cost = Money::ZERO;
            w.liquidation = None;
            return;
        }
        let side = if after > 0 { Side::Long } else { Side::Short };
        let avg = if before == 0 || before.signum() != after.signum() {
            w.cost = Qty(after.abs()).notional(price);
            w.leverage = lev;
            price.to_f64()
        } else if signed.signum() == before.signum() {
            w.cost += Qty(signed.abs()).notional(price);
            w.cost.to_f64() / Qty(after.abs()).to_f64()
        } else {
            w.cost -= basis_removed(w.cost, Qty(before.abs()), Qty(signed.abs()));
            return;
        };
        w.liquidation = Some((side, liquidation_price(side, avg, w.leverage, mm).to_f64()));
    }

    /// Sizes and prices a bracket's exits from its entry's fills, and wakes them on the first.
    fn arm_bracket(&mut self, parent: OrderId, entry: &OrderCore, spec: BracketSpec) {
        let Some(&(sl, tp)) = self.brackets.get(&parent) else {
            return;
        };
        let Some(avg) = entry.avg_price() else { return };
        let long = entry.side == OrderSide::Buy;
        let s = if long { 1.0 } else { -1.0 };
        let symbol = entry.symbol;
        let event_no = self.event_no;
        for (child, frac, stop) in [(sl, spec.stop_loss, true), (tp, spec.take_profit, false)] {
            let (Some(child), Some(f)) = (child, frac) else {
                continue;
            };
            let level = if stop {
                avg * (1.0 - s * f)
            } else {
                avg * (1.0 + s * f)
            };
            let trigger = crate::portfolio::price_level(level);
            match self.orders.get_mut(&child) {
                Some(AnyOrder::StopMarket(o)) => {
                    o.trigger = trigger;
                    o.core.qty = entry.filled;
                    o.core.armed_event = event_no;
                }
                Some(AnyOrder::TakeProfit(o)) => {
                    o.trigger = trigger;
                    o.core.qty = entry.filled;
                    o.core.armed_event = event_no;
                }
                _ => continue,
            }
            let w = self.sym(symbol);
            if let Some(i) = w.dormant.iter().position(|&x| x == child) {
                w.dormant.remove(i);
                w.triggers.push(child);
            }
        }
    }

    /// Cancels the symbol's working reduce-only orders that reduced a position of `before`'s
    /// sign, now that it is gone.
    fn cancel_reduce_only(&mut self, symbol: SymbolId, at: UnixNanos, before: i64) {
        if before == 0 {
            return;
        }
        let reducing_side = if before > 0 {
            OrderSide::Sell
        } else {
            OrderSide::Buy
        };
        let w = &self.symbols[symbol as usize];
        let ids: Vec<OrderId> = w
            .resting
            .iter()
            .chain(&w.triggers)
            .copied()
            .filter(|id| {
                self.orders
                    .get(id)
                    .is_some_and(|o| o.core().reduce_only && o.core().side == reducing_side)
            })
            .collect();
        for id in ids {
            self.cancel_order(id, at, "flat");
        }
    }

    /// Closes the symbol's whole position at `price` outside any order (a liquidation): a report
    /// with `reason` and `fee_bps`, and every reduce-only order canceled.
    pub(super) fn force_close(
        &mut self,
        symbol: SymbolId,
        price: Price,
        reason: ExitReason,
        fee_bps: f64,
        at: UnixNanos,
    ) {
        let pos = self.position(symbol);
        if pos == 0 {
            return;
        }
        let side = if pos > 0 {
            OrderSide::Sell
        } else {
            OrderSide::Buy
        };
        // The venue's own order: it has an id so the strategy's event stream stays complete.
        let id = self.new_id();
        let o = NewOrder {
            client_id: None,
            symbol,
            side,
            qty: Qty(pos.abs()).to_f64(),
            kind: OrderType::Market,
            reduce_only: true,
            strategy: "venue".into(),
            confidence: 1.0,
            signal_id: None,
            exit_reason: reason,
            leverage: None,
            bracket: None,
        };
        let mut core = self.core(id, ClientOrderId::generated(id), &o, at, 0);
        core.qty = Qty(pos.abs());
        self.client_ids.insert(ClientOrderId::generated(id), id);
        self.orders
            .insert(id, AnyOrder::Market(MarketOrder { core }));
        self.accept(id, at);
        self.execute_as(
            id,
            Qty(pos.abs()),
            price,
            LiquiditySide::Taker,
            at,
            Some((reason, fee_bps)),
        );
    }

    /// The price a trigger of `o` watches on `symbol` now: the mark (the quote's mid where the
    /// data has no mark) or the last price; with neither a trade nor a mark, the price the order
    /// would execute at (the bid for a sell, the ask for a buy).
    pub(super) fn trigger_price(
        &self,
        symbol: SymbolId,
        o: &AnyOrder,
        book: Option<&OrderBook>,
    ) -> f64 {
        let m = self
            .symbols
            .get(symbol as usize)
            .map(|w| w.market)
            .unwrap_or_default();
        match o.trigger().map(|t| t.1) {
            Some(TriggerSource::Mark) => match book.and_then(|b| b.mid()) {
                Some(mid) => mid,
                None => m.mark(),
            },
            _ => {
                let side = o.core().side;
                exec_side_price(&m, side, book)
            }
        }
    }
}

/// The price a market order of `side` meets now: the book's or the quote's touch, else the last
/// price.
pub(super) fn exec_side_price(m: &MarketMemory, side: OrderSide, book: Option<&OrderBook>) -> f64 {
    if let Some(b) = book {
        let l = match side {
            OrderSide::Buy => b.best_ask(),
            OrderSide::Sell => b.best_bid(),
        };
        if let Some(l) = l {
            return l.price.to_f64();
        }
    }
    match side {
        OrderSide::Buy if m.ask.is_finite() => m.ask,
        OrderSide::Sell if m.bid.is_finite() => m.bid,
        _ => m.last,
    }
}

/// Whether an order of `side` reduces a position of `position` units.
#[inline]
pub(super) fn reduces(position: i64, side: OrderSide) -> bool {
    match side {
        OrderSide::Buy => position < 0,
        OrderSide::Sell => position > 0,
    }
}

/// `raw` floored to the quantity step; None when that is zero or not a quantity.
pub(crate) fn floor_qty(raw: f64, step: f64) -> Option<Qty> {
    if !(raw > 0.0) || !raw.is_finite() {
        return None;
    }
    Qty::from_f64((raw / step + 1e-9).floor() * step)
        .ok()
        .filter(|q| q.units() > 0)
}

/// Builds the order a new-order request names.
fn build(core: OrderCore, qty: Qty, kind: OrderType) -> Result<AnyOrder, OrderRejectReason> {
    let price = |x: f64| match Price::from_f64(x) {
        Ok(p) if p.units() > 0 => Ok(p),
        _ => Err(OrderRejectReason::InvalidPrice),
    };
    let core = OrderCore { qty, ..core };
    Ok(match kind {
        OrderType::Market => AnyOrder::Market(MarketOrder { core }),
        OrderType::Limit { price: p, tif } => AnyOrder::Limit(LimitOrder {
            core,
            price: price(p)?,
            tif,
            queue_ahead: None,
            traded_since_update: 0.0,
            level_qty: Qty::ZERO,
        }),
        OrderType::StopMarket { trigger, source } => AnyOrder::StopMarket(StopMarketOrder {
            core,
            trigger: price(trigger)?,
            source,
        }),
        OrderType::TakeProfit { trigger, source } => AnyOrder::TakeProfit(TakeProfitOrder {
            core,
            trigger: price(trigger)?,
            source,
        }),
    })
}
