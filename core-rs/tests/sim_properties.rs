//! Properties of the exchange simulator's matcher (`quantum_core::sim`), each its own test, on
//! random markets: an L2 book on a 0.1 tick that random depth updates move, random trade prints,
//! and random orders of every kind (market, GTC, post-only, IOC, FOK, stop-market and
//! take-profit on the last or the mark price, reduce-only or not, with or without a bracket),
//! modifies and cancels (of unknown ids and twice too), under every queue model and constant
//! latencies. `support/sim_check.rs` drives the venue as the engine would (the requests that
//! reached the venue before a market event first, then the event) and checks each event and
//! report as it happens; a property fails with the first violations it recorded.
//!
//! Each run picks the order of requests and trades at random: the engine's (a trade or a quote
//! first, then the requests that reached the venue by its time) or arrival order.
//!
//! The simulator bugs these found (and three found reading the code) have a minimal
//! reproduction each at the end; they are fixed, and the reproductions stay as tests.

use proptest::prelude::*;
use quantum_core::book::Level;
use quantum_core::orders::{
    ClientOrderId, NewOrder, OrderEvent, OrderRejectReason, OrderType, TimeInForce, TriggerSource,
};
use quantum_core::sim::queue::ProbShapeKind;
use quantum_core::sim::{BracketSpec, LatencyConfig, QueueConfig, QueueKind, SimConfig};
use quantum_core::types::{OrderSide, Side};

#[allow(dead_code)] // each test binary uses part of the harness
#[path = "support/sim_check.rs"]
mod sim_check;
use sim_check::{px, qty, Harness, Kind};

const MS: i64 = 1_000_000;
const T0: i64 = 1_700_000_000_000_000_000;
/// Price units of one 0.1 tick.
const TICK_UNITS: i64 = 10_000_000;
/// A lot of the scenarios, base units.
const LOT: f64 = 0.1;

/// Order kinds a scenario submits.
#[derive(Debug, Clone, Copy)]
enum OrderKind {
    Market,
    Limit(TimeInForce),
    Stop(TriggerSource),
    TakeProfit(TriggerSource),
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// Sets the level `k` ticks from the other side's touch (so the book never crosses) to `lots`.
    Depth { bid: bool, k: i64, lots: i64 },
    /// A print at the touch or `through` ticks beyond it.
    Trade {
        seller_took: bool,
        through: i64,
        lots: i64,
    },
    /// An order priced `k` ticks from its own touch (positive: more aggressive).
    Submit {
        kind: OrderKind,
        buy: bool,
        k: i64,
        lots: i64,
        reduce_only: bool,
        bracket: bool,
    },
    /// Cancels the `pick`-th order submitted (past the end: an unknown id), maybe twice.
    Cancel { pick: usize, twice: bool },
    /// Moves the `pick`-th order submitted to `k` ticks from its touch and/or to `lots`.
    Modify {
        pick: usize,
        k: Option<i64>,
        lots: Option<i64>,
    },
}

#[derive(Debug, Clone)]
struct Scenario {
    /// Requests before trades (see `Harness::causal`), not after them as the engine does.
    causal: bool,
    queue: QueueConfig,
    entry_ms: f64,
    response_ms: f64,
    ops: Vec<Op>,
}

fn kind() -> impl Strategy<Value = OrderKind> {
    prop_oneof![
        2 => Just(OrderKind::Market),
        4 => Just(OrderKind::Limit(TimeInForce::Gtc)),
        3 => Just(OrderKind::Limit(TimeInForce::PostOnly)),
        1 => Just(OrderKind::Limit(TimeInForce::Ioc)),
        1 => Just(OrderKind::Limit(TimeInForce::Fok)),
        1 => prop_oneof![Just(TriggerSource::Last), Just(TriggerSource::Mark)].prop_map(OrderKind::Stop),
        1 => prop_oneof![Just(TriggerSource::Last), Just(TriggerSource::Mark)].prop_map(OrderKind::TakeProfit),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), 1i64..=5, 0i64..=20).prop_map(|(bid, k, lots)| Op::Depth { bid, k, lots }),
        4 => (any::<bool>(), 0i64..=2, 1i64..=25)
            .prop_map(|(seller_took, through, lots)| Op::Trade { seller_took, through, lots }),
        5 => (kind(), any::<bool>(), -2i64..=3, 1i64..=20, prop::bool::weighted(0.3), prop::bool::weighted(0.2)).prop_map(
            |(kind, buy, k, lots, reduce_only, bracket)| Op::Submit { kind, buy, k, lots, reduce_only, bracket }
        ),
        2 => (0usize..24, prop::bool::weighted(0.2)).prop_map(|(pick, twice)| Op::Cancel { pick, twice }),
        2 => (0usize..24, prop::option::of(-2i64..=3), prop::option::of(1i64..=20))
            .prop_map(|(pick, k, lots)| Op::Modify { pick, k, lots }),
    ]
}

