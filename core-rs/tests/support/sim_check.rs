//! A test venue for the exchange simulator (`quantum_core::sim`): one symbol, an L2 book driven
//! the way the engine drives it, and a checker that replays every order event and execution
//! report against the simulator's rules as they happen.
//!
//! Market events go through [`Harness::depth`], [`Harness::trade`] and [`Harness::quote`], to the
//! venue the way the engine hands them over (`src/engine/merge.rs`, `src/engine/fills.rs`): a
//! depth update before the requests that reached the venue by its time (`on_depth_level` for each
//! level with its size before, the update, `deliver`, `after_depth`); a trade or a quote before
//! them (`on_tick`, which delivers them). [`Harness::causal`] delivers those requests before trades and
//! quotes too, as a venue processes requests in arrival order. What the venue produced is then
//! *settled*: every order event and report is checked, in the venue's order, against the book
//! as it stood. The checks (one [`Kind`] each):
//!
//! - `Liquidity`: a taker fill takes no more at a level than the book shows there, minus what
//!   earlier taker fills took from that level since the last depth message that touched it;
//! - `TakerPrice`: a taker buy never fills below the best ask (a sell above the best bid) nor
//!   beyond its limit;
//! - `MakerPrice`: a maker fill is at the order's limit price, exactly;
//! - `QueueAhead`: a resting order's `queue_ahead` is never negative and never NaN;
//! - `Fifo`: of our resting orders at one price and side, a later one never fills while an
//!   earlier one is still working;
//! - `PostOnlyTaker`: a post-only order never takes;
//! - `TimeInForce`: an order that never rests (market, IOC, FOK, a triggered stop or
//!   take-profit) never fills as maker, and a fill-or-kill never expires part filled;
//! - `StateMachine`: each order's events, replayed from `Submitted` through
//!   `OrderStatus::apply`, are valid transitions (so an order ends in one final state at most);
//! - `NotFinal`: at the end every order is in a final state and `counts()` agrees;
//! - `ReportEvent`: every fill event has its report (same order, quantity, price, liquidity) and
//!   every report its fill event, so per order Σ report qty = Σ event fill qty = `filled`;
//! - `Position`: the venue's `position()` equals Σ signed report quantities;
//! - `ReduceOnly`: a reduce-only fill never increases |position| nor flips it.
//!
//! Constant latencies only: the checker relies on the event queue being in venue order.

use std::collections::{HashMap, VecDeque};

use quantum_core::book::{Applied, DepthUpdate, Level, OrderBook, SequenceRule};
use quantum_core::orders::{
    AnyOrder, ClientOrderId, LiquiditySide, NewOrder, OrderEvent, OrderId, OrderStatus, OrderType,
    TimeInForce, Transition,
};
use quantum_core::sim::{BookSource, Exchange, SimConfig};
use quantum_core::tick::Tick;
use quantum_core::types::{OrderSide, Price, Qty, Side, SymbolId, UnixNanos};

/// The one symbol of the harness.
pub const SYM: SymbolId = 0;

/// The harness's book as the venue sees it.
pub struct Books<'a>(pub &'a OrderBook);

impl BookSource for Books<'_> {
    fn valid_book(&self, symbol: SymbolId) -> Option<&OrderBook> {
        (symbol == SYM && self.0.is_valid()).then_some(self.0)
    }
}

