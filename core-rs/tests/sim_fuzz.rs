//! A long random run of the exchange simulator's order API over a real L2 capture: random
//! orders of every kind (market, GTC, post-only, IOC, FOK, stop-market and take-profit on the
//! last or the mark price; reduce-only or not; with or without a bracket; invalid ones too),
//! modifies and cancels (of working, finished and unknown orders, and twice), interleaved with
//! the depth updates, trades and best bid / ask updates of Binance USDⓈ-M BTCUSDT on 2024-08-08
//! (replayed again, from its snapshot, as often as the operations need; each pass with another
//! venue: queue model, latencies, and whether requests come before trades or after them as in
//! the engine). Every event and report is checked as it happens by `support/sim_check.rs`
//! (liquidity, prices, queues, FIFO, post-only, time in force, the order state machine, reports
//! against events and the position, reduce-only); a panic anywhere fails the run.
//!
//! `QUANTUM_FUZZ_OPS` sets the number of operations (default 100,000: about seven seconds in a
//! debug build, three of them reading the capture); `QUANTUM_FUZZ_SEED` the seed. The long run:
//! `QUANTUM_FUZZ_OPS=10000000 cargo test --release --locked --test sim_fuzz -- --nocapture`.

use std::time::Instant;

use quantum_core::orders::{
    ClientOrderId, NewOrder, OrderId, OrderStatus, OrderType, TimeInForce, TriggerSource,
};
use quantum_core::sim::queue::ProbShapeKind;
use quantum_core::sim::{BracketSpec, FeePreset, LatencyConfig, QueueConfig, QueueKind, SimConfig};
use quantum_core::types::{OrderSide, SCALE};

#[allow(dead_code)] // each test binary uses part of the harness
#[path = "support/sim_check.rs"]
mod sim_check;
use sim_check::{Harness, Kind, Stats};

#[allow(dead_code)]
#[path = "support/l2_capture.rs"]
mod l2_capture;
use l2_capture::{Capture, Event};

const CAPTURE: &str = "l2_book/binance_usdm_btcusdt_20240808.jsonl.gz";
const DEFAULT_OPS: u64 = 100_000;
const DEFAULT_SEED: u64 = 0x5EED_2024_0808_F022;
/// BTCUSDT's price tick.
const TICK: f64 = 0.1;
/// Past this many open orders the run cancels all of them (deep limits and far stops pile up).
const MAX_OPEN: usize = 40;

/// Violations counted and printed but not failed on: none (FIFO and reduce-only were, until the
/// simulator bugs behind them were fixed; their reproductions are in `sim_properties.rs`).
const TOLERATED: [Kind; 0] = [];

/// xorshift64*: small, seeded, the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform below `n` (> 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .replace('_', "")
            .parse()
            .unwrap_or_else(|e| panic!("{name}={v}: {e}")),
        Err(_) => default,
    }
}

/// The venues the passes cycle through: every queue model, several constant latencies, and
/// both orders of requests and trades (the engine's, then arrival order; see
/// `Harness::causal`).
fn venue(pass: u64) -> Harness {
    let (model, shape, entry_ms, response_ms) = match pass % 4 {
        0 => (QueueKind::RiskAverse, ProbShapeKind::Power, 0.0, 0.0),
        1 => (QueueKind::Prob, ProbShapeKind::Power, 5.0, 5.0),
        2 => (QueueKind::Prob, ProbShapeKind::Log, 1.0, 3.0),
        _ => (QueueKind::None, ProbShapeKind::Power, 2.0, 0.0),
    };
    let cfg = SimConfig {
        queue: QueueConfig {
            model,
            shape,
            power: 3.0,
        },
        order_latency: LatencyConfig::constant_ms(entry_ms, response_ms),
        fees: FeePreset::BinanceUsdm.schedule(),
        qty_step: 0.001,
        ..Default::default()
    };
    let h = Harness::new(cfg, false);
    if (pass / 4) % 2 == 1 {
        h.causal()
    } else {
        h
    }
}

