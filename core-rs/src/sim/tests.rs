//! The venue's rules, one test each, on hand-built markets.

use super::*;
use crate::book::{Level, OrderBook, SequenceRule};
use crate::orders::{
    ClientOrderId, NewOrder, OrderEvent, OrderRejectReason, OrderStatus, OrderType, TimeInForce,
    TriggerSource,
};
use crate::portfolio::ExitReason;
use crate::tick::Tick;
use crate::types::{OrderSide, Price, Qty, Side};

const MS: i64 = 1_000_000;

fn venue(queue: queue::QueueKind, entry_ms: f64, response_ms: f64) -> Exchange {
    Exchange::new(SimConfig {
        queue: QueueConfig {
            model: queue,
            ..Default::default()
        },
        order_latency: LatencyConfig::constant_ms(entry_ms, response_ms),
        fees: FeeSchedule {
            maker_bps: -0.5,
            taker_bps: 5.0,
        },
        slippage_bps: 1.0,
        impact_bps: 10.0,
        ..Default::default()
    })
    .unwrap()
}

fn quote(ts: i64, bid: f64, ask: f64, bq: f64, aq: f64) -> Tick {
    let mut t = Tick::empty(ts, ts, 0);
    (t.bid, t.ask, t.bid_qty, t.ask_qty) = (bid, ask, bq, aq);
    t
}

fn trade(ts: i64, price: f64, qty: f64, buyer_taker: bool) -> Tick {
    let mut t = Tick::empty(ts, ts, 0);
    t.price = price;
    t.volume = qty;
    if buyer_taker {
        t.buy_volume = qty;
    } else {
        t.sell_volume = qty;
    }
    t
}

fn q(x: f64) -> Qty {
    Qty::from_f64(x).unwrap()
}
fn p(x: f64) -> Price {
    Price::from_f64(x).unwrap()
}

/// Feeds `t` the way the engine does: the event, then the requests that arrived before it.
fn feed(x: &mut Exchange, t: &Tick) {
    x.on_tick(t, &NoBooks);
    x.deliver(t.ts_event, &NoBooks, None);
}

fn events(x: &mut Exchange) -> Vec<OrderEvent> {
    let mut v = Vec::new();
    x.drain_all(|e| v.push(e));
    v
}

fn kinds(x: &mut Exchange) -> Vec<&'static str> {
    events(x).iter().map(OrderEvent::kind).collect()
}

fn fills(x: &mut Exchange) -> Vec<(OrderSide, f64, f64, &'static str)> {
    x.take_reports()
        .map(|r| {
            (
                r.side,
                r.qty.to_f64(),
                r.price.to_f64(),
                r.liquidity.as_str(),
            )
        })
        .collect()
}

#[test]
fn a_market_order_takes_the_touch_size_then_the_impact_price() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 100.0, 100.1, 5.0, 2.0));
    x.submit(NewOrder::market(0, OrderSide::Buy, 3.0, "t"), 0, 0)
        .unwrap();
    feed(&mut x, &quote(1, 100.0, 100.1, 5.0, 2.0));
    let f = fills(&mut x);
    assert_eq!(
        f,
        vec![
            (OrderSide::Buy, 2.0, 100.1, "taker"),
            (OrderSide::Buy, 1.0, 100.2001, "taker")
        ]
    );
    assert_eq!(
        kinds(&mut x),
        vec!["accepted", "partially_filled", "filled"]
    );
    assert_eq!(x.position(0), q(3.0).units());
}

