//! The built-in market maker: quotes both sides with limit orders and lives off the spread,
//! keeping its inventory within a hard cap. Two quoting rules:
//!
//! - `avellaneda_stoikov` (Avellaneda & Stoikov 2008): around a reservation price that leans
//!   against the inventory, `r = s − q·γ·σ²·τ`, with the total spread
//!   `δ = γ·σ²·τ + (2/γ)·ln(1 + γ/κ)`; `s` the mid, `q` the inventory in lots, `σ²` the variance
//!   of the mid per second (an exponentially weighted estimate), `τ` the horizon in seconds,
//!   `γ` the risk aversion and `κ` the decay of fill intensity with distance from the mid.
//! - `touch`: a bid at the best bid and an ask at the best ask; a quote that is no longer at the
//!   best is canceled and replaced. This is the rule the hftbacktest comparison runs in both
//!   systems (`benches/peers/`).
//!
//! The cap is hard: a new bid goes out only if the position plus every buy that can still fill
//! (sent, resting, or being canceled) plus the new quote stays within `max_position`; the ask
//! mirrors it. The position is what the strategy knows: its fills whose events reached it.

use serde::Deserialize;

use super::{OrderContext, OrderStrategy, StrategyError};
use crate::orders::{ClientOrderId, NewOrder, OrderEvent, TimeInForce};
use crate::types::{OrderSide, SymbolId, UnixNanos, NANOS_PER_SECOND};

/// The quoting rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteRule {
    /// Avellaneda–Stoikov reservation price and spread.
    AvellanedaStoikov,
    /// Best bid and best ask.
    Touch,
}

/// Settings of the market maker (`market_maker` in the engine config).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MarketMakerConfig {
    /// Run it. Default false.
    pub enabled: bool,
    /// The quoting rule. Default `avellaneda_stoikov`.
    pub rule: QuoteRule,
    /// Size of each quote, base units. Default 0.001.
    pub order_qty: f64,
    /// Largest inventory either way, base units (a hard cap). Default 0.005.
    pub max_position: f64,
    /// Risk aversion γ, per lot of `order_qty` and unit of price. Default 0.1.
    pub gamma: f64,
    /// Fill-intensity decay κ, per unit of price. Default 1.5.
    pub kappa: f64,
    /// Horizon τ, seconds. Default 1.
    pub horizon_s: f64,
    /// Half-life of the volatility estimate, seconds. Default 30.
    pub vol_halflife_s: f64,
    /// Price tick of the venue; quotes are rounded to it (bids down, asks up). Default 0.1.
    pub tick_size: f64,
    /// A resting quote is moved only when its price is this many ticks from the wanted one.
    /// Default 1.
    pub requote_ticks: f64,
    /// Quote post-only (never take). Default true for `avellaneda_stoikov`; the `touch` rule uses
    /// GTC as the comparison does.
    pub post_only: bool,
}

impl Default for MarketMakerConfig {
    fn default() -> Self {
        MarketMakerConfig {
            enabled: false,
            rule: QuoteRule::AvellanedaStoikov,
            order_qty: 0.001,
            max_position: 0.005,
            gamma: 0.1,
            kappa: 1.5,
            horizon_s: 1.0,
            vol_halflife_s: 30.0,
            tick_size: 0.1,
            requote_ticks: 1.0,
            post_only: true,
        }
    }
}

impl MarketMakerConfig {
    /// Checks the settings.
    pub fn check(&self) -> Result<(), String> {
        let positive = [
            ("order_qty", self.order_qty),
            ("max_position", self.max_position),
            ("gamma", self.gamma),
            ("kappa", self.kappa),
            ("horizon_s", self.horizon_s),
            ("vol_halflife_s", self.vol_halflife_s),
            ("tick_size", self.tick_size),
        ];
        for (name, v) in positive {
            if !(v > 0.0 && v.is_finite()) {
                return Err(format!("market_maker.{name} must be a positive number"));
            }
        }
        if !(self.requote_ticks >= 0.0) {
            return Err("market_maker.requote_ticks must be >= 0".into());
        }
        Ok(())
    }
}

/// Where one of our quotes is, as the strategy knows it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stage {
    /// Sent, not yet acknowledged.
    Sent,
    /// Acknowledged: resting in the book.
    Resting,
    /// A cancel is on its way: it can still fill.
    Canceling,
}

#[derive(Debug, Clone, Copy)]
struct Quote {
    side: OrderSide,
    price: f64,
    leaves: f64,
    stage: Stage,
}

/// Per-symbol state.
#[derive(Debug, Default)]
struct Book {
    position: f64,
    /// Our quotes not known to be finished (a handful: a linear search beats hashing).
    quotes: Vec<(ClientOrderId, Quote)>,
    /// EWMA of squared mid changes per second, and the last mid and its time.
    var_rate: f64,
    last_mid: Option<(f64, UnixNanos)>,
}

