//! The batch path's loop for *quiet* ticks: a flat account, no pending order for the tick's
//! symbol, and DRB-Guard settled on the account's equity. On this data that is nearly every tick
//! (almost every signal is refused), and such a tick, once accepted, only moves the clocks, the
//! features and the strategies: the fills, position marks and equity checks of
//! [`Engine::process_checked`] have nothing to do.
//!
//! The loop borrows only what those ticks touch. It refuses the signals a flat account refuses
//! without sizing (a flat target, auto-execution off, a Kelly fraction of zero) itself, as
//! [`Engine::on_signal`] would, and hands any other signal back to the engine: a call that may
//! change any of the engine's state (as acting on a signal may) would make the compiler reload
//! the whole loop's state after it.

use std::borrow::Cow;

use super::{check_unscreened, count_rejection, emit_signal, zero_size_reject, BuiltinSet, Engine, SymbolState};
use crate::engine::config::EngineConfig;
use crate::engine::event::{Event, EventSink};
use crate::engine::stats::{EngineStats, EquityTracker};
use crate::risk::{DrbGuard, RiskState};
use crate::sanitizer::{RejectCounts, Sanitizer};
use crate::strategy::{finite, InputChunk, SignalDraft, INPUT_CHUNK};
use crate::tick::{Tick, TickColumns};
use crate::types::{Money, SymbolId};

/// A chunk of the batch: the ticks' hot fields, the screen's verdicts and reference prices, and
/// the feature inputs; they are `cols`' ticks from `start` on.
pub(in crate::engine) struct Chunk<'c, 'a> {
    pub ticks: &'c [Tick],
    pub clean: &'c [bool],
    pub price: &'c [f64],
    pub inputs: &'c InputChunk,
    pub cols: &'c TickColumns<'a>,
    pub start: usize,
    /// The batch has no symbol column (every tick is symbol 0) and no funding column, and the
    /// screen passed every tick of the chunk.
    pub plain: bool,
}

/// The winning built-in signal of a quiet tick, for the engine to act on.
struct QuietSignal {
    k: usize,
    price: f64,
    draft: SignalDraft,
    name: &'static str,
}

impl Engine {
    /// Whether a tick of `symbol` would be quiet: the symbol is known and has no pending order,
    /// the account is flat, DRB-Guard is settled on its equity (which a flat account keeps), and
    /// the equity tracker has started.
    #[inline(always)]
    pub(super) fn is_quiet(&self, symbol: SymbolId) -> bool {
        self.symbols.get(symbol as usize).is_some_and(|st| st.pending.is_none())
            && self.account.open_count() == 0
            && self.settled_equity == Some(self.account.equity())
            && self.equity.has_started()
    }

    /// Processes the chunk's ticks from `from` on while they stay quiet ([`is_quiet`](Self::is_quiet)
    /// held before the first): what [`process_checked`](Self::process_checked) does for them,
    /// in the same order. Stops before a tick of another symbol and after a tick whose signal
    /// decided an order; returns where it stopped.
    #[inline(never)]
    pub(super) fn run_quiet<S: EventSink>(&mut self, chunk: &Chunk<'_, '_>, from: usize, sink: &mut S) -> usize {
        let symbol = chunk.ticks[from].symbol;
        let idx = symbol as usize;
        let mut k = from;
        while k < chunk.ticks.len() {
            let parts = Parts {
                sanitizer: &self.sanitizer,
                config: &self.config,
                guard: &self.guard,
                risk: &mut self.risk,
                equity_now: self.account.equity(),
                st: &mut self.symbols[idx],
                equity: &mut self.equity,
                stats: &mut self.stats,
                rejects: &mut self.rejects,
            };
            let signal;
            // The default strategy set, and a plain chunk (one symbol, no funding column, every
            // tick through the screen), have copies of the loop of their own: no per-tick tests
            // of either.
            let default_set = BuiltinSet::of(&self.config) == BuiltinSet::DEFAULT;
            (k, signal) = match (default_set, chunk.plain) {
                (true, true) => quiet_ticks::<S, true, true>(parts, symbol, chunk, k, sink),
                (true, false) => quiet_ticks::<S, true, false>(parts, symbol, chunk, k, sink),
                (false, true) => quiet_ticks::<S, false, true>(parts, symbol, chunk, k, sink),
                (false, false) => quiet_ticks::<S, false, false>(parts, symbol, chunk, k, sink),
            };
            let Some(s) = signal else { break };
            self.on_signal(&chunk.ticks[s.k], s.price, (s.draft, Cow::Borrowed(s.name)), sink);
            if self.symbols[idx].pending.is_some() {
                break;
            }
        }
        k
    }
}