#[test]
fn liquidity_we_took_stays_taken_until_the_level_changes() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 100.0, 100.1, 5.0, 2.0));
    x.submit(NewOrder::market(0, OrderSide::Buy, 1.5, "t"), 0, 0)
        .unwrap();
    feed(&mut x, &quote(1, 100.0, 100.1, 5.0, 2.0));
    x.submit(NewOrder::market(0, OrderSide::Buy, 1.0, "t"), 1, 1)
        .unwrap();
    // The same quote again: only 0.5 is left at the touch.
    feed(&mut x, &quote(2, 100.0, 100.1, 5.0, 2.0));
    let f = fills(&mut x);
    assert_eq!(
        f[1..],
        [
            (OrderSide::Buy, 0.5, 100.1, "taker"),
            (OrderSide::Buy, 0.5, 100.2001, "taker")
        ]
    );
    // The venue updated the ask (another size): all of it is there again.
    x.submit(NewOrder::market(0, OrderSide::Buy, 1.0, "t"), 2, 2)
        .unwrap();
    feed(&mut x, &quote(3, 100.0, 100.1, 5.0, 3.0));
    assert_eq!(fills(&mut x), vec![(OrderSide::Buy, 1.0, 100.1, "taker")]);
}

#[test]
fn a_resting_bid_waits_for_the_queue_ahead_then_fills_as_maker() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 100.0, 100.1, 5.0, 2.0));
    x.submit(
        NewOrder::limit(0, OrderSide::Buy, 1.0, 100.0, TimeInForce::Gtc, "mm"),
        0,
        0,
    )
    .unwrap();
    feed(&mut x, &quote(1, 100.0, 100.1, 5.0, 2.0));
    assert_eq!(kinds(&mut x), vec!["accepted"]);
    // 5 ahead: a 3 sell print eats 3; a buy print does not touch bids.
    feed(&mut x, &trade(2, 100.0, 3.0, false));
    feed(&mut x, &trade(3, 100.0, 9.0, true));
    assert!(fills(&mut x).is_empty());
    // 2 left ahead: a 2.5 sell print fills 0.5 of ours.
    feed(&mut x, &trade(4, 100.0, 2.5, false));
    assert_eq!(fills(&mut x), vec![(OrderSide::Buy, 0.5, 100.0, "maker")]);
    // A print through the price fills the rest.
    feed(&mut x, &trade(5, 99.9, 0.1, false));
    assert_eq!(fills(&mut x), vec![(OrderSide::Buy, 0.5, 100.0, "maker")]);
    let ev = events(&mut x);
    assert_eq!(
        ev.iter().map(OrderEvent::kind).collect::<Vec<_>>(),
        vec!["partially_filled", "filled"]
    );
    // The maker rebate is a negative fee.
    assert!(ev[1].fill().unwrap().fee.units() < 0);
}

#[test]
fn risk_averse_ignores_cancellations_prob_and_none_do_not() {
    let run = |kind| {
        let mut x = venue(kind, 0.0, 0.0);
        feed(&mut x, &quote(0, 100.0, 100.1, 10.0, 2.0));
        x.submit(
            NewOrder::limit(0, OrderSide::Buy, 1.0, 100.0, TimeInForce::Gtc, "mm"),
            0,
            0,
        )
        .unwrap();
        feed(&mut x, &quote(1, 100.0, 100.1, 10.0, 2.0));
        // Half the level is canceled (no trade), then a 2-lot sell print.
        feed(&mut x, &quote(2, 100.0, 100.1, 5.0, 2.0));
        feed(&mut x, &trade(3, 100.0, 2.0, false));
        fills(&mut x).len()
    };
    assert_eq!(run(QueueKind::RiskAverse), 0, "5 still ahead");
    assert_eq!(
        run(QueueKind::Prob),
        0,
        "at the back: the cancellations were ahead, 5 ahead"
    );
    assert_eq!(run(QueueKind::None), 1, "no queue: the first print fills");
}