/// The built-in market maker.
#[derive(Debug)]
pub struct MarketMaker {
    c: MarketMakerConfig,
    /// By symbol id.
    books: Vec<Book>,
    next_id: u64,
}

impl MarketMaker {
    /// A market maker with `c`.
    pub fn new(c: MarketMakerConfig) -> Self {
        MarketMaker {
            c,
            books: Vec::new(),
            next_id: 0,
        }
    }

    fn book(&mut self, symbol: SymbolId) -> &mut Book {
        let idx = symbol as usize;
        if self.books.len() <= idx {
            self.books.resize_with(idx + 1, Book::default);
        }
        &mut self.books[idx]
    }

    /// The prices it wants now (NaN: no quote on that side), from the touch and its state.
    fn wanted(c: &MarketMakerConfig, b: &Book, bid: f64, ask: f64) -> (f64, f64) {
        match c.rule {
            QuoteRule::Touch => (bid, ask),
            QuoteRule::AvellanedaStoikov => {
                let mid = 0.5 * (bid + ask);
                let q = b.position / c.order_qty;
                let var = b.var_rate * c.horizon_s;
                let reservation = mid - q * c.gamma * var;
                let spread = c.gamma * var + (2.0 / c.gamma) * (1.0 + c.gamma / c.kappa).ln();
                let tick = c.tick_size;
                // Rounded away from the reservation price, and never crossing the book.
                let b_px = ((reservation - spread / 2.0) / tick + 1e-9).floor() * tick;
                let a_px = ((reservation + spread / 2.0) / tick - 1e-9).ceil() * tick;
                (b_px.min(ask - tick), a_px.max(bid + tick))
            }
        }
    }

    /// The rule, run on every market change and every order event.
    fn quote(&mut self, ctx: &mut OrderContext<'_>) {
        let (bid, ask) = ctx.touch();
        if !(bid.is_finite() && ask.is_finite() && bid < ask) {
            return;
        }
        let symbol = ctx.symbol;
        self.book(symbol);
        let MarketMaker { c, books, next_id } = self;
        let book = &mut books[symbol as usize];
        if c.rule == QuoteRule::AvellanedaStoikov {
            // The volatility estimate follows the mid.
            let mid = 0.5 * (bid + ask);
            match book.last_mid {
                Some((m0, t0)) => {
                    let dt = (ctx.ts_event - t0) as f64 / NANOS_PER_SECOND as f64;
                    if dt > 0.0 {
                        let k = 1.0 - (-std::f64::consts::LN_2 * dt / c.vol_halflife_s).exp();
                        book.var_rate += k * ((mid - m0).powi(2) / dt - book.var_rate);
                        book.last_mid = Some((mid, ctx.ts_event));
                    }
                }
                None => book.last_mid = Some((mid, ctx.ts_event)),
            }
        }
        let (want_bid, want_ask) = Self::wanted(c, book, bid, ask);
        let tol = (c.requote_ticks * c.tick_size - 1e-9).max(0.0);
        // Quotes away from where they should be are canceled (they can fill until the cancel
        // lands); what is still working or on its way counts against the cap.
        let (mut open_buy, mut open_sell, mut live_buy, mut live_sell) = (0.0, 0.0, false, false);
        for (id, q) in &mut book.quotes {
            let buy = q.side == OrderSide::Buy;
            let want = if buy { want_bid } else { want_ask };
            let stale = match c.rule {
                QuoteRule::Touch => q.price != want,
                QuoteRule::AvellanedaStoikov => (q.price - want).abs() > tol,
            };
            if q.stage == Stage::Resting && stale {
                q.stage = Stage::Canceling;
                ctx.cancel(id.clone());
            }
            let live = q.stage != Stage::Canceling;
            if buy {
                open_buy += q.leaves;
                live_buy |= live;
            } else {
                open_sell += q.leaves;
                live_sell |= live;
            }
        }
        let cap = c.max_position + 1e-12;
        let tif = if c.post_only {
            TimeInForce::PostOnly
        } else {
            TimeInForce::Gtc
        };
        let sends = [
            (
                OrderSide::Buy,
                want_bid,
                !live_buy && book.position + open_buy + c.order_qty <= cap,
            ),
            (
                OrderSide::Sell,
                want_ask,
                !live_sell && -book.position + open_sell + c.order_qty <= cap,
            ),
        ];
        for (side, price, go) in sends {
            if !(go && price.is_finite()) {
                continue;
            }
            *next_id += 1;
            let id = ClientOrderId::new(&format!("mm-{next_id}")).expect("a valid client id");
            let mut o = NewOrder::limit(symbol, side, c.order_qty, price, tif, "market_maker");
            o.client_id = Some(id.clone());
            book.quotes.push((
                id,
                Quote {
                    side,
                    price,
                    leaves: c.order_qty,
                    stage: Stage::Sent,
                },
            ));
            ctx.submit(o);
        }
    }
}

