//! The venue's side of each tick and the account's: the simulated venue sees the market event and
//! the requests that reached it before; its executions are booked in the account (or, for shadow
//! orders, the shadow book); positions are marked; funding is charged at the funding times held.

use super::core::{sym, Engine, Held};
use super::depth::BookSlot;
use super::event::{Event, EventSink};
use crate::book::OrderBook;
use crate::orders::LiquiditySide;
use crate::portfolio::{next_funding_time, Execution, FillAt, FillKind, FundingCharge, OpenParams};
use crate::sim::{BookSource, ExecReport};
use crate::strategy::finite;
use crate::tick::Tick;
use crate::types::{utc_day, SymbolId, UnixNanos};

/// The engine's books as the venue matches against them: valid ones only.
pub(super) struct Books<'a>(pub &'a [Option<BookSlot>]);

impl BookSource for Books<'_> {
    #[inline]
    fn valid_book(&self, symbol: SymbolId) -> Option<&OrderBook> {
        match self.0.get(symbol as usize) {
            Some(Some(slot)) if slot.is_valid() => Some(slot.book()),
            _ => None,
        }
    }
}

impl Engine {
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
            let rate = if at == t.ts_event && finite(t.funding_rate) {
                t.funding_rate
            } else {
                before
            };
            if finite(rate) {
                let shadow = self.account.position(symbol).is_none();
                let pos = if shadow {
                    self.shadow.position(symbol)
                } else {
                    self.account.position(symbol)
                };
                if let Some(p) = pos {
                    let (mark, qty) = (p.mark, p.signed_qty());
                    let amount = if shadow {
                        self.shadow.charge_funding(symbol, rate)
                    } else {
                        self.account.charge_funding(symbol, rate)
                    };
                    if let Some(amount) = amount {
                        let c = FundingCharge {
                            funding_time: at,
                            ts_event: t.ts_event,
                            seq,
                            symbol,
                            rate,
                            mark,
                            qty,
                            amount,
                            shadow,
                        };
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

    /// The venues' side of tick `t` ([`Exchange::on_tick`](crate::sim::Exchange::on_tick)), and
    /// the account's: what they executed is booked.
    #[inline(always)]
    pub(super) fn venue_step<S: EventSink>(&mut self, t: &Tick, sink: &mut S) {
        let books = Books(&self.books);
        self.venue.on_tick(t, &books);
        if self.shadow_venue.is_active() {
            self.shadow_venue.on_tick(t, &books);
        }
        if self.venue.has_reports() || self.shadow_venue.has_reports() {
            self.book_reports(t, sink);
        }
    }

    /// Books the venues' executions in the account and the shadow book.
    #[cold]
    #[inline(never)]
    pub(super) fn book_reports<S: EventSink>(&mut self, t: &Tick, sink: &mut S) {
        let real: Vec<ExecReport> = self.venue.take_reports().collect();
        let shadow: Vec<ExecReport> = self.shadow_venue.take_reports().collect();
        // The venues keep the liquidation price themselves, by the account's rules, as their
        // fills move the position (so it can act later on the same event): both must agree.
        let touched: Vec<(SymbolId, bool)> = if cfg!(debug_assertions) {
            let real_symbols = real.iter().map(|r| (r.symbol, false));
            real_symbols
                .chain(shadow.iter().map(|r| (r.symbol, true)))
                .collect()
        } else {
            Vec::new()
        };
        for r in real {
            self.book_one(t, r, false, sink);
        }
        for r in shadow {
            self.book_one(t, r, true, sink);
        }
        for (symbol, is_shadow) in touched {
            let (venue, pos) = match is_shadow {
                false => (&self.venue, self.account.position(symbol)),
                true => (&self.shadow_venue, self.shadow.position(symbol)),
            };
            assert_eq!(
                venue.liquidation(symbol),
                pos.map(|p| (p.side, p.liquidation_price.to_f64())),
                "the venue and the account disagree on the liquidation price"
            );
        }
    }

    fn book_one<S: EventSink>(&mut self, t: &Tick, r: ExecReport, shadow: bool, sink: &mut S) {
        let symbol = r.symbol;
        // An exit the market triggered was decided by the event that reached its level.
        let (decided_at, decided_seq) = if r.triggered {
            (t.ts_recv, self.seq())
        } else {
            (r.decided_at, r.decided_seq)
        };
        let at = FillAt {
            ts_recv: t.ts_recv,
            ts_event: r.ts_event,
            seq: self.seq(),
            decided_at,
            decided_seq,
            order_id: r.order_id.0,
            depth_seq: self.in_depth,
        };
        let params = OpenParams {
            leverage: r.leverage,
            ..self.open_params
        };
        let x = Execution {
            symbol,
            side: r.side,
            qty: r.qty,
            price: r.price.to_f64(),
            fee_bps: r.fee_bps,
            maker: r.liquidity == LiquiditySide::Maker,
            at,
            reason: r.exit_reason,
            params,
            confidence: r.confidence,
            strategy: r.strategy,
            signal_id: r.signal_id,
        };
        let side_before = if shadow {
            self.shadow.position(symbol).map(|p| p.side)
        } else {
            self.account.position(symbol).map(|p| p.side)
        };
        let booked = if shadow {
            self.shadow.apply(x)
        } else {
            self.account.apply(x)
        };
        let mut opened = false;
        for fill in &booked.fills {
            self.journal.fill(fill);
            opened |= fill.kind == FillKind::Open;
            if shadow {
                sink.emit(Event::ShadowFill(fill.clone()));
            } else {
                self.stats.fills += 1;
                sink.emit(Event::Fill(fill.clone()));
            }
        }
        if let Some(trade) = booked.trade {
            self.risk
                .record_trade(&trade.strategy, trade.pnl, trade.pnl_pct, shadow);
            if shadow {
                self.stats.shadow_trades += 1;
                sink.emit(Event::ShadowTradeClosed(trade.clone()));
                self.shadow_trades.push(trade);
            } else {
                self.stats.trades += 1;
                sink.emit(Event::TradeClosed(trade.clone()));
                self.trades.push(trade);
            }
        }
        let pos = if shadow {
            self.shadow.position(symbol)
        } else {
            self.account.position(symbol)
        };
        let started = opened && pos.map(|p| p.side) != side_before;
        if !shadow && started {
            // A round trip started (from flat, or through the position): it counts against the
            // day's limit; at the limit, no working order may start another.
            self.risk.record_open(utc_day(r.ts_event));
            if self.risk.trades_today >= self.config.risk.max_trades_per_day {
                self.cancel_entries(t.ts_recv);
            }
            if self.risk.halted.is_some() {
                // The kill switch keeps flattening what in-flight entries opened.
                self.close_position_order(
                    symbol,
                    t.ts_recv,
                    crate::portfolio::ExitReason::KillSwitch,
                );
            }
        }
        self.settled_equity = None;
        self.sync_held(symbol, r.ts_event);
    }

    /// The symbol's held position and funding clock after its position changed at exchange
    /// time `ts_event`.
    pub(super) fn sync_held(&mut self, symbol: SymbolId, ts_event: UnixNanos) {
        let interval = self.config.execution.funding_interval_ns;
        let real = self.account.position(symbol).is_some();
        let shadow = !real && self.shadow.position(symbol).is_some();
        let st = &mut self.symbols[symbol as usize];
        match (real || shadow, st.held) {
            (false, _) => {
                st.held = None;
                st.next_funding = UnixNanos::MAX;
            }
            (true, Some(h)) if h.shadow == shadow => {}
            (true, _) => {
                st.held = Some(Held {
                    shadow,
                    marked: f64::NAN,
                });
                st.next_funding = next_funding_time(ts_event, interval);
            }
        }
    }

    /// Marks the tick's position (real or shadow) at `price`; nothing when the price did not
    /// move.
    #[inline(always)]
    pub(super) fn mark_position(&mut self, t: &Tick, price: f64) {
        let symbol = t.symbol;
        let Some(h) = &mut sym(&mut self.symbols, symbol).held else {
            return;
        };
        if h.marked != price {
            h.marked = price;
            if h.shadow {
                self.shadow.mark(symbol, price);
            } else {
                self.account.mark(symbol, price);
            }
        }
    }
}