/// What a check found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A taker fill beyond the liquidity available at its level.
    Liquidity,
    /// A taker fill better than the book allowed, or beyond its limit.
    TakerPrice,
    /// A maker fill away from the order's limit price.
    MakerPrice,
    /// A negative or NaN `queue_ahead`.
    QueueAhead,
    /// A later order at a level filled while an earlier one was still working.
    Fifo,
    /// A post-only order took liquidity.
    PostOnlyTaker,
    /// An order that never rests filled as maker, or a fill-or-kill expired part filled.
    TimeInForce,
    /// An event the order's status does not allow.
    StateMachine,
    /// An order not in a final state at the end, or `counts()` disagreeing.
    NotFinal,
    /// A fill event without its report, a report without its event, or the two disagreeing.
    ReportEvent,
    /// `position()` differs from Σ signed report quantities.
    Position,
    /// A reduce-only fill increased |position| or flipped it.
    ReduceOnly,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 12] = [
        Kind::Liquidity,
        Kind::TakerPrice,
        Kind::MakerPrice,
        Kind::QueueAhead,
        Kind::Fifo,
        Kind::PostOnlyTaker,
        Kind::TimeInForce,
        Kind::StateMachine,
        Kind::NotFinal,
        Kind::ReportEvent,
        Kind::Position,
        Kind::ReduceOnly,
    ];

    /// Position in [`Kind::ALL`].
    pub fn index(self) -> usize {
        Kind::ALL.iter().position(|&k| k == self).unwrap_or(0)
    }
}

/// Violations found: a count per kind and the first few of each, described.
#[derive(Debug, Default, Clone)]
pub struct Violations {
    counts: [u64; 12],
    examples: Vec<(Kind, String)>,
}

impl Violations {
    fn add(&mut self, kind: Kind, what: impl FnOnce() -> String) {
        let n = &mut self.counts[kind.index()];
        *n += 1;
        if *n <= 3 {
            self.examples.push((kind, what()));
        }
    }

    /// How many of `kind`.
    pub fn count(&self, kind: Kind) -> u64 {
        self.counts[kind.index()]
    }

    /// The recorded examples of `kind`, one a line.
    pub fn describe(&self, kind: Kind) -> String {
        self.examples
            .iter()
            .filter(|e| e.0 == kind)
            .map(|e| e.1.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every kind with its count and examples (for a failure message).
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for k in Kind::ALL {
            if self.count(k) > 0 {
                s += &format!("{k:?}: {}\n{}\n", self.count(k), self.describe(k));
            }
        }
        s
    }
}

/// What the checker knows of one order not yet final.
#[derive(Debug, Clone)]
struct Tracked {
    status: OrderStatus,
    side: Option<OrderSide>,
    post_only: bool,
    /// Never rests: market, IOC, FOK, stop-market, take-profit.
    never_rests: bool,
    fok: bool,
    /// The limit price now (limit orders).
    limit: Option<Price>,
    /// Place in its level's queue while it rests (smaller: earlier).
    join: Option<u64>,
    /// Σ fill quantity of its events.
    filled: i64,
}

impl Tracked {
    fn new() -> Self {
        Tracked {
            status: OrderStatus::Submitted,
            side: None,
            post_only: false,
            never_rests: false,
            fok: false,
            limit: None,
            join: None,
            filled: 0,
        }
    }
}

/// Figures of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Maker executions.
    pub maker_fills: u64,
    /// Taker executions.
    pub taker_fills: u64,
    /// Σ maker quantity, 10⁻⁸ units.
    pub maker_qty: i64,
    /// Σ taker quantity, 10⁻⁸ units.
    pub taker_qty: i64,
    /// Orders that ended in each final state, indexed like `OrderStatus::ALL`.
    pub finals: [u64; 8],
    /// Market events handed to the venue.
    pub market_events: u64,
    /// Modifications the venue made.
    pub modified: u64,
    /// Stops and take-profits that fired.
    pub triggered: u64,
    /// Cancels and modifies the venue refused.
    pub refused_requests: u64,
}

/// Liquidity our taker fills took from a level since a depth message last touched it.
#[derive(Debug, Default)]
struct Taken(HashMap<(bool, i64), i64>);

impl Taken {
    /// Key: (book side is bids, price units).
    fn get(&self, bids: bool, price: Price) -> i64 {
        self.0.get(&(bids, price.units())).copied().unwrap_or(0)
    }
}

/// The simulator, its book, and the checker.
pub struct Harness {
    /// The venue under test.
    pub venue: Exchange,
    /// Symbol 0's book.
    pub book: OrderBook,
    now: UnixNanos,
    seq: u64,
    open: HashMap<u64, Tracked>,
    /// Ids of orders already final, as bits.
    done: Vec<u64>,
    next_join: u64,
    taken: Taken,
    position: i64,
    stats: Stats,
    violations: Violations,
    keep_events: bool,
    causal: bool,
    kept: VecDeque<OrderEvent>,
    scratch_events: Vec<OrderEvent>,
    filled_now: Vec<u64>,
    scratch_reports: VecDeque<quantum_core::sim::ExecReport>,
}

