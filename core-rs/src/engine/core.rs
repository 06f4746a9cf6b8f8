//! The engine's state and its read accessors.

use thiserror::Error;

use super::checks::check_config;
use super::config::EngineConfig;
use super::depth::BookSlot;
use super::journal::Journal;
use super::stats::{EngineStats, EquityTracker};
use crate::book::{Level, SequenceRule};
use crate::orders::OrderId;
use crate::portfolio::{Account, OpenParams, ShadowBook, Trade};
use crate::risk::{DrbGuard, RiskReject, RiskState};
use crate::sanitizer::{RejectCounts, Sanitizer, SymbolGuard};
use crate::sim::{Exchange, FeedClock};
use crate::strategy::{CustomStrategy, LiqWindow, StrategyError, SymbolFeatures};
use crate::types::{Money, Side, SymbolId, UnixNanos};

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
    /// The venue refused an order request (its reason is also an `OrderRejected` event).
    #[error("order rejected: {}", .0.as_str())]
    Rejected(crate::orders::OrderRejectReason),
}

/// The orders a symbol's signals (or manual entries) sent and that are not finished yet: the
/// exit closing the position held, and the entry. While any is open, new signals of the symbol
/// are ignored (`order_pending`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct TargetOrders {
    /// The exit (reduce-only market order) and the venue it went to (true: the shadow venue).
    pub exit: Option<(OrderId, bool)>,
    /// The entry (market order with its bracket) and its venue.
    pub entry: Option<(OrderId, bool)>,
}

/// The position a symbol holds, as the per-tick path needs it for marks.
#[derive(Debug, Clone, Copy)]
pub(super) struct Held {
    /// A shadow position (else real).
    pub shadow: bool,
    /// The reference price it was last marked at (NaN before the first mark).
    pub marked: f64,
}

/// Everything the engine keeps per symbol.
#[derive(Debug, Clone)]
pub(super) struct SymbolState {
    pub guard: SymbolGuard,
    pub features: SymbolFeatures,
    pub liq: LiqWindow,
    /// Orders of the symbol's signals and manual entries not finished yet.
    pub target: TargetOrders,
    /// The latest funding rate of an accepted tick (NaN before the first).
    pub funding_rate: f64,
    /// Reference price of the latest accepted tick (NaN before the first).
    pub last_price: f64,
    /// The first funding time the symbol's open position (real or shadow) has not settled;
    /// `UnixNanos::MAX` while none is open, so most ticks test one comparison.
    pub next_funding: UnixNanos,
    /// Bar key and side of the symbol's latest signal with a side: a bar signals one way only.
    pub last_signal: (u64, Option<Side>),
    /// The symbol's open position, real or shadow.
    pub held: Option<Held>,
}

/// The state of a symbol the current tick made sure of ([`Engine::begin_tick`] grows
/// `symbols` past every tick's symbol, and symbols are never removed): the per-tick path reads
/// it without a bounds check.
#[inline(always)]
pub(super) fn sym(symbols: &mut [SymbolState], symbol: SymbolId) -> &mut SymbolState {
    let idx = symbol as usize;
    debug_assert!(idx < symbols.len(), "begin_tick made the symbol's state");
    // SAFETY: `idx < symbols.len()`, as `begin_tick` guarantees for the tick being processed.
    unsafe { symbols.get_unchecked_mut(idx) }
}