fn queue(models: &'static [(QueueKind, ProbShapeKind)]) -> impl Strategy<Value = QueueConfig> {
    prop::sample::select(models).prop_map(|(model, shape)| QueueConfig {
        model,
        shape,
        power: 3.0,
    })
}

const ALL_MODELS: &[(QueueKind, ProbShapeKind)] = &[
    (QueueKind::RiskAverse, ProbShapeKind::Power),
    (QueueKind::Prob, ProbShapeKind::Power),
    (QueueKind::Prob, ProbShapeKind::Log),
    (QueueKind::None, ProbShapeKind::Power),
];
const QUEUE_MODELS: &[(QueueKind, ProbShapeKind)] = &[
    (QueueKind::RiskAverse, ProbShapeKind::Power),
    (QueueKind::Prob, ProbShapeKind::Power),
    (QueueKind::Prob, ProbShapeKind::Log),
];

fn scenario(models: &'static [(QueueKind, ProbShapeKind)]) -> impl Strategy<Value = Scenario> {
    (
        any::<bool>(),
        queue(models),
        0u8..=2,
        0u8..=2,
        prop::collection::vec(op(), 1..150),
    )
        .prop_map(|(causal, queue, e, r, ops)| Scenario {
            causal,
            queue,
            entry_ms: f64::from(e),
            response_ms: f64::from(r),
            ops,
        })
}

fn level(ticks: i64, lots: i64) -> Level {
    Level {
        price: quantum_core::types::Price(ticks * TICK_UNITS),
        qty: qty(lots as f64 * LOT),
    }
}

fn price(ticks: i64) -> f64 {
    ticks as f64 / 10.0
}

/// Best bid and ask of the harness's book, in ticks.
fn touch(h: &Harness) -> (i64, i64) {
    let b = h
        .book
        .best_bid()
        .map_or(999, |l| l.price.units() / TICK_UNITS);
    let a = h
        .book
        .best_ask()
        .map_or(b + 1, |l| l.price.units() / TICK_UNITS);
    (b, a)
}

/// Plays `s` and returns the harness with what its checks found.
fn run(s: &Scenario) -> Harness {
    let cfg = SimConfig {
        queue: s.queue,
        order_latency: LatencyConfig::constant_ms(s.entry_ms, s.response_ms),
        qty_step: 0.001,
        ..Default::default()
    };
    let mut h = Harness::unchecked_book(cfg);
    if s.causal {
        h = h.causal();
    }
    let bids: Vec<Level> = (995..1000).rev().map(|t| level(t, 10)).collect();
    let asks: Vec<Level> = (1000..1005).map(|t| level(t, 10)).collect();
    h.snapshot(T0, 1, &bids, &asks);
    let mut orders: Vec<(ClientOrderId, OrderSide)> = Vec::new();
    let mut t = T0;
    let mut update_id = 1;
    for (n, op) in s.ops.iter().enumerate() {
        t += MS;
        let (b, a) = touch(&h);
        match *op {
            Op::Depth { bid, k, lots } => {
                let (side_len, p) = if bid {
                    (h.book.len().0, a - k)
                } else {
                    (h.book.len().1, b + k)
                };
                let present = if bid {
                    h.book.bid_qty_at(px(price(p)))
                } else {
                    h.book.ask_qty_at(px(price(p)))
                };
                // Never empty a side.
                let lots = if lots == 0 && side_len == 1 && !present.is_zero() {
                    1
                } else {
                    lots
                };
                let l = [level(p, lots)];
                let (bl, al): (&[Level], &[Level]) = if bid { (&l, &[]) } else { (&[], &l) };
                update_id += 1;
                h.depth(t, (update_id, update_id, update_id - 1), bl, al);
            }
            Op::Trade {
                seller_took,
                through,
                lots,
            } => {
                let p = if seller_took {
                    b - through
                } else {
                    a + through
                };
                h.trade(t, price(p), lots as f64 * LOT, seller_took);
            }
            Op::Submit {
                kind,
                buy,
                k,
                lots,
                reduce_only,
                bracket,
            } => {
                let side = if buy { OrderSide::Buy } else { OrderSide::Sell };
                // Limits `k` ticks more aggressive than their own touch; triggers `1 + |k|` ticks
                // away from the price they watch, on the side that does not fire at once.
                let limit = if buy { b + k } else { a - k };
                let away = 1 + k.abs();
                let order_kind = match kind {
                    OrderKind::Market => OrderType::Market,
                    OrderKind::Limit(tif) => OrderType::Limit {
                        price: price(limit),
                        tif,
                    },
                    OrderKind::Stop(source) => OrderType::StopMarket {
                        trigger: price(if buy { a + away } else { b - away }),
                        source,
                    },
                    OrderKind::TakeProfit(source) => OrderType::TakeProfit {
                        trigger: price(if buy { b - away } else { a + away }),
                        source,
                    },
                };
                let client = ClientOrderId::new(&format!("p-{n}")).expect("client id");
                let mut o = NewOrder::market(0, side, lots as f64 * LOT, "prop");
                o.kind = order_kind;
                o.client_id = Some(client.clone());
                o.reduce_only = reduce_only;
                if bracket {
                    o.bracket = Some(BracketSpec {
                        take_profit: Some(0.002),
                        stop_loss: Some(0.001),
                    });
                }
                let _ = h.submit(o);
                orders.push((client, side));
            }
            Op::Cancel { pick, twice } => {
                let client = orders.get(pick).map_or_else(
                    || ClientOrderId::new("unknown").expect("id"),
                    |o| o.0.clone(),
                );
                let _ = h.cancel(&client);
                if twice {
                    let _ = h.cancel(&client);
                }
            }
            Op::Modify { pick, k, lots } => {
                let Some((client, side)) = orders.get(pick).cloned() else {
                    continue;
                };
                let p = k.map(|k| price(if side == OrderSide::Buy { b + k } else { a - k }));
                let _ = h.modify(&client, p, lots.map(|l| l as f64 * LOT));
            }
        }
    }
    // One more market event lets the last requests arrive while the book is still there.
    h.trade(t + MS, price(touch(&h).0), LOT, true);
    h.finish();
    h
}