impl Harness {
    /// A venue with `cfg` and an empty book. `keep_events`: keep the checked events for
    /// [`drain_due`](Self::drain_due) (a strategy on top).
    pub fn new(cfg: SimConfig, keep_events: bool) -> Self {
        Harness {
            venue: Exchange::new(cfg).expect("valid simulator config"),
            book: OrderBook::new(SequenceRule::BinanceFutures),
            now: 0,
            seq: 0,
            open: HashMap::new(),
            done: Vec::new(),
            next_join: 0,
            taken: Taken::default(),
            position: 0,
            stats: Stats::default(),
            violations: Violations::default(),
            keep_events,
            causal: false,
            kept: VecDeque::new(),
            scratch_events: Vec::new(),
            filled_now: Vec::new(),
            scratch_reports: VecDeque::new(),
        }
    }

    /// A venue with `cfg` whose book takes every update as it comes (`SequenceRule::None`).
    pub fn unchecked_book(cfg: SimConfig) -> Self {
        let mut h = Self::new(cfg, false);
        h.book = OrderBook::new(SequenceRule::None);
        h
    }

    /// Keeps the checked events for [`drain_due`](Self::drain_due).
    pub fn keeping_events(mut self) -> Self {
        self.keep_events = true;
        self
    }

    /// Delivers the requests that reached the venue by a trade's or a quote's time before the
    /// event, not after it as the engine does.
    pub fn causal(mut self) -> Self {
        self.causal = true;
        self
    }

    /// The requests that reached the venue by `ts`, against the market before the event at
    /// `ts` (and checked against it).
    fn deliver_before(&mut self, ts: UnixNanos) {
        self.venue.deliver(ts, &Books(&self.book), None);
        if self.venue.has_events() || self.venue.has_reports() {
            self.settle();
        }
    }

    /// The latest market event's time (the strategy's clock too: no feed latency).
    pub fn now(&self) -> UnixNanos {
        self.now
    }

    /// Arrival number of the latest market event.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Violations so far.
    pub fn violations(&self) -> &Violations {
        &self.violations
    }

    /// Figures so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Orders not final yet, as the checker knows them.
    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    fn tick(&mut self, ts: UnixNanos) {
        self.now = self.now.max(ts);
        self.seq += 1;
        self.stats.market_events += 1;
    }

    // ------------------------------------------------------------------------ market events

    /// A (re)snapshot of the book at `ts`: every level that changes goes through
    /// `on_depth_level` first, as a resync in the engine would.
    pub fn snapshot(&mut self, ts: UnixNanos, last_update_id: u64, bids: &[Level], asks: &[Level]) {
        self.tick(ts);
        self.venue.begin_depth(self.now);
        let (old_bids, old_asks) = (
            self.book.bids_best_first().collect::<Vec<_>>(),
            self.book.asks_best_first().collect::<Vec<_>>(),
        );
        for (is_bid, old, new) in [(true, &old_bids, bids), (false, &old_asks, asks)] {
            for l in old {
                if !new.iter().any(|n| n.price == l.price) {
                    self.venue
                        .on_depth_level(SYM, is_bid, l.price, l.qty, Qty::ZERO);
                }
            }
            for n in new {
                let prev = old
                    .iter()
                    .find(|l| l.price == n.price)
                    .map_or(Qty::ZERO, |l| l.qty);
                self.venue.on_depth_level(SYM, is_bid, n.price, prev, n.qty);
            }
        }
        self.book
            .apply_snapshot(last_update_id, bids, asks, None)
            .expect("snapshot applies");
        self.taken.0.clear();
        self.venue.deliver(self.now, &Books(&self.book), None);
        self.venue.after_depth(SYM, &self.book, self.now);
        self.settle();
    }

