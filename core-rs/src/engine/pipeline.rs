//! The tick pipeline: sanitizer → features → pending fills → marks, funding, exits → DRB-Guard
//! drawdown → strategies → decisions. `on_tick` (live) and `run` (backtest) both call
//! [`Engine::process`]'s per-tick code, so the same ticks give the same trades bit for bit on
//! either path; `run` hands runs of quiet ticks to a lean copy of it ([`quiet`]), built from the
//! same functions and checked against it event for event (`tests/batch_equivalence.rs`).

use std::borrow::Cow;

use thiserror::Error;

use super::config::EngineConfig;
use super::depth::{BookSlot, DepthColumns};
use crate::book::{BookStats, Level, SequenceRule};
use super::event::{Event, EventSink};
use super::stats::{EngineStats, EquityTracker};
use crate::portfolio::{
    Account, ConstantFees, ConstantLatency, ExitReason, FeeModel, LatencyModel, OpenParams, Position,
    PriceModel, QuoteOrSlippage, Trade,
};
use crate::risk::{DrbGuard, EntryRequest, HaltReason, RiskReject, RiskState};
use crate::sanitizer::{RejectCounts, RejectReason, Sanitizer, SymbolGuard, SCREEN_CHUNK};
use crate::strategy::{
    CustomStrategy, FeatureSnapshot, InputChunk, Signal, SignalDraft, StrategyError, SymbolFeatures, TickFeatures,
    INPUT_CHUNK,
};
use crate::tick::{Tick, TickColumns};
use crate::types::{utc_day, Money, OrderSide, Price, Qty, Side, SymbolId, UnixNanos};

mod quiet;

/// Ticks per chunk of the batch path: the chunk's ticks (their hot fields, the first cache line
/// of each), prices, flags and feature inputs stay in L1 (about 20 KB at 128), and the chunk
/// passes' fixed cost per chunk (set-up, reductions) is spread over twice the ticks of 64.
const BATCH_CHUNK: usize = min(min(SCREEN_CHUNK, INPUT_CHUNK), 128);

const fn min(a: usize, b: usize) -> usize {
    if a < b { a } else { b }
}

/// Most symbols one engine tracks (ids are dense small integers).
pub const MAX_SYMBOLS: u32 = 65_536;