/// The random client: what it sent, and how it picks the next request.
struct Client {
    rng: Rng,
    /// Recent orders (working or not), newest last.
    recent: Vec<(ClientOrderId, OrderSide, OrderId)>,
    next_id: u64,
    ops: u64,
    /// Market event of the latest cancel-everything.
    cleared_at: u64,
}

impl Client {
    fn remember(&mut self, client: ClientOrderId, side: OrderSide, id: OrderId) {
        if self.recent.len() == 64 {
            self.recent.remove(0);
        }
        self.recent.push((client, side, id));
    }

    /// A recent order: mostly one still at the venue, else any (finished ones too).
    fn pick(&mut self, h: &Harness) -> Option<(ClientOrderId, OrderSide)> {
        if self.recent.is_empty() {
            return None;
        }
        let n = self.recent.len();
        let start = self.rng.below(n as u64) as usize;
        let mut i = start;
        if self.rng.chance(80) {
            // The first one still at the venue from a random place on.
            i = (0..n)
                .map(|k| (start + k) % n)
                .find(|&j| h.venue.order(self.recent[j].2).is_some())
                .unwrap_or(start);
        }
        let (c, side, _) = &self.recent[i];
        Some((c.clone(), *side))
    }

    fn qty(&mut self) -> f64 {
        if self.rng.chance(90) {
            self.rng.range(1, 20) as f64 * 0.001
        } else {
            // Big enough to walk several levels.
            self.rng.range(100, 5_000) as f64 * 0.001
        }
    }

    /// One request to the venue.
    fn act(&mut self, h: &mut Harness) {
        self.ops += 1;
        if h.open_count() > MAX_OPEN && h.seq() > self.cleared_at + 20 {
            // Cancel everything (once: the cancels take a while to arrive).
            self.cleared_at = h.seq();
            let open: Vec<ClientOrderId> = h
                .venue
                .open_orders()
                .iter()
                .map(|o| o.core().client_id.clone())
                .collect();
            self.ops += open.len().saturating_sub(1) as u64;
            for c in &open {
                let _ = h.cancel(c);
            }
            return;
        }
        let (Some(bid), Some(ask)) = (h.book.best_bid(), h.book.best_ask()) else {
            return;
        };
        let (bid, ask) = (bid.price.to_f64(), ask.price.to_f64());
        let r = self.rng.below(100);
        if r < 52 {
            self.submit(h, bid, ask);
        } else if r < 76 {
            self.cancel(h);
        } else {
            self.modify(h, bid, ask);
        }
    }