    /// A depth message at `ts` (levels absolute; qty 0 deletes), applied the engine's way:
    /// `begin_depth`, `on_depth_level` for each level with its size before, the update, the
    /// requests that arrived by `ts` (against the book it leaves), `after_depth`.
    pub fn depth(&mut self, ts: UnixNanos, ids: (u64, u64, u64), bids: &[Level], asks: &[Level]) {
        self.tick(ts);
        self.venue.begin_depth(self.now);
        for (is_bid, levels) in [(true, bids), (false, asks)] {
            for l in levels {
                let prev = if is_bid {
                    self.book.bid_qty_at(l.price)
                } else {
                    self.book.ask_qty_at(l.price)
                };
                if prev != l.qty {
                    self.venue.on_depth_level(SYM, is_bid, l.price, prev, l.qty);
                }
                // The venue updated this level: what our takers took from it is history.
                self.taken.0.remove(&(is_bid, l.price.units()));
            }
        }
        let u = DepthUpdate {
            ts_event: ts,
            ts_recv: ts,
            first_id: ids.0,
            last_id: ids.1,
            prev_id: ids.2,
            bids,
            asks,
            checksum: None,
        };
        let applied = self.book.apply_update(&u).expect("depth update applies");
        assert_eq!(
            applied,
            Applied::Applied,
            "the caller passes only updates the book takes"
        );
        assert!(self.book.is_valid(), "the book stays valid");
        self.venue.deliver(self.now, &Books(&self.book), None);
        self.venue.after_depth(SYM, &self.book, self.now);
        self.settle();
    }

    /// A trade print at `ts`; `buyer_maker`: the seller took (Binance's `m`).
    pub fn trade(&mut self, ts: UnixNanos, price: f64, qty: f64, buyer_maker: bool) {
        self.tick(ts);
        let mut t = Tick::empty(self.now, self.now, SYM);
        t.price = price;
        t.volume = qty;
        (t.buy_volume, t.sell_volume) = if buyer_maker { (0.0, qty) } else { (qty, 0.0) };
        self.on_tick(&t);
    }

    /// A best bid / ask update at `ts`.
    pub fn quote(&mut self, ts: UnixNanos, bid: f64, ask: f64, bid_qty: f64, ask_qty: f64) {
        self.tick(ts);
        let mut t = Tick::empty(self.now, self.now, SYM);
        (t.bid, t.ask, t.bid_qty, t.ask_qty) = (bid, ask, bid_qty, ask_qty);
        self.on_tick(&t);
    }

    fn on_tick(&mut self, t: &Tick) {
        if self.causal {
            self.deliver_before(self.now);
        }
        // The venue takes the requests that reached it inside `on_tick`, after the event shows.
        self.venue.on_tick(t, &Books(&self.book));
        self.settle();
    }

    /// Processes every request that arrived before `ts` without a market event (the end of a
    /// run).
    pub fn deliver_until(&mut self, ts: UnixNanos) {
        self.now = self.now.max(ts);
        self.venue.deliver(ts, &Books(&self.book), None);
        self.settle();
    }

    /// Tells the venue the position's liquidation price.
    pub fn set_liquidation(&mut self, liq: Option<(Side, f64)>) {
        self.venue.set_liquidation(SYM, liq);
    }

    // ------------------------------------------------------------------------ the order API

    /// Submits `o` now (decided on the latest market event): its id, or None when refused at
    /// once (the refusal is an event like any other).
    pub fn submit(&mut self, o: NewOrder) -> Option<OrderId> {
        let (side, kind) = (o.side, o.kind);
        let r = self.venue.submit(o, self.now, self.seq).ok();
        if let Some(id) = r {
            let mut t = Tracked::new();
            t.side = Some(side);
            match kind {
                OrderType::Limit { price, tif } => {
                    t.limit = Price::from_f64(price).ok();
                    t.post_only = tif == TimeInForce::PostOnly;
                    t.never_rests = matches!(tif, TimeInForce::Ioc | TimeInForce::Fok);
                    t.fok = tif == TimeInForce::Fok;
                }
                _ => t.never_rests = true,
            }
            self.open.insert(id.0, t);
        }
        r
    }