#[test]
fn post_only_that_would_take_is_rejected_and_never_fills() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 100.0, 100.1, 5.0, 2.0));
    x.submit(
        NewOrder::limit(0, OrderSide::Buy, 1.0, 100.1, TimeInForce::PostOnly, "mm"),
        0,
        0,
    )
    .unwrap();
    feed(&mut x, &quote(1, 100.0, 100.1, 5.0, 2.0));
    assert!(fills(&mut x).is_empty());
    let ev = events(&mut x);
    match &ev[..] {
        [OrderEvent::Rejected(r)] => assert_eq!(r.reason, OrderRejectReason::PostOnlyWouldTake),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ioc_fills_what_it_can_and_fok_all_or_nothing() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 100.0, 100.1, 5.0, 2.0));
    // Limit 100.1: only the touch (2) is within it; the impact price is beyond.
    x.submit(
        NewOrder::limit(0, OrderSide::Buy, 3.0, 100.1, TimeInForce::Ioc, "t"),
        0,
        0,
    )
    .unwrap();
    feed(&mut x, &quote(1, 100.0, 100.1, 5.0, 2.0));
    assert_eq!(fills(&mut x), vec![(OrderSide::Buy, 2.0, 100.1, "taker")]);
    assert_eq!(
        kinds(&mut x),
        vec!["accepted", "partially_filled", "expired"]
    );
    x.submit(
        NewOrder::limit(0, OrderSide::Sell, 6.0, 100.0, TimeInForce::Fok, "t"),
        1,
        1,
    )
    .unwrap();
    feed(&mut x, &quote(2, 100.0, 100.1, 5.0, 2.0));
    assert!(fills(&mut x).is_empty());
    assert_eq!(kinds(&mut x), vec!["accepted", "expired"]);
}

#[test]
fn latencies_delay_arrival_and_answers() {
    let mut x = venue(QueueKind::RiskAverse, 5.0, 3.0);
    feed(&mut x, &quote(0, 100.0, 100.1, 5.0, 2.0));
    x.submit(NewOrder::market(0, OrderSide::Buy, 1.0, "t"), 0, 0)
        .unwrap();
    // The venue sees it only after 5 ms: a quote at 4 ms does not fill it.
    feed(&mut x, &quote(4 * MS, 100.0, 100.1, 5.0, 2.0));
    assert!(fills(&mut x).is_empty());
    feed(&mut x, &quote(6 * MS, 100.2, 100.3, 5.0, 2.0));
    let f: Vec<_> = x.take_reports().collect();
    assert_eq!(f.len(), 1);
    // It arrived at 5 ms and is matched behind the first event after that: the 6 ms quote.
    assert_eq!(f[0].price, p(100.3));
    assert_eq!(f[0].ts_event, 6 * MS);
    // The answers reach the strategy 3 ms after the venue sent them.
    let mut seen = Vec::new();
    x.drain_due(8 * MS, |e| seen.push(e));
    assert!(seen.is_empty());
    x.drain_due(9 * MS, |e| seen.push(e));
    assert_eq!(
        seen.iter().map(OrderEvent::kind).collect::<Vec<_>>(),
        vec!["accepted", "filled"]
    );
    assert!(seen.iter().all(|e| e.header().ts_local == 9 * MS));
}

#[test]
fn cancel_and_modify_follow_the_venue_rules() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 100.0, 100.1, 5.0, 2.0));
    let mut o = NewOrder::limit(0, OrderSide::Buy, 2.0, 100.0, TimeInForce::Gtc, "mm");
    o.client_id = Some(ClientOrderId::new("bid-1").unwrap());
    x.submit(o.clone(), 0, 0).unwrap();
    assert_eq!(
        x.submit(o, 0, 0).unwrap_err().reason,
        OrderRejectReason::DuplicateClientId
    );
    feed(&mut x, &quote(1, 100.0, 100.1, 5.0, 2.0));
    feed(&mut x, &trade(2, 100.0, 4.0, false)); // 1 ahead now
    let id = ClientOrderId::new("bid-1").unwrap();
    // A smaller size keeps the place in the queue.
    x.modify(&id, None, Some(1.0), 2).unwrap();
    feed(&mut x, &quote(3, 100.0, 100.1, 1.0, 2.0));
    feed(&mut x, &trade(4, 100.0, 1.5, false));
    assert_eq!(fills(&mut x), vec![(OrderSide::Buy, 0.5, 100.0, "maker")]);
    // A new price goes to the back of that level's queue.
    x.modify(&id, Some(99.9), None, 4).unwrap();
    feed(&mut x, &quote(5, 100.0, 100.1, 1.0, 2.0));
    feed(&mut x, &trade(6, 99.9, 0.2, false)); // ahead unknown (behind the touch): nothing
    assert!(fills(&mut x).is_empty());
    x.cancel(&id, 6).unwrap();
    feed(&mut x, &quote(7, 100.0, 100.1, 1.0, 2.0));
    let k = kinds(&mut x);
    assert_eq!(
        k,
        vec![
            "rejected",
            "accepted",
            "modified",
            "partially_filled",
            "modified",
            "canceled"
        ]
    );
    // Only the venue can tell the order is gone: the cancel travels, and is answered.
    assert_eq!(x.cancel(&id, 8), None);
    feed(&mut x, &quote(9, 100.0, 100.1, 1.0, 2.0));
    let mut answers = Vec::new();
    x.drain_due(9, |e| answers.push(e));
    assert!(matches!(&answers[..], [OrderEvent::Rejected(r)]
        if r.request == "cancel" && r.reason == OrderRejectReason::UnknownOrder
            && r.header.client_id == id));
    let c = x.counts();
    assert_eq!(c.by_status[5], 1, "one canceled");
}

