//! Fills, exits and funding: pending orders filling on their tick, marks and triggered exits of
//! open positions (real and shadow), and funding payments at the funding times held.

use super::core::{sym, Engine, Held, PendingEntry};
use super::event::{Event, EventSink};
use crate::portfolio::{
    exit_band, exit_decision, next_funding_time, EntryFill, Exit, ExitFill, ExitReason, FeeModel, FillAt, FundingCharge, LatencyModel,
    OpenParams, PriceModel, QuoteOrSlippage,
};
use crate::risk::RiskReject;
use crate::strategy::finite;
use crate::tick::Tick;
use crate::types::{OrderSide, Side, SymbolId, UnixNanos};

impl Engine {
    /// Where a fill on `t` happens, for a decision at `decided_at` on arrival `decided_seq`.
    #[inline]
    fn fill_at(&self, t: &Tick, decided_at: UnixNanos, decided_seq: u64) -> FillAt {
        FillAt { ts_recv: t.ts_recv, ts_event: t.ts_event, seq: self.seq(), decided_at, decided_seq }
    }

    /// Settles the funding times from the symbol's next one up to `t`'s exchange time for its
    /// open position (real or shadow). The rate of a funding time is the latest known at or
    /// before it: `t`'s own when `t` is exactly at it, else the one before `t`; the amount is
    /// charged on the position's last mark. Unknown rates charge nothing.
    #[cold]
    #[inline(never)]
    pub(super) fn settle_funding<S: EventSink>(&mut self, t: &Tick, sink: &mut S) {
        let interval = self.config.execution.funding_interval_ns;
        let symbol = t.symbol;
        let seq = self.seq();
        let st = &mut self.symbols[symbol as usize];
        let mut at = st.next_funding;
        let before = st.funding_rate;
        while at <= t.ts_event {
            let rate = if at == t.ts_event && finite(t.funding_rate) { t.funding_rate } else { before };
            if finite(rate) {
                let shadow = self.account.position(symbol).is_none();
                let pos = if shadow { self.shadow.position(symbol) } else { self.account.position(symbol) };
                if let Some(p) = pos {
                    let (mark, qty) = (p.mark, p.signed_qty());
                    let amount = if shadow {
                        self.shadow.charge_funding(symbol, rate)
                    } else {
                        self.account.charge_funding(symbol, rate)
                    };
                    if let Some(amount) = amount {
                        let c = FundingCharge { funding_time: at, ts_event: t.ts_event, seq, symbol, rate, mark, qty, amount, shadow };
                        self.journal.funding(&c);
                        if !shadow {
                            sink.emit(Event::Funding(c));
                        }
                    }
                }
            }
            at = at.saturating_add(interval);
        }
        self.symbols[symbol as usize].next_funding = at;
    }

    /// Fills the symbol's pending order if it is due: the exit first (whichever position the
    /// symbol holds), then the entry. Returns, when an entry filled, whether what `t` shows
    /// came after it (a fill at a bar's open), for the exit checks of the new position.
    #[inline(never)]
    pub(super) fn fill_pending_due<S: EventSink>(&mut self, t: &Tick, sink: &mut S) -> Option<bool> {
        let idx = t.symbol as usize;
        let due = match &self.symbols[idx].pending {
            Some(p) => self.seq() > p.decided_seq && t.ts_recv >= self.latency.fill_after(p.decided_at),
            None => false,
        };
        if !due {
            return None;
        }
        let order = self.symbols[idx].pending.take()?;
        let at = self.fill_at(t, order.decided_at, order.decided_seq);
        if let Some((reason, signal_id)) = order.exit {
            if let Some((side, shadow, _)) = self.held(t.symbol) {
                let price = self.prices.market_price(OrderSide::opening(side.opposite()), t);
                let x = ExitFill { price, at, fee_bps: self.fees.fee_bps(false), maker: false, reason, signal_id };
                self.close_position(t.symbol, shadow, &x, sink);
            }
        }
        let e = order.entry?;
        // A halt between decision and fill cancels a real entry: the kill switch wins.
        if !e.shadow && self.risk.halted.is_some() {
            self.stats.orders_rejected[RiskReject::Halted as usize] += 1;
            sink.emit(Event::OrderRejected {
                ts_recv: t.ts_recv,
                symbol: t.symbol,
                side: e.side,
                reason: RiskReject::Halted,
                signal_id: e.signal_id,
            });
            return None;
        }
        let px = self.prices.market_price(OrderSide::opening(e.side), t);
        self.open_position(t.symbol, e, px, at, sink);
        Some(QuoteOrSlippage::fills_at_open(t))
    }