    /// Asks to cancel `client_id` now: the order it names, or None when no order has it (the
    /// venue answers `unknown_order` when the request arrives).
    pub fn cancel(&mut self, client_id: &ClientOrderId) -> Option<OrderId> {
        self.venue.cancel(client_id, self.now)
    }

    /// Asks to modify `client_id` now: the order it names, or None when refused at once or when
    /// no order has it (the venue answers `unknown_order` when the request arrives).
    pub fn modify(
        &mut self,
        client_id: &ClientOrderId,
        price: Option<f64>,
        qty: Option<f64>,
    ) -> Option<OrderId> {
        self.venue
            .modify(client_id, price, qty, self.now)
            .ok()
            .flatten()
    }

    /// Checked events whose local time is at most `now`, oldest first (with `keep_events`).
    pub fn drain_due(&mut self, now: UnixNanos, mut f: impl FnMut(OrderEvent)) {
        while self
            .kept
            .front()
            .is_some_and(|e| e.header().ts_local <= now)
        {
            if let Some(e) = self.kept.pop_front() {
                f(e);
            }
        }
    }

    /// Cancels everything still open, lets every request arrive, and checks that every order
    /// ended in a final state and that `counts()` agrees with the events.
    pub fn finish(&mut self) {
        for _ in 0..4 {
            let ids: Vec<ClientOrderId> = self
                .venue
                .open_orders()
                .iter()
                .map(|o| o.core().client_id.clone())
                .collect();
            if ids.is_empty() {
                break;
            }
            for c in &ids {
                let _ = self.venue.cancel(c, self.now);
            }
            let later = self.now + 3_600_000_000_000;
            self.deliver_until(later);
        }
        if !self.venue.open_orders().is_empty() || !self.open.is_empty() {
            let left: Vec<_> = self.open.iter().map(|(id, t)| (*id, t.status)).collect();
            self.violations.add(Kind::NotFinal, || {
                format!("orders still open after canceling everything: {left:?}")
            });
        }
        let counts = self.venue.counts();
        let ours = self.stats.finals;
        for (i, s) in OrderStatus::ALL.iter().enumerate() {
            let want = if s.is_final() { ours[i] } else { 0 };
            if counts.by_status[i] != want {
                self.violations.add(Kind::NotFinal, || {
                    format!(
                        "counts() says {} {}, the events {}",
                        counts.by_status[i],
                        s.as_str(),
                        want
                    )
                });
            }
        }
    }

    // ------------------------------------------------------------------------ the checks