    fn submit(&mut self, h: &mut Harness, bid: f64, ask: f64) {
        let buy = self.rng.chance(50);
        let side = if buy { OrderSide::Buy } else { OrderSide::Sell };
        let (own, other) = if buy { (bid, ask) } else { (ask, bid) };
        let dir = if buy { 1.0 } else { -1.0 };
        let r = self.rng.below(100);
        let kind = if r < 55 {
            // From well behind the touch to a few ticks through the other side.
            let k = self.rng.range(-8, 4) as f64;
            let price = if k > 1.0 {
                other + dir * (k - 2.0) * TICK
            } else {
                own + dir * k * TICK
            };
            let tif = match self.rng.below(10) {
                0..=4 => TimeInForce::Gtc,
                5..=6 => TimeInForce::PostOnly,
                7..=8 => TimeInForce::Ioc,
                _ => TimeInForce::Fok,
            };
            OrderType::Limit { price, tif }
        } else if r < 75 {
            OrderType::Market
        } else {
            let source = if self.rng.chance(50) {
                TriggerSource::Last
            } else {
                TriggerSource::Mark
            };
            let away = self.rng.range(0, 30) as f64 * TICK;
            if r < 88 {
                // Stops above the market for a buy, below for a sell (0 away: may fire at once).
                OrderType::StopMarket {
                    trigger: if buy { ask + away } else { bid - away },
                    source,
                }
            } else {
                OrderType::TakeProfit {
                    trigger: if buy { bid - away } else { ask + away },
                    source,
                }
            }
        };
        let mut o = NewOrder::market(0, side, self.qty(), "fuzz");
        o.kind = kind;
        o.reduce_only = self.rng.chance(20);
        if !o.reduce_only && self.rng.chance(15) {
            let f = |rng: &mut Rng| Some(rng.range(2, 40) as f64 * 1e-4);
            o.bracket = Some(BracketSpec {
                take_profit: if self.rng.chance(80) {
                    f(&mut self.rng)
                } else {
                    None
                },
                stop_loss: if self.rng.chance(80) {
                    f(&mut self.rng)
                } else {
                    None
                },
            });
        }
        match self.rng.below(100) {
            0..=49 => {}
            50..=94 => {
                self.next_id += 1;
                o.client_id =
                    Some(ClientOrderId::new(&format!("f-{}", self.next_id)).expect("client id"));
            }
            // A client id already in use.
            _ => o.client_id = self.pick(h).map(|p| p.0),
        }
        if self.rng.chance(3) {
            // Invalid on purpose: a quantity below the step, a price that is not one.
            match self.rng.below(3) {
                0 => o.qty = 0.0004,
                1 => {
                    o.kind = OrderType::Limit {
                        price: f64::NAN,
                        tif: TimeInForce::Gtc,
                    }
                }
                _ => {
                    o.kind = OrderType::StopMarket {
                        trigger: -1.0,
                        source: TriggerSource::Last,
                    }
                }
            }
        }
        if let Some(id) = h.submit(o.clone()) {
            let client = o.client_id.unwrap_or_else(|| ClientOrderId::generated(id));
            self.remember(client, side, id);
        }
    }

    fn cancel(&mut self, h: &mut Harness) {
        let r = self.rng.below(100);
        let client = if r < 5 {
            ClientOrderId::new("never-sent").expect("client id")
        } else {
            let Some((c, _)) = self.pick(h) else { return };
            c
        };
        let _ = h.cancel(&client);
        if r >= 90 {
            self.ops += 1;
            let _ = h.cancel(&client);
        }
    }

    fn modify(&mut self, h: &mut Harness, bid: f64, ask: f64) {
        let Some((client, side)) = self.pick(h) else {
            return;
        };
        let (own, dir) = if side == OrderSide::Sell {
            (ask, -1.0)
        } else {
            (bid, 1.0)
        };
        let price = self
            .rng
            .chance(60)
            .then(|| own + dir * self.rng.range(-6, 3) as f64 * TICK);
        let qty = (price.is_none() || self.rng.chance(40)).then(|| self.qty());
        let (price, qty) = if self.rng.chance(3) {
            (Some(f64::NAN), Some(0.0))
        } else {
            (price, qty)
        };
        let _ = h.modify(&client, price, qty);
    }
}

/// Totals over the passes.
#[derive(Default)]
struct Totals {
    stats: Stats,
    orders: [u64; 8],
    violations: [u64; 12],
    examples: String,
    passes: u64,
    /// Requests the client made.
    ops: u64,
}

impl Totals {
    fn add(&mut self, h: &Harness) {
        let s = h.stats();
        self.stats.maker_fills += s.maker_fills;
        self.stats.taker_fills += s.taker_fills;
        self.stats.maker_qty += s.maker_qty;
        self.stats.taker_qty += s.taker_qty;
        self.stats.market_events += s.market_events;
        self.stats.modified += s.modified;
        self.stats.triggered += s.triggered;
        self.stats.refused_requests += s.refused_requests;
        for (t, n) in self.orders.iter_mut().zip(h.venue.counts().by_status) {
            *t += n;
        }
        for (i, k) in Kind::ALL.iter().enumerate() {
            let n = h.violations().count(*k);
            if n > 0 && self.violations[i] == 0 {
                self.examples += &format!(
                    "{k:?} (pass {}):\n{}\n",
                    self.passes,
                    h.violations().describe(*k)
                );
            }
            self.violations[i] += n;
        }
        self.passes += 1;
    }
}