/// The trading engine of one account.
pub struct Engine {
    pub(super) config: EngineConfig,
    pub(super) sanitizer: Sanitizer,
    pub(super) guard: DrbGuard,
    pub(super) risk: RiskState,
    pub(super) account: Account,
    pub(super) shadow: ShadowBook,
    pub(super) symbols: Vec<SymbolState>,
    pub(super) customs: Vec<Box<dyn CustomStrategy>>,
    /// Strategies that trade with orders, and what the engine knows for them.
    pub(super) desk: super::order_strategies::OrderDesk,
    /// The simulated venue every real order goes to (backtest and paper trading alike).
    pub(super) venue: Exchange,
    /// The venue of shadow orders: same rules, its own liquidity, no capital.
    pub(super) shadow_venue: Exchange,
    /// Local receive times: the data's, or a feed-latency model's.
    pub(super) feed: FeedClock,
    pub(super) open_params: OpenParams,
    pub(super) stats: EngineStats,
    pub(super) rejects: RejectCounts,
    pub(super) equity: EquityTracker,
    /// The equity DRB-Guard and the equity tracker saw last, while DRB-Guard is settled on it
    /// ([`DrbGuard::is_settled`]); None after anything else changed the drawdown state.
    pub(super) settled_equity: Option<Money>,
    pub(super) trades: Vec<Trade>,
    pub(super) shadow_trades: Vec<Trade>,
    pub(super) journal: Journal,
    pub(super) books: Vec<Option<BookSlot>>,
    pub(super) book_rule: SequenceRule,
    pub(super) scratch: (Vec<Level>, Vec<Level>),
    /// Depth messages processed so far.
    pub(super) depth_processed: u64,
    /// While a depth message is applied: its arrival number among the depth messages.
    pub(super) in_depth: Option<u64>,
    /// Any signal strategy runs (a built-in one or a custom one): features are kept.
    pub(super) signals: bool,
    /// Reused list of the levels our orders rest at, for depth messages.
    pub(super) resting_scratch: Vec<(bool, crate::types::Price)>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A flat engine with `config`.
    pub fn new(config: EngineConfig) -> Result<Self, EngineError> {
        let capital = check_config(&config)?;
        let e = &config.execution;
        let mut engine = Engine {
            sanitizer: Sanitizer::new(config.sanitizer.clone()),
            guard: DrbGuard::new(config.risk.clone()),
            risk: RiskState::new(capital),
            account: Account::new(capital),
            shadow: ShadowBook::default(),
            symbols: Vec::new(),
            customs: Vec::new(),
            desk: Default::default(),
            venue: {
                let mut v = Exchange::new(e.sim_config(false)).map_err(EngineError::Config)?;
                if config.journal {
                    v.keep_history();
                }
                // Until an order strategy listens, nobody reads the order events.
                v.set_silent(true);
                v
            },
            shadow_venue: {
                let mut v = Exchange::new(e.sim_config(true)).map_err(EngineError::Config)?;
                v.set_silent(true);
                v
            },
            feed: FeedClock::new(&e.feed_latency).map_err(EngineError::Config)?,
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
            shadow_trades: Vec::new(),
            journal: Journal::new(config.journal),
            books: Vec::new(),
            book_rule: config.book.sequence_rule().map_err(EngineError::Config)?,
            scratch: (Vec::new(), Vec::new()),
            depth_processed: 0,
            in_depth: None,
            resting_scratch: Vec::new(),
            signals: config.liquidation_hunter.enabled
                || config.order_flow.enabled
                || config.volatility_fader.enabled
                || config.ema_cross.enabled,
            config,
        };
        if engine.config.market_maker.enabled {
            let mm = crate::strategy::MarketMaker::new(engine.config.market_maker.clone());
            engine.add_order_strategy(Box::new(mm));
        }
        Ok(engine)
    }

    /// Adds a custom strategy (evaluated after the built-ins, in insertion order). Custom
    /// strategies see the EMA: if nothing read it before, it starts with the next bar.
    pub fn add_strategy(&mut self, s: Box<dyn CustomStrategy>) {
        self.customs.push(s);
        self.signals = true;
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

    /// Shadow positions.
    pub fn shadow_book(&self) -> &ShadowBook {
        &self.shadow
    }

    /// DRB-Guard's state.
    pub fn risk_state(&self) -> &RiskState {
        &self.risk
    }

    /// Closed trades, in closing order.
    pub fn trades(&self) -> &[Trade] {
        &self.trades
    }

    /// Closed shadow trades, in closing order.
    pub fn shadow_trades(&self) -> &[Trade] {
        &self.shadow_trades
    }

    /// The simulated venue of real orders.
    pub fn venue(&self) -> &Exchange {
        &self.venue
    }

    /// The simulated venue of shadow orders.
    pub fn shadow_venue(&self) -> &Exchange {
        &self.shadow_venue
    }

    /// The journal (empty when `EngineConfig::journal` is off).
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Equity curve and drawdown statistics.
    pub fn equity_tracker(&self) -> &EquityTracker {
        &self.equity
    }

    /// The current tick's arrival number: the ticks processed so far, this one included.
    #[inline(always)]
    pub(super) fn seq(&self) -> u64 {
        self.stats.ticks_processed
    }

    /// The symbol's state, created on first use.
    #[inline]
    pub(super) fn state(&mut self, symbol: SymbolId) -> Result<&mut SymbolState, EngineError> {
        let idx = symbol as usize;
        if idx >= self.symbols.len() {
            self.add_symbols(symbol)?;
        }
        Ok(&mut self.symbols[idx])
    }

    #[cold]
    pub(super) fn add_symbols(&mut self, symbol: SymbolId) -> Result<(), EngineError> {
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
                liq: LiqWindow::new(self.config.liquidation_hunter.window_ns),
                target: TargetOrders::default(),
                funding_rate: f64::NAN,
                last_price: f64::NAN,
                next_funding: UnixNanos::MAX,
                last_signal: (0, None),
                held: None,
            },
        );
        Ok(())
    }

    /// The position `symbol` holds, real or shadow: its side, whether it is a shadow, and its
    /// entry time (local clock).
    #[inline]
    pub(super) fn held(&self, symbol: SymbolId) -> Option<(Side, bool, UnixNanos)> {
        if let Some(p) = self.account.position(symbol) {
            return Some((p.side, false, p.entry_ts));
        }
        self.shadow
            .position(symbol)
            .map(|p| (p.side, true, p.entry_ts))
    }

    /// Closes the final equity sample (call after the last tick of a backtest).
    pub fn finish(&mut self) {
        let equity = self.account.equity();
        self.equity.finish(equity);
        self.settled_equity = None;
    }
}
