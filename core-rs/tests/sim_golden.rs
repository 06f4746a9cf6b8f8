//! A golden run of the exchange simulator on a real L2 capture: a simple deterministic market
//! maker quotes 0.001 BTC post-only on both sides at the touch of Binance USDⓈ-M BTCUSDT on
//! 2024-08-08 (the whole capture: 93,954 lines, fewer than the 200,000 asked for), moves a quote
//! when its touch moves, and stops quoting the side that would take its inventory past 0.01
//! BTC. The venue uses the probabilistic queue model (power 3) and a constant 5 ms entry and
//! 5 ms response latency, and gets the market events the way the engine hands them over; the
//! strategy sees each market event as the venue does and its own order events 5 ms after the
//! venue sent them.
//!
//! The figures pin the simulator's behaviour: fills, quantities, cash and the final position
//! must stay exactly these. A change means the matcher changed: find out why before recording
//! new figures. To record them, run
//! `QUANTUM_GOLDEN_PRINT=1 cargo test --locked --test sim_golden -- --nocapture` and copy what
//! it prints into `GOLDEN`. Every event and report of the run also goes through the checks of
//! `support/sim_check.rs`.

use quantum_core::orders::{ClientOrderId, NewOrder, OrderEvent, OrderId, TimeInForce};
use quantum_core::sim::queue::ProbShapeKind;
use quantum_core::sim::{FeePreset, LatencyConfig, QueueConfig, QueueKind, SimConfig};
use quantum_core::types::{OrderSide, Price, Qty};

#[allow(dead_code)] // each test binary uses part of the harness
#[path = "support/sim_check.rs"]
mod sim_check;
use sim_check::{Harness, Kind};

#[allow(dead_code)]
#[path = "support/l2_capture.rs"]
mod l2_capture;
use l2_capture::Event;

const CAPTURE: &str = "l2_book/binance_usdm_btcusdt_20240808.jsonl.gz";
const MAX_LINES: usize = 200_000;
/// Size of each quote, BTC.
const QUOTE: f64 = 0.001;
/// Most inventory either way, BTC.
const CAP: f64 = 0.01;

/// What the run produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Figures {
    /// Capture lines read and market events replayed.
    lines: usize,
    market_events: u64,
    /// Requests the strategy sent.
    quotes_sent: u64,
    modifies_sent: u64,
    cancels_sent: u64,
    /// Executions, maker and taker, and their quantities (10⁻⁸ BTC).
    maker_fills: u64,
    taker_fills: u64,
    maker_qty: i64,
    taker_qty: i64,
    /// Σ signed notional of the fills (sells positive), 10⁻¹⁶ USDT.
    cash: i128,
    /// The venue's position at the end, and the largest |inventory| the strategy saw, 10⁻⁸ BTC.
    position: i64,
    max_inventory: i64,
    /// Orders by final state: filled, canceled, rejected, expired.
    filled: u64,
    canceled: u64,
    rejected: u64,
    expired: u64,
}

// Re-recorded when requests reaching the venue by a depth message's time moved to after the
// message (matched against the book it leaves, as after a tick) and our own orders at a level
// became FIFO among themselves.
const GOLDEN: Figures = Figures {
    lines: 93954,
    market_events: 93902,
    quotes_sent: 850,
    modifies_sent: 477,
    cancels_sent: 0,
    maker_fills: 796,
    taker_fills: 0,
    maker_qty: 78200000,
    taker_qty: 0,
    cash: -49268000000000000,
    position: 0,
    max_inventory: 1000000,
    filled: 782,
    canceled: 2,
    rejected: 66,
    expired: 0,
};

/// One side's quote as the strategy knows it.
#[derive(Debug, Default)]
struct Quote {
    /// The order working (or on its way), if any.
    order: Option<(OrderId, ClientOrderId)>,
    /// Its price as the venue last confirmed it.
    price: Option<Price>,
    /// A request is on its way: wait for its answer.
    pending: bool,
}

/// Quotes both sides at the touch; at most one request in flight per side.
#[derive(Debug, Default)]
struct Quoter {
    bid: Quote,
    ask: Quote,
    /// Inventory from the fills seen, and its largest magnitude, 10⁻⁸ BTC.
    inventory: i64,
    max_inventory: i64,
    cash: i128,
    next: u64,
    quotes_sent: u64,
    modifies_sent: u64,
    cancels_sent: u64,
}

impl Quoter {
    /// The side whose order `id` is.
    fn side(&self, id: OrderId) -> Option<(OrderSide, &Quote)> {
        if self.bid.order.as_ref().is_some_and(|o| o.0 == id) {
            Some((OrderSide::Buy, &self.bid))
        } else if self.ask.order.as_ref().is_some_and(|o| o.0 == id) {
            Some((OrderSide::Sell, &self.ask))
        } else {
            None
        }
    }