fn assert_none(h: &Harness, kinds: &[Kind]) -> Result<(), TestCaseError> {
    for &k in kinds {
        prop_assert_eq!(
            h.violations().count(k),
            0,
            "{:?}:\n{}",
            k,
            h.violations().describe(k)
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_taker_fill_never_exceeds_the_liquidity_left_at_its_level(s in scenario(ALL_MODELS)) {
        assert_none(&run(&s), &[Kind::Liquidity])?;
    }

    #[test]
    fn no_execution_is_better_than_the_book_allowed_and_makers_fill_at_their_limit(s in scenario(ALL_MODELS)) {
        assert_none(&run(&s), &[Kind::TakerPrice, Kind::MakerPrice])?;
    }

    #[test]
    fn queue_ahead_is_never_negative_nor_nan(s in scenario(ALL_MODELS)) {
        assert_none(&run(&s), &[Kind::QueueAhead])?;
    }

    #[test]
    fn a_post_only_order_never_takes(s in scenario(ALL_MODELS)) {
        assert_none(&run(&s), &[Kind::PostOnlyTaker])?;
    }

    #[test]
    fn orders_that_never_rest_never_make_and_fill_or_kill_is_all_or_nothing(s in scenario(ALL_MODELS)) {
        assert_none(&run(&s), &[Kind::TimeInForce])?;
    }

    #[test]
    fn every_order_ends_in_one_final_state_through_valid_transitions(s in scenario(ALL_MODELS)) {
        assert_none(&run(&s), &[Kind::StateMachine, Kind::NotFinal])?;
    }

    #[test]
    fn reports_agree_with_events_and_the_position_with_the_reports(s in scenario(ALL_MODELS)) {
        assert_none(&run(&s), &[Kind::ReportEvent, Kind::Position])?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reduce_only_orders_never_increase_nor_flip_the_position(s in scenario(ALL_MODELS)) {
        assert_none(&run(&s), &[Kind::ReduceOnly])?;
    }

    #[test]
    fn a_later_order_at_a_level_never_fills_before_an_earlier_one(s in scenario(QUEUE_MODELS)) {
        assert_none(&run(&s), &[Kind::Fifo])?;
    }
}

// ---------------------------------------------------------------------------------------------
// Minimal reproductions of the bugs the properties found, and of three found reading the code
// (all fixed), and two rules pinned.

/// A venue on a 0.1 tick with five levels of 1.0 a side around 99.9 / 100.0, driven the
/// engine's way.
fn venue(model: QueueKind) -> Harness {
    let mut h = venue_without_book(model);
    let bids: Vec<Level> = (995..1000).rev().map(|t| level(t, 10)).collect();
    let asks: Vec<Level> = (1000..1005).map(|t| level(t, 10)).collect();
    h.snapshot(T0, 1, &bids, &asks);
    h
}

/// A venue that sees only trades and quotes.
fn venue_without_book(model: QueueKind) -> Harness {
    let cfg = SimConfig {
        queue: QueueConfig {
            model,
            ..Default::default()
        },
        qty_step: 0.001,
        ..Default::default()
    };
    Harness::unchecked_book(cfg).keeping_events()
}

/// A market event that changes nothing (the book's touch again), after which the requests
/// sent before `ts` have arrived.
fn arrive(h: &mut Harness, ts: i64) {
    h.quote(ts, 99.9, 100.0, 1.0, 1.0);
}

/// Every checked event so far.
fn events(h: &mut Harness) -> Vec<OrderEvent> {
    let mut v = Vec::new();
    h.drain_due(i64::MAX, |e| v.push(e));
    v
}

fn limit(side: OrderSide, q: f64, p: f64, tif: TimeInForce, client: &str) -> NewOrder {
    let mut o = NewOrder::limit(0, side, q, p, tif, "repro");
    o.client_id = Some(ClientOrderId::new(client).expect("client id"));
    o
}

fn reduce_only(mut o: NewOrder) -> NewOrder {
    o.reduce_only = true;
    o
}

#[test]
fn a_later_order_at_a_level_fills_before_an_earlier_one() {
    let mut broken = Vec::new();
    for model in [QueueKind::RiskAverse, QueueKind::Prob] {
        let mut h = venue(model);
        // Two bids at 99.8 (1.0 shown there): A for 1.2, then B for 0.1.
        h.submit(limit(OrderSide::Buy, 1.2, 99.8, TimeInForce::Gtc, "A"))
            .expect("sent");
        h.submit(limit(OrderSide::Buy, 0.1, 99.8, TimeInForce::Gtc, "B"))
            .expect("sent");
        arrive(&mut h, T0 + MS);
        // A sell print of 1.1 at 99.8: 1.0 was ahead of A, so 0.1 reaches A and nothing B, which
        // stands behind A's 1.2.
        h.trade(T0 + 2 * MS, 99.8, 1.1, true);
        if h.violations().count(Kind::Fifo) > 0 {
            broken.push(format!(
                "{model:?}: {}",
                h.violations().describe(Kind::Fifo)
            ));
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn reduce_only_resting_order_flips_the_position() {
    let mut h = venue(QueueKind::RiskAverse);
    h.submit(NewOrder::market(0, OrderSide::Sell, 0.1, "repro"))
        .expect("sent");
    arrive(&mut h, T0 + MS);
    assert_eq!(h.venue.position(0), -qty(0.1).units());
    // A reduce-only bid for 0.2 while short 0.1: accepted (it reduces) behind the 1.0 at 99.9,
    // then a 1.2 sell print reaches 0.2 of it, which fills in full.
    h.submit(reduce_only(limit(
        OrderSide::Buy,
        0.2,
        99.9,
        TimeInForce::Gtc,
        "R",
    )))
    .expect("sent");
    arrive(&mut h, T0 + 2 * MS);
    h.trade(T0 + 3 * MS, 99.9, 1.2, true);
    assert!(
        h.venue.position(0) <= 0,
        "short 0.1, then long {} through a reduce-only order",
        h.venue.position(0)
    );
    assert_eq!(
        h.violations().count(Kind::ReduceOnly),
        0,
        "{}",
        h.violations().describe(Kind::ReduceOnly)
    );
}

#[test]
fn a_reduce_only_order_that_flattened_the_position_does_not_rest() {
    let mut h = venue(QueueKind::RiskAverse);
    h.submit(NewOrder::market(0, OrderSide::Sell, 0.1, "repro"))
        .expect("sent");
    arrive(&mut h, T0 + MS);
    // A reduce-only buy for 0.2 at the ask while short 0.1: it takes 0.1 and the position is
    // flat; nothing is left to reduce, so the other 0.1 must not rest.
    let id = h
        .submit(reduce_only(limit(
            OrderSide::Buy,
            0.2,
            100.0,
            TimeInForce::Gtc,
            "R",
        )))
        .expect("sent");
    arrive(&mut h, T0 + 2 * MS);
    assert_eq!(h.venue.position(0), 0);
    assert!(
        h.venue.order(id).is_none(),
        "still working: {:?}",
        h.venue.order(id)
    );
    // Resting at 100.0 with the ask there, the next depth message fills it: long 0.1.
    h.depth(T0 + 3 * MS, (2, 2, 1), &[], &[level(1004, 20)]);
    assert_eq!(
        h.venue.position(0),
        0,
        "a reduce-only order opened a position"
    );
}

#[test]
fn on_tick_before_deliver_fills_an_order_after_its_cancel_arrived() {
    let mut h = venue(QueueKind::RiskAverse);
    h.submit(limit(OrderSide::Buy, 1.0, 99.9, TimeInForce::Gtc, "A"))
        .expect("sent");
    arrive(&mut h, T0 + MS);
    // The cancel reaches the venue at T0 + 1 ms (no latency); a sell print at T0 + 2 ms then
    // goes through the bid. The order was gone before the print: no fill.
    h.cancel(&ClientOrderId::new("A").expect("client id"))
        .expect("sent");
    h.trade(T0 + 2 * MS, 99.8, 0.5, true);
    let fills = h.stats().maker_fills;
    assert_eq!(fills, 0, "filled by a print after its cancel arrived");
}

/// The rule (SPEC §7): a decision fills no earlier than the next market event after it reaches
/// the venue, at the market that event leaves — here the quote that moved, not the one standing
/// when the order arrived (hftbacktest would give 100.1; docs/simulator.md explains the choice).
#[test]
fn an_order_is_matched_against_the_market_the_next_event_leaves() {
    let mut h = venue_without_book(QueueKind::RiskAverse);
    h.quote(T0, 100.0, 100.1, 5.0, 2.0);
    h.submit(NewOrder::market(0, OrderSide::Buy, 1.0, "repro"))
        .expect("sent");
    h.quote(T0 + MS, 100.2, 100.3, 5.0, 2.0);
    let fills: Vec<_> = events(&mut h)
        .iter()
        .filter_map(|e| e.fill().map(|f| f.price))
        .collect();
    assert_eq!(fills, vec![px(100.3)]);
}

#[test]
fn a_liquidation_order_has_a_complete_event_stream() {
    let mut h = venue(QueueKind::RiskAverse);
    h.submit(NewOrder::market(0, OrderSide::Buy, 0.5, "repro"))
        .expect("sent");
    arrive(&mut h, T0 + MS);
    h.set_liquidation(Some((Side::Long, 99.5)));
    // The bids fall to 99.4; the next print there reaches the liquidation price.
    let gone: Vec<Level> = (995..1000)
        .map(|t| level(t, 0))
        .chain([level(994, 10)])
        .collect();
    h.depth(T0 + 2 * MS, (2, 2, 1), &gone, &[]);
    h.trade(T0 + 3 * MS, 99.4, 0.1, true);
    assert_eq!(h.venue.position(0), 0, "liquidated");
    h.finish();
    assert_eq!(
        h.violations().count(Kind::StateMachine),
        0,
        "{}",
        h.violations().describe(Kind::StateMachine)
    );
}

/// `q-<number>` is the engine's own form of a client id: a new order may not use it, so a
/// generated id (a bracket's exits) can never take over one the user chose.
#[test]
fn a_client_id_of_the_engines_own_form_is_refused() {
    let mut h = venue(QueueKind::RiskAverse);
    assert!(h
        .submit(limit(OrderSide::Buy, 0.1, 99.0, TimeInForce::Gtc, "q-3"))
        .is_none());
    let mut entry = NewOrder::market(0, OrderSide::Buy, 0.1, "repro");
    entry.bracket = Some(BracketSpec {
        take_profit: Some(0.01),
        stop_loss: Some(0.01),
    });
    h.submit(entry).expect("sent");
    arrive(&mut h, T0 + MS);
    // `q-3` names the engine's order 3 (the bracket's stop), nothing the user placed.
    let id = h.cancel(&ClientOrderId::new("q-3").expect("client id"));
    assert_eq!(id, Some(quantum_core::orders::OrderId(3)));
}

// ---------------------------------------------------------------------------------------------
// A rule the properties rely on, pinned.

#[test]
fn a_post_only_order_that_would_take_is_rejected_not_filled() {
    let mut h = venue(QueueKind::RiskAverse);
    h.submit(limit(
        OrderSide::Buy,
        0.1,
        100.0,
        TimeInForce::PostOnly,
        "P",
    ))
    .expect("sent");
    arrive(&mut h, T0 + MS);
    h.finish();
    assert_eq!(h.stats().taker_fills, 0);
    match &events(&mut h)[..] {
        [OrderEvent::Rejected(r)] => assert_eq!(r.reason, OrderRejectReason::PostOnlyWouldTake),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.violations().summary(), "");
}