/// One pass over the capture with venue `h`, until the client has made `target` requests.
fn pass(cap: &Capture, mut h: Harness, client: &mut Client, target: u64) -> Harness {
    client.recent.clear();
    client.cleared_at = 0;
    h.snapshot(cap.snapshot_ts, cap.last_update_id, &cap.bids, &cap.asks);
    for e in &cap.events {
        // About three requests per market event.
        while client.ops < target && client.rng.chance(75) {
            client.act(&mut h);
        }
        match e {
            Event::Depth {
                ts,
                ids,
                bids,
                asks,
            } => h.depth(*ts, *ids, bids, asks),
            Event::Trade {
                ts,
                price,
                qty,
                buyer_maker,
            } => h.trade(*ts, *price, *qty, *buyer_maker),
            Event::Quote {
                ts,
                bid,
                ask,
                bid_qty,
                ask_qty,
            } => h.quote(*ts, *bid, *ask, *bid_qty, *ask_qty),
        }
        if client.ops >= target {
            break;
        }
    }
    h.finish();
    h
}

fn run(target: u64, seed: u64) -> Totals {
    let cap = l2_capture::load(CAPTURE, usize::MAX);
    let mut client = Client {
        rng: Rng(seed | 1),
        recent: Vec::new(),
        next_id: 0,
        ops: 0,
        cleared_at: 0,
    };
    let mut totals = Totals::default();
    while client.ops < target {
        let h = pass(&cap, venue(totals.passes), &mut client, target);
        totals.add(&h);
    }
    totals.ops = client.ops;
    totals
}

fn report(totals: &Totals, seed: u64, secs: f64) {
    let ops = totals.ops;
    let orders: Vec<String> = OrderStatus::ALL
        .iter()
        .zip(totals.orders)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} {n}", s.as_str()))
        .collect();
    let s = &totals.stats;
    let q = |units: i64| units as f64 / SCALE as f64;
    eprintln!(
        "sim_fuzz: {ops} ops (seed {seed:#x}), {} market events over {} passes of {CAPTURE}, {:.1} s\n  \
         orders by final state: {}\n  \
         fills: maker {} ({:.3} BTC), taker {} ({:.3} BTC)\n  \
         modified {}, triggered {}, cancels and modifies refused {}\n  \
         tolerated violations: {}",
        s.market_events,
        totals.passes,
        secs,
        orders.join(", "),
        s.maker_fills,
        q(s.maker_qty),
        s.taker_fills,
        q(s.taker_qty),
        s.modified,
        s.triggered,
        s.refused_requests,
        TOLERATED.iter().map(|k| format!("{k:?} {}", totals.violations[k.index()])).collect::<Vec<_>>().join(", "),
    );
}

#[test]
fn random_order_flow_over_a_real_l2_capture_keeps_every_invariant() {
    let target = env_u64("QUANTUM_FUZZ_OPS", DEFAULT_OPS);
    let seed = env_u64("QUANTUM_FUZZ_SEED", DEFAULT_SEED);
    let start = Instant::now();
    let totals = run(target, seed);
    report(&totals, seed, start.elapsed().as_secs_f64());
    let failed: Vec<String> = Kind::ALL
        .iter()
        .filter(|k| !TOLERATED.contains(k) && totals.violations[k.index()] > 0)
        .map(|k| format!("{k:?}: {}", totals.violations[k.index()]))
        .collect();
    assert!(
        failed.is_empty(),
        "violations {failed:?}\n{}",
        totals.examples
    );
    // The run exercised what it claims to.
    let s = &totals.stats;
    assert!(
        s.maker_fills > 0 && s.taker_fills > 0,
        "fills maker {} taker {}",
        s.maker_fills,
        s.taker_fills
    );
    for status in [
        OrderStatus::Filled,
        OrderStatus::Canceled,
        OrderStatus::Rejected,
        OrderStatus::Expired,
    ] {
        let i = OrderStatus::ALL
            .iter()
            .position(|&x| x == status)
            .unwrap_or(0);
        assert!(totals.orders[i] > 0, "no order ended {}", status.as_str());
    }
}