    /// Opens a real or shadow position for entry `e` at `price`.
    pub(super) fn open_position<S: EventSink>(&mut self, symbol: SymbolId, e: PendingEntry, price: f64, at: FillAt, sink: &mut S) {
        let entry = EntryFill {
            symbol,
            side: e.side,
            qty: e.qty,
            price,
            at,
            fee_bps: self.fees.fee_bps(false),
            params: OpenParams { leverage: e.leverage, ..self.open_params },
            confidence: e.confidence,
            strategy: e.strategy,
            signal_id: e.signal_id,
        };
        let (fill, pos) = if e.shadow {
            let f = self.shadow.open(entry);
            (f, self.shadow.position(symbol))
        } else {
            let f = self.account.open(entry);
            (f, self.account.position(symbol))
        };
        let held = pos.map(|p| {
            let (lo, hi) = exit_band(p);
            Held { shadow: e.shadow, long: p.side == Side::Long, lo, hi, marked: f64::NAN }
        });
        self.journal.fill(&fill);
        let interval = self.config.execution.funding_interval_ns;
        let st = &mut self.symbols[symbol as usize];
        st.next_funding = next_funding_time(at.ts_event, interval);
        st.held = held;
        if e.shadow {
            sink.emit(Event::ShadowFill(fill));
        } else {
            self.stats.fills += 1;
            sink.emit(Event::Fill(fill));
        }
    }

    /// Closes the symbol's real or shadow position with `x` and books the trade.
    pub(super) fn close_position<S: EventSink>(&mut self, symbol: SymbolId, shadow: bool, x: &ExitFill, sink: &mut S) {
        let closed = if shadow { self.shadow.close(symbol, x) } else { self.account.close(symbol, x) };
        let Some((fill, trade)) = closed else { return };
        let st = &mut self.symbols[symbol as usize];
        st.next_funding = UnixNanos::MAX;
        st.held = None;
        self.journal.fill(&fill);
        self.risk.record_trade(&trade.strategy, trade.pnl, trade.pnl_pct, shadow);
        if shadow {
            self.stats.shadow_trades += 1;
            sink.emit(Event::ShadowFill(fill));
            sink.emit(Event::ShadowTradeClosed(trade.clone()));
            self.shadow_trades.push(trade);
        } else {
            self.stats.fills += 1;
            self.stats.trades += 1;
            sink.emit(Event::Fill(fill));
            sink.emit(Event::TradeClosed(trade.clone()));
            self.trades.push(trade);
        }
    }

    /// Marks the tick's position (real or shadow) and closes it if the tick triggers an exit.
    /// `fresh` is `fill_pending_due`'s answer for this tick. A market inside the position's exit
    /// band triggers nothing: the usual tick costs the mark (none when the price did not move)
    /// and two comparisons.
    #[inline(always)]
    pub(super) fn on_positions<S: EventSink>(&mut self, t: &Tick, price: f64, fresh: Option<bool>, sink: &mut S) {
        let symbol = t.symbol;
        let Some(h) = &mut sym(&mut self.symbols, symbol).held else { return };
        if h.marked != price {
            h.marked = price;
            if h.shadow {
                self.shadow.mark(symbol, price);
            } else {
                self.account.mark(symbol, price);
            }
        }
        let h = *h;
        if fresh == Some(false) {
            return;
        }
        let inside = if t.is_bar() {
            // An unknown open (NaN) is inside.
            h.lo < t.low && t.high < h.hi && !(t.open <= h.lo || t.open >= h.hi)
        } else {
            let quote = if h.long { t.bid } else { t.ask };
            let m = if quote.is_finite() {
                quote
            } else {
                let side = if h.long { OrderSide::Sell } else { OrderSide::Buy };
                self.prices.market_price(side, t)
            };
            h.lo < m && m < h.hi
        };
        if !inside {
            self.exit_if_triggered(t, h, fresh, sink);
        }
    }

    /// The exit a tick outside the band triggers, if any, and the close.
    #[cold]
    #[inline(never)]
    fn exit_if_triggered<S: EventSink>(&mut self, t: &Tick, h: Held, fresh: Option<bool>, sink: &mut S) {
        let symbol = t.symbol;
        let pos = if h.shadow { self.shadow.position(symbol) } else { self.account.position(symbol) };
        let Some(pos) = pos else { return };
        let market = self.prices.market_price(OrderSide::opening(pos.side.opposite()), t);
        let Some(Exit { reason, price: px, maker }) = exit_decision(pos, t, market, fresh.unwrap_or(true)) else {
            return;
        };
        // A pending exit of this position is moot once it is gone.
        if let Some(p) = &mut self.symbols[symbol as usize].pending {
            p.exit = None;
        }
        let fee_bps = match reason {
            ExitReason::Liquidation => self.config.execution.liquidation_fee_bps,
            _ => self.fees.fee_bps(maker),
        };
        let at = self.fill_at(t, t.ts_recv, self.seq());
        let x = ExitFill { price: px, at, fee_bps, maker, reason, signal_id: None };
        self.close_position(symbol, h.shadow, &x, sink);
    }
}