#[test]
fn a_bracket_arms_its_exits_on_the_entry_fill_and_one_cancels_the_other() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 99.9, 100.0, 5.0, 5.0));
    let mut o = NewOrder::market(0, OrderSide::Buy, 1.0, "s");
    o.bracket = Some(BracketSpec {
        take_profit: Some(0.01),
        stop_loss: Some(0.005),
    });
    x.submit(o, 0, 0).unwrap();
    feed(&mut x, &quote(1, 99.9, 100.0, 5.0, 5.0));
    assert_eq!(fills(&mut x), vec![(OrderSide::Buy, 1.0, 100.0, "taker")]);
    let triggers: Vec<_> = x
        .open_orders()
        .iter()
        .filter_map(|o| o.trigger())
        .map(|t| t.0.to_f64())
        .collect();
    assert_eq!(triggers, vec![99.5, 101.0]);
    // The bid reaches the take-profit: it sells at the bid, the stop is canceled.
    feed(&mut x, &quote(2, 101.0, 101.1, 5.0, 5.0));
    let r: Vec<_> = x.take_reports().collect();
    assert_eq!(
        (r[0].price.to_f64(), r[0].exit_reason),
        (101.0, ExitReason::TakeProfit)
    );
    assert!(x.open_orders().is_empty());
    assert_eq!(x.position(0), 0);
    let k = kinds(&mut x);
    assert_eq!(
        k,
        vec![
            "accepted",
            "accepted",
            "accepted",
            "filled",
            "triggered",
            "filled",
            "canceled"
        ]
    );
}

#[test]
fn reduce_only_orders_never_open_or_flip() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 99.9, 100.0, 5.0, 5.0));
    let mut o = NewOrder::market(0, OrderSide::Sell, 1.0, "t");
    o.reduce_only = true;
    x.submit(o.clone(), 0, 0).unwrap();
    feed(&mut x, &quote(1, 99.9, 100.0, 5.0, 5.0));
    assert!(fills(&mut x).is_empty());
    assert!(
        matches!(&events(&mut x)[..], [OrderEvent::Rejected(r)] if r.reason == OrderRejectReason::ReduceOnlyWouldIncrease)
    );
    x.submit(NewOrder::market(0, OrderSide::Buy, 0.4, "t"), 1, 1)
        .unwrap();
    feed(&mut x, &quote(2, 99.9, 100.0, 5.0, 5.0));
    x.submit(o, 2, 2).unwrap();
    feed(&mut x, &quote(3, 99.9, 100.0, 5.0, 5.0));
    let f = fills(&mut x);
    assert_eq!(
        f[1],
        (OrderSide::Sell, 0.4, 99.9, "taker"),
        "clipped to the position"
    );
    assert_eq!(x.position(0), 0);
}

fn book(bids: &[(f64, f64)], asks: &[(f64, f64)]) -> OrderBook {
    let mut b = OrderBook::new(SequenceRule::None);
    let lv = |v: &[(f64, f64)]| {
        v.iter()
            .map(|&(px, qty)| Level {
                price: p(px),
                qty: q(qty),
            })
            .collect::<Vec<_>>()
    };
    b.apply_snapshot(1, &lv(bids), &lv(asks), None).unwrap();
    b
}

