//! Strategies and signals: the built-ins (the Liquidation Hunter on its window every tick, the
//! bar strategies on each completed bar), custom strategies, and what the engine does with the
//! winning signal — an order, a shadow trade, a refusal, or nothing, each with its reason.

use std::borrow::Cow;

use super::core::{sym, Engine, EngineError};
use super::event::{Event, EventSink};
use super::orders::EntrySpec;
use crate::portfolio::ExitReason;
use crate::risk::RiskReject;
use crate::sim::floor_qty;
use crate::strategy::{BarFeatures, IgnoreReason, Signal, SignalDisposition, SignalDraft};
use crate::tick::Tick;
use crate::types::{Money, OrderSide, Price, Qty, Side, SymbolId};

/// A candidate signal and its strategy's name.
type Candidate = (SignalDraft, Cow<'static, str>);

/// Keeps the higher confidence; ties keep the first.
#[inline(always)]
fn consider(best: &mut Option<Candidate>, d: Option<SignalDraft>, name: &'static str) {
    if let Some(d) = d {
        if best
            .as_ref()
            .is_none_or(|(b, _)| d.confidence > b.confidence)
        {
            *best = Some((d, Cow::Borrowed(name)));
        }
    }
}

impl Engine {
    /// Folds the tick into the symbol's features and liquidation window, asks the strategies,
    /// and acts on the winning signal. Built-ins first, then custom strategies; the highest
    /// confidence wins, ties keep the first.
    #[inline(always)]
    pub(super) fn run_strategies<S: EventSink>(
        &mut self,
        t: &Tick,
        price: f64,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        let st = sym(&mut self.symbols, t.symbol);
        st.liq.push(t.ts_event, t.volume, t.liq_volume, t.liq_side);
        let bar = st.features.on_tick(t, price);
        // Most ticks fall inside a bar, carry no liquidation, and no custom strategy runs:
        // nothing to ask.
        if bar.is_none() && !(t.liq_volume > 0.0) && self.customs.is_empty() {
            return Ok(());
        }
        self.evaluate(t, price, bar, sink)
    }

    /// The strategies of a tick that completed a bar, carried a liquidation, or has custom
    /// strategies to ask.
    #[inline(never)]
    fn evaluate<S: EventSink>(
        &mut self,
        t: &Tick,
        price: f64,
        bar: Option<BarFeatures>,
        sink: &mut S,
    ) -> Result<(), EngineError> {
        let c = &self.config;
        let st = &mut self.symbols[t.symbol as usize];
        let mut best: Option<Candidate> = None;
        if c.liquidation_hunter.enabled && t.liq_volume > 0.0 {
            consider(
                &mut best,
                c.liquidation_hunter.evaluate(&st.liq.reading()),
                "liquidation_hunter",
            );
        }
        if let Some(f) = &bar {
            if c.order_flow.enabled {
                consider(
                    &mut best,
                    c.order_flow.evaluate(f, &st.features),
                    "order_flow",
                );
            }
            if c.volatility_fader.enabled {
                consider(
                    &mut best,
                    c.volatility_fader.evaluate(f),
                    "volatility_fader",
                );
            }
            if c.ema_cross.enabled {
                consider(&mut best, c.ema_cross.evaluate(f), "ema_cross");
            }
        }
        if !self.customs.is_empty() {
            best = self.evaluate_customs(t, best)?;
        }
        let st = &mut self.symbols[t.symbol as usize];
        let bar_key = st.features.bar_key();
        if bar.is_some() {
            st.features.commit();
        }
        if let Some(candidate) = best {
            self.on_signal(t, price, bar_key, candidate, sink);
        }
        Ok(())
    }

    /// Custom strategies after the built-ins' winner `best`; a custom strategy's name is copied
    /// only when it wins.
    #[inline(never)]
    fn evaluate_customs(
        &mut self,
        t: &Tick,
        mut best: Option<Candidate>,
    ) -> Result<Option<Candidate>, EngineError> {
        let st = &self.symbols[t.symbol as usize];
        let snap = st
            .features
            .last()
            .snapshot(st.liq.reading().ratio, st.features.liquidity());
        for s in &mut self.customs {
            if let Some(d) = s.on_tick(t, &snap)? {
                if best
                    .as_ref()
                    .is_none_or(|(b, _)| d.confidence > b.confidence)
                {
                    best = Some((d, Cow::Owned(s.name().to_string())));
                }
            }
        }
        Ok(best)
    }

    /// Acts on the winning signal of tick `t` (in bar `bar_key` of its symbol) and reports it
    /// with what was done. A signal against one already given in the same bar is dropped.
    fn on_signal<S: EventSink>(
        &mut self,
        t: &Tick,
        price: f64,
        bar_key: u64,
        (draft, strategy): Candidate,
        sink: &mut S,
    ) {
        let st = &mut self.symbols[t.symbol as usize];
        if let Some(side) = draft.target.side() {
            if st.last_signal.0 == bar_key && st.last_signal.1 == Some(side.opposite()) {
                self.stats.ignore(IgnoreReason::OppositeInBar);
                return;
            }
            st.last_signal = (bar_key, Some(side));
        }
        self.stats.signals += 1;
        let id = self.seq();
        let disposition = self.decide(t, price, &draft, &strategy, id, sink);
        match disposition {
            SignalDisposition::Ignored(r) => self.stats.ignore(r),
            SignalDisposition::Shadow => self.stats.signals_shadowed += 1,
            _ => {}
        }
        sink.emit(Event::Signal(Signal {
            id,
            ts_event: t.ts_event,
            ts_recv: t.ts_recv,
            symbol: t.symbol,
            target: draft.target,
            price,
            confidence: draft.confidence,
            strategy,
            reason: draft.reason,
            disposition,
        }));
    }

    /// What the engine does with signal `id`: sends its orders (or shadow orders), refuses
    /// it, or ignores it.
    // `&Cow`, not `&str`: the entry keeps a clone, which stays borrowed (no allocation) for the
    // built-ins' static names.
    #[allow(clippy::ptr_arg)]
    fn decide<S: EventSink>(
        &mut self,
        t: &Tick,
        price: f64,
        draft: &SignalDraft,
        strategy: &Cow<'static, str>,
        id: u64,
        sink: &mut S,
    ) -> SignalDisposition {
        use SignalDisposition::{Accepted, Ignored, Rejected, Shadow};
        if !self.config.auto_execute {
            return Ignored(IgnoreReason::ManualMode);
        }
        let symbol = t.symbol;
        let held = self.held(symbol);
        if self.target_pending(symbol) {
            return Ignored(IgnoreReason::OrderPending);
        }
        let young =
            |entry_ts: i64| t.ts_recv.saturating_sub(entry_ts) < self.config.execution.min_hold_ns;
        let Some(side) = draft.target.side() else {
            // Flat: close what is open, open nothing.
            return match held {
                None => Ignored(IgnoreReason::NoPosition),
                Some((_, _, entry_ts)) if young(entry_ts) => Ignored(IgnoreReason::MinHold),
                Some(_) => {
                    self.send_target(
                        symbol,
                        Some((ExitReason::Signal, Some(id))),
                        None,
                        t.ts_recv,
                    );
                    Accepted
                }
            };
        };
        match held {
            Some((s, _, _)) if s == side => return Ignored(IgnoreReason::SameSide),
            Some((_, _, entry_ts)) if young(entry_ts) => return Ignored(IgnoreReason::MinHold),
            _ => {}
        }
        let exit = held.map(|_| (ExitReason::Reverse, Some(id)));
        let leverage = self.open_params.leverage;
        let entry = |qty: Qty, shadow: bool| EntrySpec {
            side,
            qty,
            leverage,
            confidence: draft.confidence,
            strategy: strategy.clone(),
            signal_id: Some(id),
            shadow,
        };
        match self.size_entry(symbol, side, price, None, leverage, t.ts_event, strategy) {
            Ok(qty) => {
                self.send_target(symbol, exit, Some(entry(qty, false)), t.ts_recv);
                Accepted
            }
            Err(reason) => {
                self.stats.orders_rejected[reason as usize] += 1;
                sink.emit(Event::OrderRejected {
                    ts_recv: t.ts_recv,
                    symbol,
                    side,
                    reason,
                    signal_id: Some(id),
                });
                let shadow = (reason == RiskReject::ZeroSize)
                    .then(|| self.shadow_qty(price))
                    .flatten();
                match shadow {
                    Some(qty) => {
                        self.send_target(symbol, exit, Some(entry(qty, true)), t.ts_recv);
                        Shadow
                    }
                    None => {
                        if exit.is_some() {
                            self.send_target(symbol, exit, None, t.ts_recv);
                        }
                        Rejected(reason)
                    }
                }
            }
        }
    }

    /// The size of a shadow entry at `price`: the fixed size, or the fixed fraction of equity.
    fn shadow_qty(&self, price: f64) -> Option<Qty> {
        let raw = match self.config.risk.fixed_qty {
            Some(q) => q,
            None => self.config.risk.fixed_fraction * self.account.equity().to_f64() / price,
        };
        floor_qty(raw, self.config.execution.qty_step)
    }

    /// Sizes an entry for `strategy` and runs DRB-Guard on it; returns the quantity to buy or
    /// sell. `qty` None sizes it from the fixed size or the strategy's Kelly fraction. A
    /// position the entry reverses is being closed: it is not counted.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn size_entry(
        &mut self,
        symbol: SymbolId,
        side: Side,
        price: f64,
        qty: Option<f64>,
        leverage: f64,
        ts_event: i64,
        strategy: &str,
    ) -> Result<Qty, RiskReject> {
        let equity = self.account.equity();
        let raw = match qty.or(self.config.risk.fixed_qty) {
            Some(q) => q,
            None => {
                let fraction = self.guard.size_fraction(&self.risk, strategy);
                if fraction == 0.0 {
                    0.0
                } else {
                    fraction * equity.to_f64() / price
                }
            }
        };
        let q = floor_qty(raw, self.config.execution.qty_step).unwrap_or(Qty::ZERO);
        let price_fx = Price::from_f64(price).map_err(|_| RiskReject::ZeroSize)?;
        let notional = if q.is_zero() {
            Money::ZERO
        } else {
            q.notional(price_fx)
        };
        if notional.units() <= 0 {
            // DRB-Guard's first checks answer a zero size (the kill switch and equity first).
            self.guard.check_basics(&self.risk, equity, notional)?;
        }
        self.guard_order(
            symbol,
            OrderSide::opening(side),
            q,
            price,
            leverage,
            ts_event,
        )?;
        Ok(q)
    }
}