impl OrderStrategy for MarketMaker {
    fn name(&self) -> &str {
        "market_maker"
    }

    fn on_market(&mut self, ctx: &mut OrderContext<'_>) -> Result<(), StrategyError> {
        self.quote(ctx);
        Ok(())
    }

    fn on_order_event(
        &mut self,
        ctx: &mut OrderContext<'_>,
        e: &OrderEvent,
    ) -> Result<(), StrategyError> {
        let h = e.header();
        let book = self.book(h.symbol);
        if let Some(f) = e.fill() {
            let q = f.qty.to_f64();
            book.position += if f.side == OrderSide::Buy { q } else { -q };
        }
        let at = book.quotes.iter().position(|(id, _)| *id == h.client_id);
        if let Some(i) = at {
            let q = &mut book.quotes[i].1;
            match e {
                OrderEvent::Accepted(_) if q.stage == Stage::Sent => q.stage = Stage::Resting,
                OrderEvent::PartiallyFilled(p) => q.leaves = p.fill.leaves.to_f64(),
                OrderEvent::Modified(m) => q.price = m.price.to_f64(),
                OrderEvent::Filled(_) | OrderEvent::Canceled(_) | OrderEvent::Expired(_) => {
                    book.quotes.swap_remove(i);
                }
                OrderEvent::Rejected(r) if r.request == "new" => {
                    book.quotes.swap_remove(i);
                }
                _ => {}
            }
        }
        // The answer is a step of the rule too (hftbacktest steps on responses as on feed).
        if ctx.symbol == h.symbol {
            self.quote(ctx);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::OrderRequest;
    use crate::sim::MarketMemory;

    fn ctx(bid: f64, ask: f64, ts: UnixNanos) -> OrderContext<'static> {
        let m = MarketMemory {
            bid,
            ask,
            bid_qty: 1.0,
            ask_qty: 1.0,
            last: bid,
        };
        OrderContext::new(ts, ts, 0, 0.0, None, m)
    }

    fn sent(c: &mut OrderContext<'_>) -> Vec<(OrderSide, f64)> {
        c.take_requests()
            .into_iter()
            .filter_map(|r| match r {
                OrderRequest::New(o) => match o.kind {
                    crate::orders::OrderType::Limit { price, .. } => Some((o.side, price)),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    #[test]
    fn avellaneda_stoikov_quotes_around_a_reservation_price_that_leans_on_inventory() {
        let cfg = MarketMakerConfig {
            enabled: true,
            gamma: 0.1,
            kappa: 1.5,
            tick_size: 0.1,
            ..Default::default()
        };
        let mut mm = MarketMaker::new(cfg.clone());
        let mut c = ctx(100.0, 100.2, 0);
        mm.quote(&mut c);
        let q = sent(&mut c);
        // No volatility yet: spread = (2/γ)·ln(1 + γ/κ) ≈ 1.29, around the mid 100.1.
        let spread = (2.0 / 0.1) * (1.0f64 + 0.1 / 1.5).ln();
        assert_eq!(q.len(), 2);
        assert!(
            (q[0].1 - ((100.1 - spread / 2.0) / 0.1).floor() * 0.1).abs() < 1e-9,
            "{q:?}"
        );
        assert!(q[0].1 < 100.1 && q[1].1 > 100.1);
        // Long inventory moves both quotes down (it wants to sell).
        let mut long = MarketMaker::new(cfg);
        long.book(0).position = 0.003;
        long.book(0).var_rate = 4.0;
        let mut c = ctx(100.0, 100.2, 0);
        long.quote(&mut c);
        let l = sent(&mut c);
        assert!(l[0].1 < q[0].1 && l[1].1 < q[1].1, "{l:?} vs {q:?}");
    }

    #[test]
    fn the_inventory_cap_counts_every_order_that_can_still_fill() {
        let cfg = MarketMakerConfig {
            enabled: true,
            rule: QuoteRule::Touch,
            max_position: 0.002,
            ..Default::default()
        };
        let mut mm = MarketMaker::new(cfg);
        let mut c = ctx(100.0, 100.1, 0);
        mm.quote(&mut c);
        assert_eq!(
            sent(&mut c),
            vec![(OrderSide::Buy, 100.0), (OrderSide::Sell, 100.1)]
        );
        // Long 0.001 with a bid still working: a new bid would make 0.003 > 0.002.
        let b = mm.book(0);
        b.position = 0.001;
        for (_, q) in &mut b.quotes {
            q.stage = Stage::Resting;
        }
        // The touch moved: the bid is canceled, and no new bid while it can still fill.
        let mut c = ctx(100.1, 100.2, 1);
        mm.quote(&mut c);
        let new = sent(&mut c);
        assert!(new.iter().all(|(s, _)| *s == OrderSide::Sell), "{new:?}");
    }
}