struct OneBook(OrderBook);
impl BookSource for OneBook {
    fn valid_book(&self, symbol: u32) -> Option<&OrderBook> {
        (symbol == 0).then_some(&self.0)
    }
}

#[test]
fn a_market_order_walks_the_book_one_fill_per_level() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    let books = OneBook(book(
        &[(99.0, 1.0)],
        &[(100.0, 1.0), (100.5, 2.0), (101.0, 10.0)],
    ));
    x.submit(NewOrder::market(0, OrderSide::Buy, 2.5, "t"), 0, 0)
        .unwrap();
    x.deliver(1, &books, None);
    assert_eq!(
        fills(&mut x),
        vec![
            (OrderSide::Buy, 1.0, 100.0, "taker"),
            (OrderSide::Buy, 1.5, 100.5, "taker")
        ]
    );
    // The same levels again, not updated by the venue: what we took is gone.
    x.submit(NewOrder::market(0, OrderSide::Buy, 1.0, "t"), 1, 1)
        .unwrap();
    x.deliver(2, &books, None);
    assert_eq!(
        fills(&mut x),
        vec![
            (OrderSide::Buy, 0.5, 100.5, "taker"),
            (OrderSide::Buy, 0.5, 101.0, "taker")
        ]
    );
    // A limit buy at 100.5 on a book whose 100.5 is used up rests instead.
    x.submit(
        NewOrder::limit(0, OrderSide::Buy, 1.0, 100.5, TimeInForce::Gtc, "t"),
        2,
        2,
    )
    .unwrap();
    x.deliver(3, &books, None);
    assert!(fills(&mut x).is_empty());
}

#[test]
fn on_bars_the_stop_comes_first_and_a_gap_fills_at_the_open() {
    let bar = |ts: i64, o: f64, h: f64, l: f64, c: f64| {
        let mut t = Tick::empty(ts, ts, 0);
        (t.open, t.high, t.low, t.close, t.price) = (o, h, l, c, c);
        t
    };
    let run = |second: Tick| {
        let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
        x.on_tick(&bar(0, 100.0, 100.0, 100.0, 100.0), &NoBooks);
        let mut o = NewOrder::market(0, OrderSide::Buy, 1.0, "s");
        o.bracket = Some(BracketSpec {
            take_profit: Some(0.01),
            stop_loss: Some(0.005),
        });
        x.submit(o, 0, 0).unwrap();
        // The engine's order on a bar: requests at its open, then its range.
        x.deliver(second.ts_event, &NoBooks, Some((0, second.open)));
        x.on_tick(&second, &NoBooks);
        let r: Vec<_> = x
            .take_reports()
            .map(|r| (r.price.to_f64(), r.exit_reason, r.liquidity.as_str()))
            .collect();
        r
    };
    // Entry at the open (100.01 with 1 bp slippage); both levels in the range: the stop first.
    let r = run(bar(60, 100.0, 102.0, 99.0, 101.0));
    assert_eq!(r[0].0, 100.01);
    assert_eq!(r[1], (100.01 * 0.995, ExitReason::StopLoss, "taker"));
    // Only the target in range: filled at its level, as maker.
    let r = run(bar(60, 100.0, 102.0, 99.8, 101.0));
    assert_eq!(r[1], (101.0101, ExitReason::TakeProfit, "maker"));
}

