//! Orders on bar data. A bar says where the price went, not in which order, so the path is
//! assumed: the open (a jump from the previous price), then the adverse extreme for the position
//! held at the bar's start (the low for a long or a flat account, the high for a short), then the
//! other extreme. Along that path the first level reached acts first, whatever it belongs to;
//! what it starts (a bracket's exits after an entry fills) can act on the rest of the path.
//!
//! Prices: a stop or a liquidation reached in the range fills at its level (the market passed
//! through it); one the open jumps past fills at the open (a stop: the worse price) or at its
//! level (a liquidation: the venue takes the position over there). A take-profit or a resting
//! limit order fills at its own level, as maker: the bar shows the price was there.

use super::exchange::{BookSource, Exchange};
use crate::orders::{AnyOrder, LiquiditySide, OrderId};
use crate::portfolio::ExitReason;
use crate::tick::Tick;
use crate::types::{OrderSide, Price, Side};

/// Most actions one bar may take (a guard against a strategy that keeps re-placing orders at a
/// level the bar has already crossed).
const MAX_ACTIONS_PER_BAR: usize = 256;

/// Something on the bar's path: an order's level or the liquidation price.
#[derive(Debug, Clone, Copy)]
enum Actor {
    Order(OrderId),
    Liquidation,
}

/// How an actor acts when the price reaches its level.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Stop,
    TakeProfit,
    Limit,
    Liquidation,
}

impl Exchange {
    /// The actors of `symbol` with their level and direction (`true`: acts on falling prices).
    fn actors(&self, symbol: u32) -> Vec<(Actor, Kind, f64, bool)> {
        let mut v = Vec::new();
        let Some(w) = self.symbols.get(symbol as usize) else {
            return v;
        };
        for &id in w.resting.iter().chain(&w.triggers) {
            let Some(o) = self.orders.get(&id) else {
                continue;
            };
            let side = o.core().side;
            let (kind, level, down) = match o {
                AnyOrder::Limit(l) => (Kind::Limit, l.price.to_f64(), side == OrderSide::Buy),
                AnyOrder::StopMarket(s) => {
                    (Kind::Stop, s.trigger.to_f64(), side == OrderSide::Sell)
                }
                AnyOrder::TakeProfit(t) => {
                    (Kind::TakeProfit, t.trigger.to_f64(), side == OrderSide::Buy)
                }
                AnyOrder::Market(_) => continue,
            };
            v.push((Actor::Order(id), kind, level, down));
        }
        if let Some((side, liq)) = w.liquidation {
            if w.position != 0 {
                v.push((
                    Actor::Liquidation,
                    Kind::Liquidation,
                    liq,
                    side == Side::Long,
                ));
            }
        }
        v
    }

    /// A bar of `t.symbol`; `prev` is the price before it (NaN when unknown).
    pub(super) fn on_bar<B: BookSource + ?Sized>(&mut self, t: &Tick, prev: f64, books: &B) {
        let symbol = t.symbol;
        let band = self.symbols[symbol as usize].band;
        let open_inside = !(t.open <= band.0 || t.open >= band.1);
        if t.low > band.0 && t.high < band.1 && open_inside {
            return;
        }
        let at = t.ts_event;
        // Each order acts at most once per bar (an order that could not act stays as it was).
        let mut done: Vec<OrderId> = Vec::new();
        let mut actions = 0;
        // The open: a jump from the previous price.
        if t.open.is_finite() {
            actions += self.jump_to(symbol, t.open, at, books, &mut done);
        }
        let start = if t.open.is_finite() {
            t.open
        } else if prev.is_finite() {
            prev
        } else {
            t.close
        };
        let long_or_flat = self.position(symbol) >= 0;
        let path = if long_or_flat {
            [start, t.low, t.high]
        } else {
            [start, t.high, t.low]
        };
        for seg in path.windows(2) {
            let (mut from, to) = (seg[0], seg[1]);
            if !(from.is_finite() && to.is_finite()) {
                continue;
            }
            let down = to < from;
            while actions < MAX_ACTIONS_PER_BAR {
                // The first level the segment reaches from `from`.
                let next = self
                    .actors(symbol)
                    .into_iter()
                    .filter(|a| !matches!(a.0, Actor::Order(id) if done.contains(&id)))
                    .filter(|a| {
                        a.3 == down
                            && if down {
                                a.2 <= from && a.2 >= to
                            } else {
                                a.2 >= from && a.2 <= to
                            }
                    })
                    .max_by(|a, b| {
                        let (x, y) = if down { (a.2, b.2) } else { (b.2, a.2) };
                        // The farther-reaching level along the path first; at equal levels stops
                        // and liquidation (adverse) before the rest.
                        x.total_cmp(&y)
                            .then(adverse_rank(b.1).cmp(&adverse_rank(a.1)))
                    });
                let Some((actor, kind, level, _)) = next else {
                    break;
                };
                if let Actor::Order(id) = actor {
                    done.push(id);
                }
                self.act_at(symbol, actor, kind, level, level, at, books);
                actions += 1;
                from = level;
            }
        }
        self.update_band(symbol);
    }