    fn is_done(&self, id: u64) -> bool {
        self.done
            .get((id / 64) as usize)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    fn mark_done(&mut self, id: u64) {
        let i = (id / 64) as usize;
        if self.done.len() <= i {
            self.done.resize(i + 1, 0);
        }
        self.done[i] |= 1 << (id % 64);
    }

    /// Checks what the venue produced since the last call, in its order, against the book now.
    fn settle(&mut self) {
        let mut events = std::mem::take(&mut self.scratch_events);
        let mut reports = std::mem::take(&mut self.scratch_reports);
        events.clear();
        reports.clear();
        self.venue.drain_all(|e| events.push(e));
        reports.extend(self.venue.take_reports());
        for e in &events {
            self.check_event(e, &mut reports);
        }
        for r in reports.drain(..) {
            self.violations.add(Kind::ReportEvent, || {
                format!("report without a fill event: {r:?}")
            });
        }
        // Σ event fills of each order that filled and still works = its `filled` at the venue.
        for id in std::mem::take(&mut self.filled_now) {
            let Some(t) = self.open.get(&id) else {
                continue;
            };
            let core = self
                .venue
                .order(OrderId(id))
                .map(|o| o.core().filled.units());
            if core != Some(t.filled) {
                let ev = t.filled;
                self.violations.add(Kind::ReportEvent, || {
                    format!("order {id}: Σ event fills {ev}, the order's filled {core:?}")
                });
            }
        }
        let pos = self.venue.position(SYM);
        if pos != self.position {
            let want = self.position;
            self.violations.add(Kind::Position, || {
                format!("position() {pos} but Σ signed reports {want}")
            });
            self.position = pos;
        }
        self.check_queues();
        if self.keep_events {
            self.kept.extend(events.drain(..));
        }
        self.scratch_events = events;
        self.scratch_reports = reports;
    }

    /// `queue_ahead` of every order that rests.
    fn check_queues(&mut self) {
        for (&id, t) in &self.open {
            if t.join.is_none() || !t.status.is_working() {
                continue;
            }
            if let Some(AnyOrder::Limit(l)) = self.venue.order(OrderId(id)) {
                if let Some(q) = l.queue_ahead {
                    if !(q >= 0.0) {
                        self.violations
                            .add(Kind::QueueAhead, || format!("order {id} queue_ahead {q}"));
                    }
                }
            }
        }
    }

    fn check_event(
        &mut self,
        e: &OrderEvent,
        reports: &mut VecDeque<quantum_core::sim::ExecReport>,
    ) {
        let id = e.header().order_id.0;
        let transition = match e {
            OrderEvent::Accepted(_) => Transition::Accept,
            // A refused cancel or modify leaves the order as it was.
            OrderEvent::Rejected(r) if r.request != "new" => {
                self.stats.refused_requests += 1;
                return;
            }
            OrderEvent::Rejected(_) => Transition::Reject,
            OrderEvent::Triggered(_) => Transition::Trigger,
            OrderEvent::PartiallyFilled(_) => Transition::PartialFill,
            OrderEvent::Filled(_) => Transition::Fill,
            OrderEvent::Canceled(_) => Transition::Cancel,
            OrderEvent::Expired(_) => Transition::Expire,
            OrderEvent::Modified(_) => Transition::Modify,
        };
        if self.is_done(id) {
            let k = e.kind();
            self.violations.add(Kind::StateMachine, || {
                format!("order {id}: {k} after its final state")
            });
            return;
        }
        let mut t = self.open.remove(&id).unwrap_or_else(Tracked::new);
        match t.status.apply(transition) {
            Ok(s) => t.status = s,
            Err(err) => {
                let k = e.kind();
                self.violations
                    .add(Kind::StateMachine, || format!("order {id}: {k}: {err}"));
            }
        }
        match e {
            OrderEvent::Accepted(_) if t.limit.is_some() => {
                t.join = Some(self.next_join);
                self.next_join += 1;
            }
            OrderEvent::Triggered(_) => self.stats.triggered += 1,
            OrderEvent::Expired(x) if t.fok && t.filled > 0 => {
                let (f, left) = (t.filled, x.leaves);
                self.violations.add(Kind::TimeInForce, || {
                    format!("fill-or-kill order {id} expired with {f} filled, {left} left")
                });
            }
            OrderEvent::Modified(m) => {
                self.stats.modified += 1;
                t.limit = Some(m.price);
                if !m.kept_queue {
                    t.join = Some(self.next_join);
                    self.next_join += 1;
                }
            }
            _ => {}
        }
        if let Some(fill) = e.fill() {
            match reports.pop_front() {
                Some(r)
                    if r.order_id.0 == id
                        && r.qty == fill.qty
                        && r.price == fill.price
                        && r.liquidity == fill.liquidity =>
                {
                    self.check_fill(id, &mut t, &r);
                }
                other => {
                    let f = *fill;
                    self.violations.add(Kind::ReportEvent, || {
                        format!("order {id}: fill event {f:?}, next report {other:?}")
                    });
                }
            }
        }
        if e.fill().is_some() {
            self.filled_now.push(id);
        }
        if t.status.is_final() {
            self.stats.finals[OrderStatus::ALL
                .iter()
                .position(|&s| s == t.status)
                .unwrap_or(0)] += 1;
            self.mark_done(id);
        } else {
            self.open.insert(id, t);
        }
    }

    fn check_fill(&mut self, id: u64, t: &mut Tracked, r: &quantum_core::sim::ExecReport) {
        t.side.get_or_insert(r.side);
        t.filled += r.qty.units();
        let signed = if r.side == OrderSide::Buy {
            r.qty.units()
        } else {
            -r.qty.units()
        };
        let (before, after) = (self.position, self.position + signed);
        self.position = after;
        if r.reduce_only && (after.abs() > before.abs() || after.signum() * before.signum() < 0) {
            self.violations.add(Kind::ReduceOnly, || {
                format!("reduce-only order {id} took the position from {before} to {after}")
            });
        }
        match r.liquidity {
            LiquiditySide::Maker => {
                self.stats.maker_fills += 1;
                self.stats.maker_qty += r.qty.units();
                if t.limit != Some(r.price) {
                    let lim = t.limit;
                    self.violations.add(Kind::MakerPrice, || {
                        format!("order {id}: maker fill at {} but limit {lim:?}", r.price)
                    });
                }
                self.check_fifo(id, t, r);
                if t.never_rests {
                    self.violations.add(Kind::TimeInForce, || {
                        format!("order {id} never rests but filled as maker: {r:?}")
                    });
                }
            }
            LiquiditySide::Taker => {
                self.stats.taker_fills += 1;
                self.stats.taker_qty += r.qty.units();
                if t.post_only {
                    self.violations.add(Kind::PostOnlyTaker, || {
                        format!("post-only order {id} took {r:?}")
                    });
                }
                self.check_taker(id, t, r);
            }
        }
    }

    fn check_taker(&mut self, id: u64, t: &Tracked, r: &quantum_core::sim::ExecReport) {
        if let Some(limit) = t.limit {
            let beyond = match r.side {
                OrderSide::Buy => r.price > limit,
                OrderSide::Sell => r.price < limit,
            };
            if beyond {
                self.violations.add(Kind::TakerPrice, || {
                    format!(
                        "order {id}: taker fill at {} beyond its limit {limit}",
                        r.price
                    )
                });
            }
        }
        if !self.book.is_valid() {
            return;
        }
        // A buy takes asks, a sell bids.
        let from_bids = r.side == OrderSide::Sell;
        let (best, shown) = if from_bids {
            (
                self.book.best_bid().map(|l| l.price),
                self.book.bid_qty_at(r.price),
            )
        } else {
            (
                self.book.best_ask().map(|l| l.price),
                self.book.ask_qty_at(r.price),
            )
        };
        let better = match (r.side, best) {
            (_, None) => true,
            (OrderSide::Buy, Some(b)) => r.price < b,
            (OrderSide::Sell, Some(b)) => r.price > b,
        };
        if better {
            self.violations.add(Kind::TakerPrice, || {
                format!(
                    "order {id}: taker {:?} at {} but the touch is {best:?}",
                    r.side, r.price
                )
            });
        }
        let taken = self.taken.get(from_bids, r.price);
        let available = shown.units() - taken;
        if r.qty.units() > available {
            let q = r.qty.units();
            self.violations.add(Kind::Liquidity, || {
                format!(
                    "order {id}: took {q} at {} where the book shows {} and our takers already took {taken}",
                    r.price,
                    shown.units()
                )
            });
        }
        *self
            .taken
            .0
            .entry((from_bids, r.price.units()))
            .or_insert(0) += r.qty.units();
    }

    fn check_fifo(&mut self, id: u64, t: &Tracked, r: &quantum_core::sim::ExecReport) {
        let Some(join) = t.join else { return };
        for (&other, o) in &self.open {
            let earlier = o.join.is_some_and(|j| j < join);
            if earlier
                && o.side == Some(r.side)
                && o.limit == Some(r.price)
                && o.status.is_working()
            {
                self.violations.add(Kind::Fifo, || {
                    format!(
                        "order {id} filled {} at {} while order {other}, earlier at the level, is still {}",
                        r.qty,
                        r.price,
                        o.status.as_str()
                    )
                });
            }
        }
    }
}

/// `x` as a price (exact for the decimals exchanges send).
pub fn px(x: f64) -> Price {
    Price::from_f64(x).expect("price")
}

/// `x` as a quantity.
pub fn qty(x: f64) -> Qty {
    Qty::from_f64(x).expect("quantity")
}