#[test]
fn a_position_opened_at_a_bar_s_open_can_be_liquidated_on_that_bar_s_range() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    x.on_tick(&bar(0, 100.0, 100.0, 100.0, 100.0), &NoBooks);
    let mut o = NewOrder::market(0, OrderSide::Buy, 1.0, "s");
    o.leverage = Some(50.0);
    o.bracket = Some(BracketSpec {
        take_profit: Some(0.01),
        stop_loss: None,
    });
    x.submit(o, 0, 0).unwrap();
    // Filled at the open, 100.01: liquidation at 100.01 × (1 − 1/50 + 0.004) = 98.40984. The
    // path (open, low, high) reaches it before the target on the high.
    let second = bar(60, 100.0, 102.0, 98.0, 101.0);
    x.deliver(second.ts_event, &NoBooks, Some((0, second.open)));
    x.on_tick(&second, &NoBooks);
    let r: Vec<_> = x
        .take_reports()
        .map(|r| (r.price.to_f64(), r.exit_reason))
        .collect();
    assert_eq!(
        r,
        vec![
            (100.01, ExitReason::Order),
            (98.40984, ExitReason::Liquidation)
        ]
    );
    assert_eq!(x.position(0), 0);
}

#[test]
fn a_flip_takes_the_new_position_s_liquidation_price() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 99.9, 100.0, 5.0, 5.0));
    let mut long = NewOrder::market(0, OrderSide::Buy, 1.0, "s");
    long.leverage = Some(10.0);
    x.submit(long, 0, 0).unwrap();
    feed(&mut x, &quote(1, 99.9, 100.0, 5.0, 5.0));
    assert_eq!(x.liquidation(0), Some((Side::Long, 90.4)));
    let mut flip = NewOrder::market(0, OrderSide::Sell, 2.0, "s");
    flip.leverage = Some(10.0);
    x.submit(flip, 1, 1).unwrap();
    feed(&mut x, &quote(2, 99.9, 100.0, 5.0, 5.0));
    // Short 1 from 99.9: its own level, 99.9 × (1 + 1/10 − 0.004), not the closed long's.
    assert_eq!(x.position(0), -100_000_000);
    assert_eq!(x.liquidation(0), Some((Side::Short, 109.4904)));
}

#[test]
fn a_position_that_reaches_its_liquidation_price_is_liquidated_there() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 99.9, 100.0, 5.0, 5.0));
    x.submit(NewOrder::market(0, OrderSide::Buy, 1.0, "s"), 0, 0)
        .unwrap();
    feed(&mut x, &quote(1, 99.9, 100.0, 5.0, 5.0));
    fills(&mut x);
    x.set_liquidation(0, Some((Side::Long, 90.4)));
    feed(&mut x, &quote(2, 90.5, 90.6, 5.0, 5.0));
    assert!(fills(&mut x).is_empty());
    feed(&mut x, &quote(3, 90.0, 90.1, 5.0, 5.0));
    let r: Vec<_> = x.take_reports().collect();
    assert_eq!(
        (r[0].price.to_f64(), r[0].exit_reason, r[0].fee_bps),
        (90.4, ExitReason::Liquidation, 50.0)
    );
    assert_eq!(x.position(0), 0);
}

#[test]
fn a_stop_on_the_mark_price_watches_the_mid() {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 99.9, 100.0, 5.0, 5.0));
    x.submit(NewOrder::market(0, OrderSide::Buy, 1.0, "s"), 0, 0)
        .unwrap();
    feed(&mut x, &quote(1, 99.9, 100.0, 5.0, 5.0));
    let mut stop = NewOrder::market(0, OrderSide::Sell, 1.0, "s");
    stop.kind = OrderType::StopMarket {
        trigger: 99.0,
        source: TriggerSource::Mark,
    };
    stop.reduce_only = true;
    x.submit(stop, 1, 1).unwrap();
    feed(&mut x, &quote(2, 99.9, 100.0, 5.0, 5.0));
    fills(&mut x);
    // The bid touches 99.0 but the mid (99.05) is above the trigger.
    feed(&mut x, &quote(3, 99.0, 99.1, 5.0, 5.0));
    assert!(fills(&mut x).is_empty());
    feed(&mut x, &quote(4, 98.9, 99.0, 5.0, 5.0));
    assert_eq!(fills(&mut x), vec![(OrderSide::Sell, 1.0, 98.9, "taker")]);
    let statuses: Vec<_> = events(&mut x).iter().map(|e| e.kind()).collect();
    assert!(statuses.ends_with(&["triggered", "filled"]));
    assert_eq!(
        x.counts().by_status[OrderStatus::ALL
            .iter()
            .position(|&s| s == OrderStatus::Filled)
            .unwrap()],
        2
    );
}