/// Errors that stop the engine or refuse an order.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The configuration is invalid.
    #[error("invalid config: {0}")]
    Config(String),
    /// A tick batch's columns do not fit together.
    #[error(transparent)]
    Columns(#[from] crate::tick::columns::ColumnsError),
    /// A symbol id is beyond [`MAX_SYMBOLS`].
    #[error("symbol id {0} is out of range (max {MAX_SYMBOLS})")]
    SymbolOutOfRange(SymbolId),
    /// A custom strategy failed.
    #[error(transparent)]
    Strategy(#[from] StrategyError),
    /// DRB-Guard refused an order.
    #[error("order rejected by DRB-Guard: {0}")]
    Risk(#[from] RiskReject),
    /// An order conflicts with the symbol's position or pending order.
    #[error("order refused: {0}")]
    Order(&'static str),
}

/// An entry waiting for its fill tick.
#[derive(Debug, Clone)]
struct PendingEntry {
    side: Side,
    qty: Qty,
    leverage: f64,
    confidence: f64,
    strategy: Cow<'static, str>,
}

/// Orders decided for a symbol, filled together on its next eligible tick (exit first).
#[derive(Debug, Clone)]
struct PendingOrder {
    decided_at: UnixNanos,
    decided_seq: u64,
    exit: Option<ExitReason>,
    entry: Option<PendingEntry>,
}

#[derive(Debug, Clone)]
struct SymbolState {
    guard: SymbolGuard,
    features: SymbolFeatures,
    pending: Option<PendingOrder>,
    funding_rate: f64,
    funding_period: i64,
    last_price: f64,
}

/// Counts a rejected tick and reports it to a sink that wants it.
#[cold]
fn count_rejection<S: EventSink>(rejects: &mut RejectCounts, stats: &mut EngineStats, t: &Tick, reason: RejectReason, sink: &mut S) {
    rejects.add(reason);
    stats.ticks_rejected += 1;
    if sink.wants_tick_rejections() {
        sink.emit(Event::TickRejected { ts_event: t.ts_event, symbol: t.symbol, reason });
    }
}

/// Which built-in strategies run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BuiltinSet {
    liquidation_hunter: bool,
    order_flow: bool,
    volatility_fader: bool,
    ema_cross: bool,
}

impl BuiltinSet {
    /// The default configuration's: SPEC's three, without EMA-cross.
    const DEFAULT: BuiltinSet =
        BuiltinSet { liquidation_hunter: true, order_flow: true, volatility_fader: true, ema_cross: false };

    #[inline(always)]
    fn of(c: &EngineConfig) -> BuiltinSet {
        BuiltinSet {
            liquidation_hunter: c.liquidation_hunter.enabled,
            order_flow: c.order_flow.enabled,
            volatility_fader: c.volatility_fader.enabled,
            ema_cross: c.ema_cross.enabled,
        }
    }
}

/// Reports a signal decided on tick `t` at `price` (only the tick's clocks and symbol are read).
#[inline(always)]
fn emit_signal<S: EventSink>(t: &Tick, price: f64, draft: SignalDraft, strategy: Cow<'static, str>, sink: &mut S) {
    sink.emit(Event::Signal(Signal {
        ts_event: t.ts_event,
        ts_recv: t.ts_recv,
        symbol: t.symbol,
        target: draft.target,
        price,
        confidence: draft.confidence,
        strategy,
        reason: draft.reason,
    }));
}

/// DRB-Guard's answer to an entry sized to zero at `price`. A zero size has a zero notional,
/// which DRB-Guard's first checks always refuse (and they change no state): after the price
/// check, their answer is the whole answer, without the notional, the open count or the request.
#[inline]
fn zero_size_reject(guard: &DrbGuard, risk: &RiskState, equity: Money, price: f64) -> RiskReject {
    if !crate::types::fits_units(price) {
        return RiskReject::ZeroSize;
    }
    guard.check_basics(risk, equity, Money::ZERO).err().unwrap_or(RiskReject::ZeroSize)
}

/// The sanitizer's whole check of tick `i` of a batch the screen flagged: out of line, so a
/// loop that calls it keeps no pointer into every column.
#[cold]
#[inline(never)]
fn check_unscreened(
    sanitizer: &Sanitizer,
    cols: &TickColumns<'_>,
    i: usize,
    guard: &mut SymbolGuard,
) -> Result<f64, RejectReason> {
    sanitizer.check_priced(&cols.tick(i), guard)
}

/// The trading engine of one account.
pub struct Engine {
    config: EngineConfig,
    sanitizer: Sanitizer,
    guard: DrbGuard,
    risk: RiskState,
    account: Account,
    symbols: Vec<SymbolState>,
    customs: Vec<Box<dyn CustomStrategy>>,
    latency: ConstantLatency,
    prices: QuoteOrSlippage,
    fees: ConstantFees,
    open_params: OpenParams,
    stats: EngineStats,
    rejects: RejectCounts,
    equity: EquityTracker,
    /// The equity DRB-Guard and the equity tracker saw last, while DRB-Guard is settled on it
    /// ([`DrbGuard::is_settled`]); None after anything else changed the drawdown state.
    settled_equity: Option<Money>,
    trades: Vec<Trade>,
    books: Vec<Option<BookSlot>>,
    book_rule: SequenceRule,
    scratch: (Vec<Level>, Vec<Level>),
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("stats", &self.stats).finish_non_exhaustive()
    }
}

fn check_config(c: &EngineConfig) -> Result<Money, EngineError> {
    let bad = |m: &str| Err(EngineError::Config(m.to_string()));
    let e = &c.execution;
    if !(c.initial_capital > 0.0) {
        return bad("initial_capital must be > 0");
    }
    if !(e.leverage >= 1.0) {
        return bad("execution.leverage must be >= 1");
    }
    if !(e.take_profit.is_none_or(|f| f > 0.0) && e.stop_loss.is_none_or(|f| f > 0.0 && f < 1.0)) {
        return bad("execution.take_profit and stop_loss must be positive fractions");
    }
    if !(e.qty_step > 0.0) || e.latency_ns < 0 || e.funding_interval_ns <= 0 {
        return bad("execution.qty_step and funding_interval_ns must be > 0, latency_ns >= 0");
    }
    if c.equity_sample_ns <= 0 {
        return bad("equity_sample_ns must be > 0");
    }
    let f = &c.features;
    if f.rsi_period == 0 || f.tr_window == 0 || f.liquidity_window == 0 {
        return bad("feature windows must be > 0");
    }
    if f.tr_window > crate::strategy::MAX_WINDOW || f.liquidity_window > crate::strategy::MAX_WINDOW {
        return bad("feature windows must be <= 256");
    }
    let r = &c.risk;
    if !(r.max_drawdown > 0.0 && r.max_drawdown <= 1.0 && r.max_position_notional > 0.0) {
        return bad("risk.max_drawdown must be in (0, 1] and max_position_notional > 0");
    }
    if c.risk.fixed_qty.is_some_and(|q| !(q > 0.0 && q.is_finite())) {
        return bad("risk.fixed_qty must be a positive number when set");
    }
    if !(c.book.depth_bps > 0.0) {
        return bad("book.depth_bps must be > 0");
    }
    c.book.sequence_rule().map_err(EngineError::Config)?;
    Money::from_f64(c.initial_capital).map_err(|e| EngineError::Config(e.to_string()))
}

impl Engine {
    /// A flat engine with `config`.
    pub fn new(config: EngineConfig) -> Result<Self, EngineError> {
        let capital = check_config(&config)?;
        let e = &config.execution;
        Ok(Engine {
            sanitizer: Sanitizer::new(config.sanitizer.clone()),
            guard: DrbGuard::new(config.risk.clone()),
            risk: RiskState::new(capital),
            account: Account::new(capital),
            symbols: Vec::new(),
            customs: Vec::new(),
            latency: ConstantLatency(e.latency_ns),
            prices: QuoteOrSlippage { slippage_bps: e.slippage_bps },
            fees: ConstantFees { taker_bps: e.taker_fee_bps, maker_bps: e.maker_fee_bps },
            open_params: OpenParams {
                leverage: e.leverage,
                take_profit: e.take_profit,
                stop_loss: e.stop_loss,
                maintenance_margin: e.maintenance_margin,
            },
            stats: EngineStats::default(),
            rejects: RejectCounts::default(),
            equity: EquityTracker::new(capital, config.equity_sample_ns),
            settled_equity: None,
            trades: Vec::new(),
            books: Vec::new(),
            book_rule: config.book.sequence_rule().map_err(EngineError::Config)?,
            scratch: (Vec::new(), Vec::new()),
            config,
        })
    }

    /// Adds a custom strategy (evaluated after the built-ins, in insertion order). Custom
    /// strategies see the EMA: if nothing read it before, it starts with the next tick.
    pub fn add_strategy(&mut self, s: Box<dyn CustomStrategy>) {
        self.customs.push(s);
        for st in &mut self.symbols {
            st.features.start_ema();
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Counters.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// Tick rejections by reason.
    pub fn tick_rejections(&self) -> &RejectCounts {
        &self.rejects
    }

    /// The account ledger.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// DRB-Guard's state.
    pub fn risk_state(&self) -> &RiskState {
        &self.risk
    }

    /// Closed trades, in closing order.
    pub fn trades(&self) -> &[Trade] {
        &self.trades
    }

    /// Equity curve and drawdown statistics.
    pub fn equity_tracker(&self) -> &EquityTracker {
        &self.equity
    }

    #[inline]
    fn state(&mut self, symbol: SymbolId) -> Result<&mut SymbolState, EngineError> {
        let idx = symbol as usize;
        if idx >= self.symbols.len() {
            self.add_symbols(symbol)?;
        }
        Ok(&mut self.symbols[idx])
    }

    #[cold]
    fn add_symbols(&mut self, symbol: SymbolId) -> Result<(), EngineError> {
        if symbol >= MAX_SYMBOLS {
            return Err(EngineError::SymbolOutOfRange(symbol));
        }
        let mut features = SymbolFeatures::new(&self.config.features);
        if !self.config.ema_cross.enabled && self.customs.is_empty() {
            features = features.without_ema();
        }
        self.symbols.resize(
            symbol as usize + 1,
            SymbolState {
                guard: SymbolGuard::default(),
                features,
                pending: None,
                funding_rate: f64::NAN,
                funding_period: i64::MIN,
                last_price: f64::NAN,
            },
        );
        Ok(())
    }

    /// Runs a whole batch through the pipeline of [`process`](Self::process), in order. The
    /// sanitizer's stateless checks and the features' per-tick inputs run over the columns a
    /// chunk at a time first ([`Sanitizer::screen`], [`InputChunk::fill`]); each tick then takes
    /// the same per-tick path as `process`.
    pub fn run<S: EventSink>(&mut self, cols: &TickColumns<'_>, sink: &mut S) -> Result<(), EngineError> {
        cols.validate()?;
        if !self.books.is_empty() {
            // Ticks seen through a book change before the sanitizer sees them: no screening.
            for i in 0..cols.len() {
                self.process(&cols.tick(i), sink)?;
            }
            return Ok(());
        }
        let mut ticks = [Tick::empty(0, 0, 0); BATCH_CHUNK];
        let mut price = [0.0f64; BATCH_CHUNK];
        let mut clean = [false; BATCH_CHUNK];
        let mut inputs = InputChunk::default();
        let source = self.config.features.imbalance_source;
        let mut start = 0;
        while start < cols.len() {
            let m = BATCH_CHUNK.min(cols.len() - start);
            cols.write_hot(start, &mut ticks[..m]);
            self.sanitizer.screen(cols, start, &mut price[..m], &mut clean[..m]);
            inputs.fill(cols, start, m, source);
            // Custom strategies cannot come or go during a run: the loop without them is a copy
            // with no trace of their path (a smaller loop, fewer values kept in registers).
            if self.customs.is_empty() {
                let mut k = 0;
                while k < m {
                    // A run of quiet ticks takes the lean loop; the tick that ends it (another
                    // symbol's, or the one after an order was decided) takes the whole path.
                    if self.is_quiet(ticks[k].symbol) {
                        let chunk = quiet::Chunk {
                            ticks: &ticks[..m],
                            clean: &clean[..m],
                            price: &price[..m],
                            inputs: &inputs,
                            cols,
                            start,
                            plain: cols.symbol.is_none()
                                && cols.funding_rate.is_none()
                                && clean[..m].iter().all(|&c| c),
                        };
                        k = self.run_quiet(&chunk, k, sink);
                        if k == m {
                            break;
                        }
                    }
                    let t = &ticks[k];
                    self.begin_tick(t.symbol)?;
                    // `t` holds the hot fields; the rare paths that read more take the whole tick.
                    let i = start + k;
                    let screened = clean[k].then_some(price[k]);
                    self.process_checked(t, screened, Some((&inputs, k)), false, move || cols.tick(i), sink)?;
                    k += 1;
                }
            } else {
                for (k, ((t, &ok), &p)) in ticks[..m].iter().zip(&clean[..m]).zip(&price[..m]).enumerate() {
                    self.begin_tick(t.symbol)?;
                    let i = start + k;
                    self.process_checked(t, ok.then_some(p), Some((&inputs, k)), true, move || cols.tick(i), sink)?;
                }
            }
            start += m;
        }
        Ok(())
    }

    /// Runs ticks and depth messages merged in arrival order. `tick_seq` / `depth_seq` are
    /// increasing arrival numbers from one counter (e.g. capture line numbers); without them the
    /// merge is by receive time, depth first on ties (a book update precedes the quote it made).
    pub fn run_with_depth<S: EventSink>(
        &mut self,
        ticks: &TickColumns<'_>,
        depth: &DepthColumns<'_>,
        order: Option<(&[i64], &[i64])>,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        ticks.validate()?;
        depth.validate()?;
        if let Some((ts, ds)) = order {
            if ts.len() != ticks.len() || ds.len() != depth.len() {
                return Err(EngineError::Config("arrival order arrays must match the batches".into()));
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ticks.len() || j < depth.len() {
            let depth_next = j < depth.len()
                && (i >= ticks.len()
                    || match order {
                        Some((ts, ds)) => ds[j] < ts[i],
                        None => depth.ts_recv[j] <= ticks.ts_recv.map_or(ticks.ts_event[i], |r| r[i]),
                    });
            if depth_next {
                self.process_depth(depth, j)?;
                j += 1;
            } else {
                self.process(&ticks.tick(i), sink)?;
                i += 1;
            }
        }
        Ok(())
    }

    /// Applies depth message `i` to its symbol's book.
    pub fn process_depth(&mut self, depth: &DepthColumns<'_>, i: usize) -> Result<(), EngineError> {
        let symbol = depth.symbol[i];
        self.state(symbol)?;
        let idx = symbol as usize;
        if self.books.len() <= idx {
            self.books.resize(idx + 1, None);
        }
        let rule = self.book_rule;
        let slot = self.books[idx].get_or_insert_with(|| BookSlot::new(rule));
        let (bids, asks) = &mut self.scratch;
        slot.apply(depth, i, bids, asks);
        Ok(())
    }

    /// Book counters summed over symbols.
    pub fn book_stats(&self) -> Option<BookStats> {
        let mut any = false;
        let mut total = BookStats::default();
        for s in self.books.iter().flatten() {
            any = true;
            let b = s.stats();
            total.updates_applied += b.updates_applied;
            total.levels_applied += b.levels_applied;
            total.gaps += b.gaps;
            total.checksum_failures += b.checksum_failures;
            total.crossed += b.crossed;
            total.resyncs += b.resyncs;
            total.stale_skipped += b.stale_skipped;
        }
        any.then_some(total)
    }

    /// The book of a symbol, when depth data drives one.
    pub fn book(&self, symbol: SymbolId) -> Option<&BookSlot> {
        self.books.get(symbol as usize).and_then(Option::as_ref)
    }

    /// A tick seen through its symbol's book: near-touch depth replaces the quote sizes (the
    /// liquidity the strategies score), and a missing quote is taken from the book's top.
    /// `Err` when the book exists but is not valid.
    #[inline]
    fn through_book(&self, t: &Tick) -> Result<Option<Tick>, RejectReason> {
        let Some(Some(slot)) = self.books.get(t.symbol as usize) else { return Ok(None) };
        if !slot.is_valid() {
            return Err(RejectReason::BookInvalid);
        }
        let book = slot.book();
        let mut out = *t;
        let (bid_depth, ask_depth) = book.depth_within_bps(self.config.book.depth_bps);
        out.bid_qty = bid_depth;
        out.ask_qty = ask_depth;
        if !out.has_quote() {
            if let (Some(b), Some(a)) = (book.best_bid(), book.best_ask()) {
                out.bid = b.price.to_f64();
                out.ask = a.price.to_f64();
            }
        }
        Ok(Some(out))
    }

    /// Processes one tick through the whole pipeline.
    #[inline]
    pub fn process<S: EventSink>(&mut self, t: &Tick, sink: &mut S) -> Result<(), EngineError> {
        self.begin_tick(t.symbol)?;
        // Without depth data there are no books: skip the lookup (and the tick copy) entirely.
        if self.books.is_empty() {
            return self.process_checked(t, None, None, !self.customs.is_empty(), || *t, sink);
        }
        match self.through_book(t) {
            Ok(Some(e)) => self.process_checked(&e, None, None, !self.customs.is_empty(), || e, sink),
            Ok(None) => self.process_checked(t, None, None, !self.customs.is_empty(), || *t, sink),
            Err(reason) => {
                self.reject_tick(t, reason, sink);
                Ok(())
            }
        }
    }

    /// The current tick's arrival number: the ticks processed so far, this one included. A
    /// pending order fills only on a later arrival.
    #[inline(always)]
    fn seq(&self) -> u64 {
        self.stats.ticks_processed
    }

    /// Counts a tick in and makes sure its symbol has state.
    #[inline(always)]
    fn begin_tick(&mut self, symbol: SymbolId) -> Result<(), EngineError> {
        // The count is also the tick's arrival number ([`seq`](Self::seq)).
        self.stats.ticks_processed += 1;
        // Not `state`: the caller indexes the state itself, and a second index costs a check.
        if symbol as usize >= self.symbols.len() {
            self.add_symbols(symbol)?;
        }
        Ok(())
    }

    /// The pipeline from the sanitizer on. `screened` is the reference price of a tick already
    /// known to pass the sanitizer's stateless checks ([`Sanitizer::screen`]); None runs them.
    /// `inputs` hold the tick's feature inputs when already computed ([`InputChunk::fill`]):
    /// the chunk and the tick's row in it. `customs` tells whether custom strategies are set.
    ///
    /// `t` may hold only the hot fields ([`TickColumns::write_hot`]: clocks, symbol,
    /// liquidation side, funding rate, high, low) and `full` gives the whole tick: every tick
    /// reads `t` and `inputs`, the rare paths (the stateless checks of an unscreened tick,
    /// fills, open positions, the kill switch, custom strategies) read `full()`.
    #[inline(always)]
    fn process_checked<S: EventSink>(
        &mut self,
        t: &Tick,
        screened: Option<f64>,
        inputs: Option<(&InputChunk, usize)>,
        customs: bool,
        full: impl Fn() -> Tick,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        // One lookup of the symbol's state for the sanitizer, the features and the pending check.
        let idx = t.symbol as usize;
        let st = &mut self.symbols[idx];
        let verdict = match screened {
            Some(price) => self.sanitizer.check_stateful(t.ts_event, price, &mut st.guard).map(|()| price),
            None => self.sanitizer.check_priced(&full(), &mut st.guard),
        };
        let price = match verdict {
            Ok(price) => price,
            Err(reason) => {
                self.reject_tick(t, reason, sink);
                return Ok(());
            }
        };
        if crate::strategy::finite(t.funding_rate) {
            st.funding_rate = t.funding_rate;
        }
        st.last_price = price;
        let has_pending = st.pending.is_some();
        self.stats.ticks_accepted += 1;
        let symbol = t.symbol;
        self.equity.on_time(t.ts_event, self.account.open_count() > 0);

        if has_pending {
            self.fill_pending_due(&full(), sink);
        }
        // A flat account (the usual state) holds no position in this symbol: skip the lookup.
        if self.account.open_count() > 0 && self.account.position(symbol).is_some() {
            self.on_open_position(&full(), price, sink);
        }
        let equity = self.account.equity();
        if self.settled_equity == Some(equity) {
            // The equity is the one DRB-Guard and the tracker saw last and DRB-Guard is settled
            // on it (a flat account's equity stays put for millions of ticks): its check would
            // change nothing and not trip, and the tracker needs only the clock's part.
            self.equity.on_same_equity(t.ts_event);
        } else {
            if self.guard.on_equity(&mut self.risk, equity) {
                self.trip_kill_switch(&full(), equity, sink);
            }
            self.equity.on_equity(t.ts_event, equity);
            self.settled_equity = self.guard.is_settled(&self.risk, equity).then_some(equity);
        }

        // The features after the account's part (neither reads what the other changes): their
        // inputs are read from the chunk here, and neither they nor the snapshot live across
        // the fills and the equity checks (fewer values spilled to the stack).
        let feats = &mut self.symbols[idx].features;
        let snap = match inputs {
            Some((chunk, k)) => feats.observe_inputs(t, price, &chunk.get(k)),
            None => feats.observe_values(&full(), price),
        };
        // Built-ins first, then custom strategies; the highest confidence wins, ties keep the
        // first. The windows take this tick only after every strategy has seen it.
        let builtin = Self::evaluate_builtins(&self.config, t, &snap, feats);
        if !customs {
            feats.commit(price);
            if let Some((draft, name)) = builtin {
                self.on_signal(t, price, (draft, Cow::Borrowed(name)), sink);
            }
        } else {
            let best = self.evaluate_customs(&full(), snap, builtin)?;
            self.symbols[idx].features.commit(price);
            if let Some(draft) = best {
                self.on_signal(t, price, draft, sink);
            }
        }
        Ok(())
    }

    /// Counts a rejected tick. Reads only its exchange time and symbol (hot fields).
    #[cold]
    fn reject_tick<S: EventSink>(&mut self, t: &Tick, reason: RejectReason, sink: &mut S) {
        count_rejection(&mut self.rejects, &mut self.stats, t, reason, sink);
    }

    /// The winning built-in strategy and its name (no allocation, nothing to drop).
    #[inline(always)]
    fn evaluate_builtins(
        c: &EngineConfig,
        t: &Tick,
        snap: &TickFeatures,
        feats: &SymbolFeatures,
    ) -> Option<(SignalDraft, &'static str)> {
        Self::evaluate_builtin_set(c, BuiltinSet::of(c), t, snap, feats)
    }

    /// [`evaluate_builtins`](Self::evaluate_builtins) with the set of enabled strategies given:
    /// a loop that knows it at compile time ([`BuiltinSet::DEFAULT`]) tests nothing per tick.
    #[inline(always)]
    fn evaluate_builtin_set(
        c: &EngineConfig,
        on: BuiltinSet,
        t: &Tick,
        snap: &TickFeatures,
        feats: &SymbolFeatures,
    ) -> Option<(SignalDraft, &'static str)> {
        let mut best: Option<(SignalDraft, &'static str)> = None;
        let mut consider = |d: Option<SignalDraft>, name: &'static str| {
            if let Some(d) = d {
                if best.as_ref().is_none_or(|(b, _)| d.confidence > b.confidence) {
                    best = Some((d, name));
                }
            }
        };
        if on.liquidation_hunter {
            consider(c.liquidation_hunter.evaluate(t, snap), "liquidation_hunter");
        }
        if on.order_flow {
            consider(c.order_flow.evaluate(snap, feats), "order_flow");
        }
        if on.volatility_fader {
            consider(c.volatility_fader.evaluate(snap), "volatility_fader");
        }
        if on.ema_cross {
            consider(c.ema_cross.evaluate(snap), "ema_cross");
        }
        best
    }

    /// Custom strategies after the built-ins' winner `best`; a custom strategy's name is copied
    /// only when it wins.
    #[inline(never)]
    fn evaluate_customs(
        &mut self,
        t: &Tick,
        // By value: the features' address never escapes the hot path, so they stay in registers.
        snap: TickFeatures,
        best: Option<(SignalDraft, &'static str)>,
    ) -> Result<Option<(SignalDraft, Cow<'static, str>)>, EngineError> {
        let full = FeatureSnapshot { liquidity: self.symbols[t.symbol as usize].features.liquidity(), ..snap.snapshot() };
        let mut best = best.map(|(d, name)| (d, Cow::Borrowed(name)));
        for s in &mut self.customs {
            if let Some(d) = s.on_tick(t, &full)? {
                if best.as_ref().is_none_or(|(b, _)| d.confidence > b.confidence) {
                    best = Some((d, Cow::Owned(s.name().to_string())));
                }
            }
        }
        Ok(best)
    }

    /// Acts on the winning signal. Reads only the tick's clocks and symbol (the batch path
    /// passes a tick with only its hot fields set).
    fn on_signal<S: EventSink>(
        &mut self,
        t: &Tick,
        price: f64,
        (draft, strategy): (SignalDraft, Cow<'static, str>),
        sink: &mut S,
    ) {
        self.stats.signals += 1;
        let (target, confidence) = (draft.target, draft.confidence);
        emit_signal(t, price, draft, strategy.clone(), sink);
        let symbol = t.symbol;
        let held = self.account.position(symbol).map(|p| p.side);
        let busy = !self.config.auto_execute || self.symbols[symbol as usize].pending.is_some();
        let Some(side) = target.side() else {
            // Flat: close what is open, open nothing.
            if busy || held.is_none() {
                self.stats.signals_ignored += 1;
            } else {
                self.symbols[symbol as usize].pending = Some(PendingOrder {
                    decided_at: t.ts_recv,
                    decided_seq: self.seq(),
                    exit: Some(ExitReason::Signal),
                    entry: None,
                });
            }
            return;
        };
        if busy || held == Some(side) {
            self.stats.signals_ignored += 1;
            return;
        }
        let reverse = held.is_some();
        let entry = match self.size_entry(symbol, price, None, self.open_params.leverage, t.ts_event) {
            Ok(qty) => Some(PendingEntry {
                side,
                qty,
                leverage: self.open_params.leverage,
                confidence,
                strategy,
            }),
            Err(reason) => {
                self.stats.orders_rejected[reason as usize] += 1;
                sink.emit(Event::OrderRejected { ts_recv: t.ts_recv, symbol, side, reason });
                None
            }
        };
        if reverse || entry.is_some() {
            self.symbols[symbol as usize].pending = Some(PendingOrder {
                decided_at: t.ts_recv,
                decided_seq: self.seq(),
                exit: reverse.then_some(ExitReason::Reverse),
                entry,
            });
        }
    }

    /// Sizes an entry and runs DRB-Guard on it; returns the quantity to buy or sell.
    fn size_entry(
        &mut self,
        symbol: SymbolId,
        price: f64,
        qty: Option<f64>,
        leverage: f64,
        ts_event: UnixNanos,
    ) -> Result<Qty, RiskReject> {
        let equity = self.account.equity();
        let step = self.config.execution.qty_step;
        let raw = match qty {
            Some(q) => q,
            None => match self.config.risk.fixed_qty {
                Some(q) => q,
                None => {
                    // A zero fraction (Kelly sizing to zero is common) sizes to zero whatever the
                    // equity and price: skip their conversion and the division.
                    let fraction = self.guard.size_fraction_cached(&mut self.risk);
                    if fraction == 0.0 { 0.0 } else { fraction * equity.to_f64() / price }
                }
            },
        };
        // A zero raw size (Kelly sizing to zero is common) rounds to zero: skip the float rounding.
        let q = if raw == 0.0 { Qty::ZERO } else { Qty::from_f64((raw / step).floor() * step).unwrap_or(Qty::ZERO) };
        if q.is_zero() {
            return Err(zero_size_reject(&self.guard, &self.risk, equity, price));
        }
        let price_fx = crate::types::Price::from_f64(price).map_err(|_| RiskReject::ZeroSize)?;
        let notional = q.notional(price_fx);
        // DRB-Guard refuses a zero notional before it looks at the open count: skip the scan
        // over every symbol's pending order then (a tiny size can round to a zero notional).
        let open = if notional.units() > 0 {
            let reversing = self.account.position(symbol).is_some();
            let pending_entries =
                self.symbols.iter().filter(|s| s.pending.as_ref().is_some_and(|p| p.entry.is_some())).count();
            self.account.open_count() - u32::from(reversing) + pending_entries as u32
        } else {
            0
        };
        let req = EntryRequest {
            notional,
            leverage,
            equity,
            open_positions: open,
            day: utc_day(ts_event),
        };
        self.guard.check_entry(&mut self.risk, &req)?;
        Ok(q)
    }

    /// Fills the symbol's pending order if it is due. Most ticks have none: the caller checks
    /// that inline, and this stays out of line.
    #[inline(never)]
    fn fill_pending_due<S: EventSink>(&mut self, t: &Tick, sink: &mut S) {
        let idx = t.symbol as usize;
        let due = match &self.symbols[idx].pending {
            Some(p) => self.seq() > p.decided_seq && t.ts_recv >= self.latency.fill_after(p.decided_at),
            None => false,
        };
        if !due {
            return;
        }
        let Some(order) = self.symbols[idx].pending.take() else { return };
        if let Some(reason) = order.exit {
            if let Some(pos) = self.account.position(t.symbol) {
                let px = self.prices.market_price(OrderSide::opening(pos.side.opposite()), t);
                self.close(t, px, reason, false, Some(order.decided_at), sink);
            }
        }
        if let Some(e) = order.entry {
            // A halt between decision and fill cancels the entry: the kill switch wins.
            if self.risk.halted.is_some() {
                self.stats.orders_rejected[RiskReject::Halted as usize] += 1;
                sink.emit(Event::OrderRejected {
                    ts_recv: t.ts_recv,
                    symbol: t.symbol,
                    side: e.side,
                    reason: RiskReject::Halted,
                });
                return;
            }
            let px = self.prices.market_price(OrderSide::opening(e.side), t);
            let params = OpenParams { leverage: e.leverage, ..self.open_params };
            let mut fill = self.account.open(
                t.symbol,
                e.side,
                e.qty,
                px,
                t.ts_recv,
                t.ts_event,
                self.fees.fee_bps(false),
                params,
                e.confidence,
                e.strategy,
            );
            fill.decided_at = order.decided_at;
            self.stats.fills += 1;
            sink.emit(Event::Fill(fill));
            // Mark at the tick's reference price so equity reflects the spread paid at once.
            self.account.mark(t.symbol, t.reference_price());
        }
    }

    fn close<S: EventSink>(
        &mut self,
        t: &Tick,
        price: f64,
        reason: ExitReason,
        maker: bool,
        decided_at: Option<UnixNanos>,
        sink: &mut S,
    ) {
        let fee_bps = self.fees.fee_bps(maker);
        if let Some((mut fill, trade)) =
            self.account.close(t.symbol, price, t.ts_recv, t.ts_event, fee_bps, reason)
        {
            fill.decided_at = decided_at.unwrap_or(t.ts_recv);
            self.risk.record_trade(trade.pnl);
            self.stats.fills += 1;
            self.stats.trades += 1;
            sink.emit(Event::Fill(fill));
            sink.emit(Event::TradeClosed(trade.clone()));
            self.trades.push(trade);
        }
    }

    /// Marks, funding and exits of the tick's open position: out of line, so the loop over
    /// ticks without one stays small in the instruction cache.
    #[inline(never)]
    fn on_open_position<S: EventSink>(&mut self, t: &Tick, price: f64, sink: &mut S) {
        self.account.mark(t.symbol, price);
        self.charge_funding(t, sink);
        self.check_exits(t, sink);
    }

    fn charge_funding<S: EventSink>(&mut self, t: &Tick, sink: &mut S) {
        let interval = self.config.execution.funding_interval_ns;
        let period = t.ts_event.div_euclid(interval);
        let st = &mut self.symbols[t.symbol as usize];
        let crossed = st.funding_period != i64::MIN && period > st.funding_period;
        st.funding_period = period;
        let rate = st.funding_rate;
        if crossed && rate.is_finite() {
            if let Some(amount) = self.account.charge_funding(t.symbol, rate) {
                sink.emit(Event::Funding { ts_event: t.ts_event, symbol: t.symbol, rate, amount });
            }
        }
    }

    /// Liquidation, stop loss, take profit — in that order of precedence. On a bar that touches
    /// both stop and target the stop is assumed first; a gap through a level fills at the open.
    fn check_exits<S: EventSink>(&mut self, t: &Tick, sink: &mut S) {
        let Some(pos) = self.account.position(t.symbol) else { return };
        let long = pos.side == Side::Long;
        let beyond_adverse = |level: f64, x: f64| if long { x <= level } else { x >= level };
        let beyond_favourable = |level: f64, x: f64| if long { x >= level } else { x <= level };
        let exit_side = OrderSide::opening(pos.side.opposite());
        let (worst, best, open) = if t.is_bar() {
            let (w, b) = if long { (t.low, t.high) } else { (t.high, t.low) };
            (w, b, t.open)
        } else {
            let p = self.prices.market_price(exit_side, t);
            (p, p, f64::NAN)
        };
        let gap_or = |level: f64, beyond: &dyn Fn(f64, f64) -> bool| {
            if !t.is_bar() {
                worst
            } else if open.is_finite() && beyond(level, open) {
                open
            } else {
                level
            }
        };
        let liq = pos.liquidation_price.to_f64();
        // A disabled level can never be reached.
        let sl = pos.stop_loss.map_or(if long { f64::NEG_INFINITY } else { f64::INFINITY }, Price::to_f64);
        let tp = pos.take_profit.map_or(if long { f64::INFINITY } else { f64::NEG_INFINITY }, Price::to_f64);
        let exit = if beyond_adverse(liq, worst) {
            Some((ExitReason::Liquidation, gap_or(liq, &beyond_adverse), false))
        } else if beyond_adverse(sl, worst) {
            Some((ExitReason::StopLoss, gap_or(sl, &beyond_adverse), false))
        } else if beyond_favourable(tp, best) {
            let px = if t.is_bar() {
                if open.is_finite() && beyond_favourable(tp, open) { open } else { tp }
            } else {
                best
            };
            Some((ExitReason::TakeProfit, px, t.is_bar()))
        } else {
            None
        };
        if let Some((reason, px, maker)) = exit {
            // A pending reverse for this symbol is moot once the position is gone.
            if let Some(p) = &mut self.symbols[t.symbol as usize].pending {
                p.exit = None;
            }
            self.close(t, px, reason, maker, None, sink);
        }
    }

    #[cold]
    fn trip_kill_switch<S: EventSink>(&mut self, t: &Tick, equity: Money, sink: &mut S) {
        let drawdown = self.risk.drawdown(equity);
        sink.emit(Event::Halted { ts_event: t.ts_event, reason: HaltReason::Drawdown, equity, drawdown });
        self.flatten_all(t.ts_recv, ExitReason::KillSwitch);
    }

    /// Schedules an exit for every open position and cancels pending entries.
    pub fn flatten_all(&mut self, ts_recv: UnixNanos, reason: ExitReason) {
        let open: Vec<SymbolId> = self.account.positions().map(|p| p.symbol).collect();
        for st in &mut self.symbols {
            if let Some(p) = &mut st.pending {
                p.entry = None;
            }
        }
        for symbol in open {
            let seq = self.seq();
            if let Ok(st) = self.state(symbol) {
                st.pending = Some(PendingOrder { decided_at: ts_recv, decided_seq: seq, exit: Some(reason), entry: None });
            }
        }
        for st in &mut self.symbols {
            if st.pending.as_ref().is_some_and(|p| p.exit.is_none() && p.entry.is_none()) {
                st.pending = None;
            }
        }
    }

    /// A manual entry (an executed signal or a user's order): DRB-Guard checks it now, and it
    /// fills on the symbol's next tick. `qty` None sizes it like an automated entry.
    pub fn submit_entry(
        &mut self,
        symbol: SymbolId,
        side: Side,
        qty: Option<f64>,
        leverage: Option<f64>,
        ts_recv: UnixNanos,
        ts_event: UnixNanos,
    ) -> Result<Qty, EngineError> {
        let st = self.state(symbol)?;
        if st.pending.is_some() {
            return Err(EngineError::Order("an order for this symbol is already pending"));
        }
        let price = st.last_price;
        if !price.is_finite() {
            return Err(EngineError::Order("no price seen yet for this symbol"));
        }
        if let Some(q) = qty {
            if !(q > 0.0) || !q.is_finite() {
                return Err(EngineError::Order("quantity must be a positive number"));
            }
        }
        let held = self.account.position(symbol).map(|p| p.side);
        if held == Some(side) {
            return Err(EngineError::Order("a position on this side is already open"));
        }
        let leverage = leverage.unwrap_or(self.open_params.leverage);
        let q = match self.size_entry(symbol, price, qty, leverage, ts_event) {
            Ok(q) => q,
            Err(reason) => {
                self.stats.orders_rejected[reason as usize] += 1;
                return Err(reason.into());
            }
        };
        self.symbols[symbol as usize].pending = Some(PendingOrder {
            decided_at: ts_recv,
            decided_seq: self.seq(),
            exit: held.map(|_| ExitReason::Reverse),
            entry: Some(PendingEntry {
                side,
                qty: q,
                leverage,
                confidence: 1.0,
                strategy: Cow::Borrowed("manual"),
            }),
        });
        Ok(q)
    }

    /// Withdraws the entry waiting to fill for `symbol` (e.g. the venue refused the live order
    /// this entry mirrors); a pending exit stays. Returns whether an entry was withdrawn. The
    /// day's trade count keeps it: DRB-Guard counted the attempt.
    pub fn cancel_pending_entry(&mut self, symbol: SymbolId) -> bool {
        let Some(Some(st)) = self.symbols.get_mut(symbol as usize).map(Some) else { return false };
        let Some(p) = &mut st.pending else { return false };
        let had = p.entry.take().is_some();
        if p.exit.is_none() {
            st.pending = None;
        }
        had
    }

    /// Closes `symbol`'s position on its next tick (a manual close).
    pub fn submit_close(&mut self, symbol: SymbolId, ts_recv: UnixNanos) -> Result<(), EngineError> {
        if self.account.position(symbol).is_none() {
            return Err(EngineError::Order("no open position for this symbol"));
        }
        let seq = self.seq();
        let st = self.state(symbol)?;
        match &mut st.pending {
            Some(p) => p.exit = Some(ExitReason::Manual),
            None => {
                st.pending = Some(PendingOrder { decided_at: ts_recv, decided_seq: seq, exit: Some(ExitReason::Manual), entry: None })
            }
        }
        Ok(())
    }

    /// Halts trading now (an operator's kill switch) and flattens every position.
    pub fn halt(&mut self, ts_recv: UnixNanos) {
        self.risk.halted = Some(HaltReason::Manual);
        self.settled_equity = None;
        self.flatten_all(ts_recv, ExitReason::KillSwitch);
    }

    /// Lifts the kill switch (an admin action); the drawdown peak restarts at current equity.
    pub fn reset_halt(&mut self) {
        self.risk.halted = None;
        self.risk.peak_equity = self.account.equity();
        self.settled_equity = None;
    }

    /// Mutable parts for state restoration.
    pub(crate) fn restore_parts(&mut self) -> (&mut Account, &mut RiskState) {
        self.settled_equity = None;
        (&mut self.account, &mut self.risk)
    }

    /// Restores an open position and prepares its symbol's state.
    pub(crate) fn restore_position(&mut self, pos: Position) -> Result<(), EngineError> {
        let st = self.state(pos.symbol)?;
        st.last_price = pos.mark.to_f64();
        self.account.restore_position(pos);
        Ok(())
    }

    /// Closes the final equity sample (call after the last tick of a backtest).
    pub fn finish(&mut self) {
        let equity = self.account.equity();
        self.equity.finish(equity);
        self.settled_equity = None;
    }
}