    /// The open jumps past levels: each acts at the open (stops: the worse price) or at its own
    /// level (take-profits, limits, liquidation). Adverse ones first. Returns how many acted.
    fn jump_to<B: BookSource + ?Sized>(
        &mut self,
        symbol: u32,
        open: f64,
        at: i64,
        books: &B,
        done: &mut Vec<OrderId>,
    ) -> usize {
        let mut hit: Vec<(Actor, Kind, f64)> = self
            .actors(symbol)
            .into_iter()
            .filter(|a| if a.3 { open <= a.2 } else { open >= a.2 })
            .map(|a| (a.0, a.1, a.2))
            .collect();
        hit.sort_by_key(|h| adverse_rank(h.1));
        let n = hit.len();
        for (actor, kind, level) in hit {
            if let Actor::Order(id) = actor {
                done.push(id);
            }
            let px = match kind {
                Kind::Stop => open,
                _ => level,
            };
            self.act_at(symbol, actor, kind, level, px, at, books);
        }
        n
    }

    /// `actor` acts with its market at `px` (its level is `level`).
    #[allow(clippy::too_many_arguments)]
    fn act_at<B: BookSource + ?Sized>(
        &mut self,
        symbol: u32,
        actor: Actor,
        kind: Kind,
        level: f64,
        px: f64,
        at: i64,
        _books: &B,
    ) {
        let price = crate::portfolio::price_level(px);
        match actor {
            Actor::Liquidation => {
                let fee = self.cfg.liquidation_fee_bps;
                self.force_close(
                    symbol,
                    crate::portfolio::price_level(level),
                    ExitReason::Liquidation,
                    fee,
                    at,
                );
            }
            Actor::Order(id) => {
                let Some(o) = self.orders.get(&id) else {
                    return;
                };
                if !o.core().status.is_working() {
                    return;
                }
                let mut want = o.core().leaves();
                if o.core().reduce_only {
                    let pos = self.position(symbol);
                    if !super::exchange::reduces(pos, o.core().side) {
                        return;
                    }
                    want = want.min(crate::types::Qty(pos.abs()));
                }
                match kind {
                    Kind::Limit => self.execute(id, want, price, LiquiditySide::Maker, at),
                    Kind::TakeProfit | Kind::Stop => {
                        let Some(o) = self.orders.get_mut(&id) else {
                            return;
                        };
                        if o.core_mut()
                            .apply(crate::orders::Transition::Trigger)
                            .is_err()
                        {
                            return;
                        }
                        o.core_mut().ts_last = at;
                        let c = o.core().clone();
                        let header = self.header(&c, at);
                        let observed = Price::from_f64(px).unwrap_or(price);
                        self.notify(crate::orders::OrderEvent::Triggered(
                            crate::orders::OrderTriggered {
                                header,
                                price: observed,
                            },
                        ));
                        // A take-profit on a bar fills at its level as a resting order would; a
                        // stop takes the market at its level (or the open it gapped to).
                        let liquidity = if kind == Kind::TakeProfit {
                            LiquiditySide::Maker
                        } else {
                            LiquiditySide::Taker
                        };
                        self.execute(id, want, price, liquidity, at);
                        self.expire_rest(id, at);
                    }
                    Kind::Liquidation => {}
                }
            }
        }
    }
}

/// Adverse actors first when several act together: liquidation, stops, then the rest.
fn adverse_rank(k: Kind) -> u8 {
    match k {
        Kind::Liquidation => 0,
        Kind::Stop => 1,
        Kind::TakeProfit => 2,
        Kind::Limit => 3,
    }
}