/// A venue holding a long or short of 1 at 100 (filled on a quote) with the SPEC's bracket
/// (take-profit 1 %, stop 0.5 %) and, for leverage > 1, its liquidation price.
fn holding(side: Side, leverage: f64, stop: bool) -> Exchange {
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    feed(&mut x, &quote(0, 100.0, 100.0, f64::NAN, f64::NAN));
    let order_side = if side == Side::Long {
        OrderSide::Buy
    } else {
        OrderSide::Sell
    };
    let mut o = NewOrder::market(0, order_side, 1.0, "s");
    o.bracket = Some(BracketSpec {
        take_profit: Some(0.01),
        stop_loss: stop.then_some(0.005),
    });
    x.submit(o, 0, 0).unwrap();
    feed(&mut x, &quote(1, 100.0, 100.0, f64::NAN, f64::NAN));
    assert_eq!(fills(&mut x).len(), 1);
    if leverage > 1.0 {
        let s = if side == Side::Long { 1.0 } else { -1.0 };
        x.set_liquidation(
            0,
            Some((side, 100.0 * (1.0 - s * (1.0 / leverage - 0.004)))),
        );
    }
    events(&mut x);
    x
}

fn bar(ts: i64, o: f64, h: f64, l: f64, c: f64) -> Tick {
    let mut t = Tick::empty(ts, ts, 0);
    (t.open, t.high, t.low, t.close, t.price) = (o, h, l, c, c);
    t
}

fn exits(x: &mut Exchange) -> Vec<(ExitReason, f64, &'static str)> {
    x.take_reports()
        .map(|r| (r.exit_reason, r.price.to_f64(), r.liquidity.as_str()))
        .collect()
}

#[test]
fn a_bar_touching_both_levels_is_a_stop_for_longs_and_shorts() {
    let mut x = holding(Side::Long, 1.0, true);
    x.on_tick(&bar(60, 100.0, 101.5, 99.0, 100.0), &NoBooks);
    assert_eq!(exits(&mut x), vec![(ExitReason::StopLoss, 99.5, "taker")]);
    let mut x = holding(Side::Short, 1.0, true);
    x.on_tick(&bar(60, 100.0, 101.0, 98.5, 100.0), &NoBooks);
    assert_eq!(exits(&mut x), vec![(ExitReason::StopLoss, 100.5, "taker")]);
}

#[test]
fn gaps_fill_stops_at_the_worse_open_and_targets_at_their_level() {
    let mut x = holding(Side::Long, 1.0, true);
    x.on_tick(&bar(60, 99.0, 99.2, 98.0, 98.5), &NoBooks);
    assert_eq!(exits(&mut x), vec![(ExitReason::StopLoss, 99.0, "taker")]);
    let mut x = holding(Side::Long, 1.0, true);
    x.on_tick(&bar(60, 102.0, 103.0, 101.8, 102.5), &NoBooks);
    assert_eq!(
        exits(&mut x),
        vec![(ExitReason::TakeProfit, 101.0, "maker")]
    );
}