    fn on_event(&mut self, e: &OrderEvent) {
        let Some((side, _)) = self.side(e.header().order_id) else {
            return;
        };
        if let Some(f) = e.fill() {
            let notional = i128::from(f.qty.units()) * i128::from(f.price.units());
            let (qty, cash) = if side == OrderSide::Buy {
                (f.qty.units(), -notional)
            } else {
                (-f.qty.units(), notional)
            };
            self.inventory += qty;
            self.max_inventory = self.max_inventory.max(self.inventory.abs());
            self.cash += cash;
        }
        let q = if side == OrderSide::Buy {
            &mut self.bid
        } else {
            &mut self.ask
        };
        match e {
            OrderEvent::Accepted(_) => q.pending = false,
            OrderEvent::Modified(m) => {
                q.pending = false;
                q.price = Some(m.price);
            }
            OrderEvent::Rejected(r) if r.request != "new" => q.pending = false,
            OrderEvent::PartiallyFilled(_) => {}
            OrderEvent::Triggered(_) => {}
            OrderEvent::Rejected(_)
            | OrderEvent::Filled(_)
            | OrderEvent::Canceled(_)
            | OrderEvent::Expired(_) => *q = Quote::default(),
        }
    }

    /// After a market event: re-quote where the touch moved.
    fn act(&mut self, h: &mut Harness) {
        let (Some(bid), Some(ask)) = (h.book.best_bid(), h.book.best_ask()) else {
            return;
        };
        let step = Qty::from_f64(QUOTE).expect("qty").units();
        let cap = Qty::from_f64(CAP).expect("qty").units();
        for (side, touch) in [(OrderSide::Buy, bid.price), (OrderSide::Sell, ask.price)] {
            let allowed = match side {
                OrderSide::Buy => self.inventory + step <= cap,
                OrderSide::Sell => self.inventory - step >= -cap,
            };
            self.next += 1;
            let next = self.next;
            let q = if side == OrderSide::Buy {
                &mut self.bid
            } else {
                &mut self.ask
            };
            if q.pending {
                continue;
            }
            match (&q.order, allowed) {
                (None, true) => {
                    let client = ClientOrderId::new(&format!("mm-{next}")).expect("client id");
                    let mut o = NewOrder::limit(
                        0,
                        side,
                        QUOTE,
                        touch.to_f64(),
                        TimeInForce::PostOnly,
                        "mm",
                    );
                    o.client_id = Some(client.clone());
                    if let Some(id) = h.submit(o) {
                        *q = Quote {
                            order: Some((id, client)),
                            price: Some(touch),
                            pending: true,
                        };
                        self.quotes_sent += 1;
                    }
                }
                (Some((_, client)), false) => {
                    let client = client.clone();
                    if h.cancel(&client).is_some() {
                        q.pending = true;
                        self.cancels_sent += 1;
                    }
                }
                (Some((_, client)), true) if q.price != Some(touch) => {
                    let client = client.clone();
                    if h.modify(&client, Some(touch.to_f64()), None).is_some() {
                        q.pending = true;
                        self.modifies_sent += 1;
                    }
                }
                _ => {}
            }
        }
    }
}

fn run() -> (Figures, Harness) {
    let cap = l2_capture::load(CAPTURE, MAX_LINES);
    let cfg = SimConfig {
        queue: QueueConfig {
            model: QueueKind::Prob,
            shape: ProbShapeKind::Power,
            power: 3.0,
        },
        order_latency: LatencyConfig::constant_ms(5.0, 5.0),
        fees: FeePreset::BinanceUsdm.schedule(),
        qty_step: 0.001,
        ..Default::default()
    };
    let mut h = Harness::new(cfg, true);
    h.snapshot(cap.snapshot_ts, cap.last_update_id, &cap.bids, &cap.asks);
    let mut mm = Quoter::default();
    for e in &cap.events {
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
        let now = h.now();
        h.drain_due(now, |ev| mm.on_event(&ev));
        mm.act(&mut h);
    }
    let position = h.venue.position(0);
    h.drain_due(i64::MAX, |ev| mm.on_event(&ev));
    assert_eq!(
        mm.inventory, position,
        "the strategy's inventory from its fills is the venue's position"
    );
    h.finish();
    let s = h.stats();
    let f = Figures {
        lines: cap.lines,
        market_events: s.market_events,
        quotes_sent: mm.quotes_sent,
        modifies_sent: mm.modifies_sent,
        cancels_sent: mm.cancels_sent,
        maker_fills: s.maker_fills,
        taker_fills: s.taker_fills,
        maker_qty: s.maker_qty,
        taker_qty: s.taker_qty,
        cash: mm.cash,
        position,
        max_inventory: mm.max_inventory,
        filled: s.finals[4],
        canceled: s.finals[5],
        rejected: s.finals[6],
        expired: s.finals[7],
    };
    (f, h)
}

#[test]
fn a_touch_quoting_market_maker_on_a_real_capture_gives_the_golden_figures() {
    let (got, h) = run();
    assert_eq!(
        h.violations().summary(),
        "",
        "the run broke the simulator's rules"
    );
    assert_eq!(h.violations().count(Kind::Liquidity), 0);
    if std::env::var_os("QUANTUM_GOLDEN_PRINT").is_some() {
        eprintln!("{got:#?}");
        return;
    }
    assert_eq!(got.taker_fills, 0, "post-only quotes never take");
    assert_eq!(got, GOLDEN);
}