/// What a quiet tick touches.
struct Parts<'e> {
    sanitizer: &'e Sanitizer,
    config: &'e EngineConfig,
    guard: &'e DrbGuard,
    risk: &'e mut RiskState,
    /// The flat account's equity.
    equity_now: Money,
    st: &'e mut SymbolState,
    equity: &'e mut EquityTracker,
    stats: &'e mut EngineStats,
    rejects: &'e mut RejectCounts,
}

/// Runs the chunk's ticks from `from` on, up to the first that signals (returned with its
/// signal) or before the first that is not of `symbol`, whose state `p.st` is. `DEFAULT_SET`:
/// the configuration's built-in strategies are [`BuiltinSet::DEFAULT`]. `PLAIN`: the chunk is
/// [plain](Chunk::plain).
#[inline(never)]
fn quiet_ticks<S: EventSink, const DEFAULT_SET: bool, const PLAIN: bool>(
    p: Parts<'_>,
    symbol: SymbolId,
    chunk: &Chunk<'_, '_>,
    from: usize,
    sink: &mut S,
) -> (usize, Option<QuietSignal>) {
    let Parts { sanitizer, config, guard, risk, equity_now, st, equity, stats, rejects } = p;
    // Columns cut to the ticks' length, and that length within an input chunk's, once: the
    // loop's indexing then needs no bounds checks.
    let n = chunk.ticks.len();
    let (ticks, clean, prices) = (&chunk.ticks[..n], &chunk.clean[..n], &chunk.price[..n]);
    assert!(n <= INPUT_CHUNK, "a chunk holds at most {INPUT_CHUNK} ticks");
    let mut k = from;
    while k < n {
        let t = &ticks[k];
        if !PLAIN && t.symbol != symbol {
            break;
        }
        stats.ticks_processed += 1;
        let verdict = if PLAIN || clean[k] {
            let price = prices[k];
            sanitizer.check_stateful(t.ts_event, price, &mut st.guard).map(|()| price)
        } else {
            check_unscreened(sanitizer, chunk.cols, chunk.start + k, &mut st.guard)
        };
        let price = match verdict {
            Ok(price) => price,
            Err(reason) => {
                count_rejection(rejects, stats, t, reason, sink);
                k += 1;
                continue;
            }
        };
        // Without a funding column every tick's rate is unknown (NaN).
        if !PLAIN && finite(t.funding_rate) {
            st.funding_rate = t.funding_rate;
        }
        st.last_price = price;
        stats.ticks_accepted += 1;
        equity.on_flat_same_equity(t.ts_event);
        let feats = &mut st.features;
        let snap = feats.observe_inputs(t, price, &chunk.inputs.get(k));
        let on = if DEFAULT_SET { BuiltinSet::DEFAULT } else { BuiltinSet::of(config) };
        let builtin = Engine::evaluate_builtin_set(config, on, t, &snap, feats);
        feats.commit(price);
        k += 1;
        if let Some((draft, name)) = builtin {
            // `Engine::on_signal` for a flat account with no pending order, up to sizing.
            let side = draft.target.side();
            let ignored = side.is_none() || !config.auto_execute;
            // Sizing is asked only for a signal that is not ignored, as on_signal asks it.
            let refused = ignored || (config.risk.fixed_qty.is_none() && guard.size_fraction_cached(risk) == 0.0);
            if !refused {
                return (k, Some(QuietSignal { k: k - 1, price, draft, name }));
            }
            stats.signals += 1;
            emit_signal(t, price, draft, Cow::Borrowed(name), sink);
            match side {
                Some(side) if !ignored => {
                    // Kelly sized the entry to zero.
                    let reason = zero_size_reject(guard, risk, equity_now, price);
                    stats.orders_rejected[reason as usize] += 1;
                    sink.emit(Event::OrderRejected { ts_recv: t.ts_recv, symbol, side, reason });
                }
                _ => stats.signals_ignored += 1,
            }
        }
    }
    (k, None)
}