#[test]
fn liquidation_for_longs_and_shorts() {
    // 10x: a long's liquidation price is 100 × (1 − 0.1 + 0.004) = 90.4, a short's 109.6.
    // A bar that opens through it: liquidated there, not at the open.
    let mut x = holding(Side::Long, 10.0, true);
    x.on_tick(&bar(60, 89.0, 89.5, 88.0, 88.5), &NoBooks);
    assert_eq!(
        exits(&mut x),
        vec![(ExitReason::Liquidation, 90.4, "taker")]
    );
    assert!(
        x.open_orders().is_empty(),
        "the bracket went with the position"
    );
    // A range through the stop and the liquidation price: the stop, nearer the entry, first.
    let mut x = holding(Side::Long, 10.0, true);
    x.on_tick(&bar(60, 100.0, 100.0, 85.0, 86.0), &NoBooks);
    assert_eq!(exits(&mut x)[0].0, ExitReason::StopLoss);
    // Without a stop the range liquidates.
    let mut x = holding(Side::Long, 10.0, false);
    x.on_tick(&bar(60, 100.0, 100.0, 85.0, 86.0), &NoBooks);
    assert_eq!(
        exits(&mut x),
        vec![(ExitReason::Liquidation, 90.4, "taker")]
    );
    // A quote at or beyond a short's liquidation price.
    let mut x = holding(Side::Short, 10.0, false);
    feed(&mut x, &quote(2, 108.99, 109.0, f64::NAN, f64::NAN));
    assert!(exits(&mut x).is_empty());
    feed(&mut x, &quote(3, 109.99, 110.0, f64::NAN, f64::NAN));
    let r: Vec<_> = x.take_reports().collect();
    assert_eq!(
        (r[0].exit_reason, r[0].price.to_f64(), r[0].fee_bps),
        (ExitReason::Liquidation, 109.6, 50.0)
    );
}

#[test]
fn ticks_exit_at_the_market_price() {
    let mut x = holding(Side::Long, 1.0, true);
    feed(&mut x, &quote(2, 99.4, 99.5, f64::NAN, f64::NAN));
    assert_eq!(exits(&mut x), vec![(ExitReason::StopLoss, 99.4, "taker")]);
    let mut x = holding(Side::Long, 1.0, true);
    feed(&mut x, &quote(2, 101.2, 101.3, f64::NAN, f64::NAN));
    assert_eq!(
        exits(&mut x),
        vec![(ExitReason::TakeProfit, 101.2, "taker")]
    );
}

#[test]
fn a_fill_at_a_bars_close_ignores_that_bars_range() {
    // A bar without an open: a market order fills at its close, after its range.
    let mut x = venue(QueueKind::RiskAverse, 0.0, 0.0);
    x.on_tick(&bar(0, f64::NAN, 100.0, 100.0, 100.0), &NoBooks);
    let mut o = NewOrder::market(0, OrderSide::Buy, 1.0, "s");
    o.bracket = Some(BracketSpec {
        take_profit: Some(0.01),
        stop_loss: Some(0.005),
    });
    x.submit(o, 0, 0).unwrap();
    let b = bar(60, f64::NAN, 101.5, 99.0, 100.0);
    x.on_tick(&b, &NoBooks);
    x.deliver(b.ts_event, &NoBooks, None);
    let r = exits(&mut x);
    assert_eq!(r.len(), 1, "only the entry: {r:?}");
    assert_eq!(r[0].1, 100.01);
}

#[test]
fn nothing_acts_inside_the_band() {
    // Random quotes and bars around positions with and without levels: whatever lies strictly
    // inside the venue's band never executes anything.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        90.0 + (x >> 40) as f64 / (1u64 << 24) as f64 * 20.0
    };
    for side in [Side::Long, Side::Short] {
        for (lev, sl) in [(1.0, true), (20.0, false), (50.0, true)] {
            let base = holding(side, lev, sl);
            let (lo, hi) = base.band(0);
            assert!(lo.is_finite() || hi.is_finite());
            for i in 0..5_000 {
                let mut x = holding(side, lev, sl);
                let m = rnd();
                let (bid, ask) = (m, m + 0.01);
                if lo < bid && ask < hi {
                    feed(&mut x, &quote(10 + i, bid, ask, f64::NAN, f64::NAN));
                    assert!(
                        x.take_reports().next().is_none(),
                        "{side:?} {lev} quote {m}"
                    );
                }
                let (a, b, c) = (rnd(), rnd(), rnd());
                let (l, h) = (a.min(b).min(c), a.max(b).max(c));
                if lo < l && h < hi {
                    x.on_tick(&bar(100_000 + i, b, h, l, (l + h) / 2.0), &NoBooks);
                    assert!(
                        x.take_reports().next().is_none(),
                        "{side:?} {lev} bar {l}..{h}"
                    );
                }
            }
        }
    }
}
