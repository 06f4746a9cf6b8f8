//! Binance USDⓈ-M futures: raw WebSocket / REST JSON text into the core's events.
//!
//! Produces what `quantum.exchanges.binanceusdm.parse` produces in Python, field for field:
//!
//! | message | event | `ts_event` |
//! |---|---|---|
//! | `bookTicker` | quote tick: `b`/`a`/`B`/`A` | `T`, else `E` |
//! | `trade`, `aggTrade` | trade tick: `p`, `q`; `m` (buyer is maker) true = the aggressor sold | `T`, else `E` |
//! | `depthUpdate` | book delta: `U`/`u`/`pu`, levels `b`/`a` | `T`, else `E` |
//! | `markPriceUpdate` | funding tick: `r` | `E` |
//! | `forceOrder` | liquidation tick from the order `o`: price `ap` (`p` if 0), quantity `z` (`q` if 0), SELL = longs liquidated (+1) | `o.T` |
//! | REST `/fapi/v1/depth` (`lastUpdateId`) | book snapshot, ids = `lastUpdateId` | `T`, else `E`, else `ts_recv` |
//! | `kline`, `continuous_kline`, `24hrTicker`, `24hrMiniTicker` | ignored | |
//!
//! A combined-stream message `{"stream": …, "data": {…}}` is unwrapped. Prices and sizes are the
//! venue's decimal strings parsed exactly into 10⁻⁸ fixed point; where Python's `float(text)`
//! would accept a malformed one, this parser is stricter and rejects: more than 8 non-zero
//! decimals, signs on sizes or prices, exponents, non-finite rates, and numbers or ids sent with
//! the wrong JSON type.

mod fast;
mod fields;

use std::borrow::Cow;

use fields::{Data, Fields, LevelFault, Shape, Val};

use super::{Aggressor, BookUpdate, NativeEvent, NativeTick, ParseError, TickKind};
use crate::book::Level;
use crate::types::{Price, Qty, UnixNanos, NANOS_PER_MILLI};

/// Event types that carry nothing for the core (bars are built from other sources).
const IGNORED_EVENTS: [&str; 4] = ["kline", "continuous_kline", "24hrTicker", "24hrMiniTicker"];

/// Parses one raw message (the JSON text without the capture's receive-time prefix).
///
/// A REST depth snapshot comes back with `symbol: None`; the caller knows which symbol it asked
/// for (see [`super::NativeBatch`] for how a batch names it).
pub fn parse_message(raw: &[u8], ts_recv: UnixNanos) -> Result<NativeEvent<'_>, ParseError> {
    let (mut top, mut inner) = (Fields::default(), Fields::default());
    let read = match fast::read(raw, &mut top, &mut inner) {
        Some(shape) => Ok(shape),
        None => {
            (top, inner) = (Fields::default(), Fields::default());
            fields::read(raw, &mut top, &mut inner)
        }
    };
    let data = match read {
        Ok(Shape::Object(data)) => data,
        Ok(Shape::NotObject) => return Err(ParseError::NotAnObject),
        Err(e) => return Err(ParseError::Json(e.to_string())),
    };
    if !matches!(top.last_update_id, Val::Missing) {
        return snapshot(&mut top, ts_recv).map(NativeEvent::Book);
    }
    let data = match data {
        Data::Missing => &mut top,
        Data::Object => &mut inner,
        Data::NotObject => return Err(ParseError::NotAnObject),
    };
    let kind = match &data.e {
        Val::Str(k) => match k.as_ref() {
            "bookTicker" => Kind::BookTicker,
            "trade" | "aggTrade" => Kind::Trade,
            "depthUpdate" => Kind::Depth,
            "markPriceUpdate" => Kind::MarkPrice,
            "forceOrder" => Kind::ForceOrder,
            k if IGNORED_EVENTS.contains(&k) => return Ok(NativeEvent::Ignored),
            k => return Err(ParseError::UnknownKind(k.to_owned())),
        },
        Val::Missing | Val::Null => return Err(ParseError::MissingField("e")),
        _ => {
            return Err(ParseError::WrongType {
                field: "e",
                expected: "a string",
            })
        }
    };
    match kind {
        Kind::BookTicker => book_ticker(data, ts_recv).map(NativeEvent::Tick),
        Kind::Trade => trade(data, ts_recv).map(NativeEvent::Tick),
        Kind::Depth => depth_update(data, ts_recv).map(NativeEvent::Book),
        Kind::MarkPrice => mark_price(data, ts_recv).map(NativeEvent::Tick),
        Kind::ForceOrder => liquidation(data, ts_recv).map(NativeEvent::Tick),
    }
}

/// The message kinds that carry a core event.
enum Kind {
    BookTicker,
    Trade,
    Depth,
    MarkPrice,
    ForceOrder,
}

fn book_ticker<'a>(d: &Fields<'a>, ts_recv: UnixNanos) -> Result<NativeTick<'a>, ParseError> {
    Ok(NativeTick {
        ts_event: event_time(d)?,
        ts_recv,
        symbol: symbol(&d.s)?,
        kind: TickKind::Quote {
            bid: Price(decimal(&d.b, "b")?),
            ask: Price(decimal(&d.a, "a")?),
            bid_qty: Qty(decimal(&d.bid_qty, "B")?),
            ask_qty: Qty(decimal(&d.ask_qty, "A")?),
        },
    })
}

fn trade<'a>(d: &Fields<'a>, ts_recv: UnixNanos) -> Result<NativeTick<'a>, ParseError> {
    let aggressor = match d.m {
        Val::Bool(true) => Aggressor::Sell,
        Val::Bool(false) => Aggressor::Buy,
        Val::Missing | Val::Null => return Err(ParseError::MissingField("m")),
        _ => {
            return Err(ParseError::WrongType {
                field: "m",
                expected: "a boolean",
            })
        }
    };
    Ok(NativeTick {
        ts_event: event_time(d)?,
        ts_recv,
        symbol: symbol(&d.s)?,
        kind: TickKind::Trade {
            price: Price(decimal(&d.p, "p")?),
            qty: Qty(decimal(&d.q, "q")?),
            aggressor,
        },
    })
}

fn mark_price<'a>(d: &Fields<'a>, ts_recv: UnixNanos) -> Result<NativeTick<'a>, ParseError> {
    let text = string(&d.r, "r")?;
    let rate: f64 = text.parse().map_err(|_| bad_number("r", text))?;
    if !rate.is_finite() {
        return Err(bad_number("r", text));
    }
    Ok(NativeTick {
        ts_event: millis(&d.event_time, "E")?,
        ts_recv,
        symbol: symbol(&d.s)?,
        kind: TickKind::Funding { rate },
    })
}

fn liquidation<'a>(d: &Fields<'a>, ts_recv: UnixNanos) -> Result<NativeTick<'a>, ParseError> {
    let o = match &d.o {
        Val::Object(o) => o,
        Val::Missing | Val::Null => return Err(ParseError::MissingField("o")),
        _ => {
            return Err(ParseError::WrongType {
                field: "o",
                expected: "an object",
            })
        }
    };
    let side = match string(&o.side, "S")? {
        "SELL" => 1,
        "BUY" => -1,
        other => return Err(ParseError::BadSide(other.to_owned())),
    };
    // An order not filled yet has average price 0 and filled quantity 0: fall back to the
    // order's own price and quantity, as the Python parser does.
    let mut price = decimal(&o.ap, "ap")?;
    if price == 0 {
        price = decimal(&o.p, "p")?;
    }
    let mut qty = decimal(&o.z, "z")?;
    if qty == 0 {
        qty = decimal(&o.q, "q")?;
    }
    Ok(NativeTick {
        ts_event: millis(&o.tx_time, "T")?,
        ts_recv,
        symbol: symbol(&o.s)?,
        kind: TickKind::Liquidation {
            price: Price(price),
            qty: Qty(qty),
            side,
        },
    })
}

fn depth_update<'a>(d: &mut Fields<'a>, ts_recv: UnixNanos) -> Result<BookUpdate<'a>, ParseError> {
    Ok(BookUpdate {
        ts_event: event_time(d)?,
        ts_recv,
        symbol: Some(symbol(&d.s)?),
        is_snapshot: false,
        first_id: id(&d.first_id, "U")?,
        last_id: id(&d.last_id, "u")?,
        prev_id: Some(id(&d.prev_id, "pu")?),
        bids: levels(&mut d.b, "b")?,
        asks: levels(&mut d.a, "a")?,
    })
}

fn snapshot<'a>(d: &mut Fields<'a>, ts_recv: UnixNanos) -> Result<BookUpdate<'a>, ParseError> {
    let last = id(&d.last_update_id, "lastUpdateId")?;
    let ts_event = match (&d.tx_time, &d.event_time) {
        (Val::Missing | Val::Null, Val::Missing | Val::Null) => ts_recv,
        (Val::Missing | Val::Null, e) => millis(e, "E")?,
        (t, _) => millis(t, "T")?,
    };
    Ok(BookUpdate {
        ts_event,
        ts_recv,
        symbol: None,
        is_snapshot: true,
        first_id: last,
        last_id: last,
        prev_id: None,
        bids: levels(&mut d.bids, "bids")?,
        asks: levels(&mut d.asks, "asks")?,
    })
}

/// `T` (transaction time) when present, else `E` (event time).
fn event_time(d: &Fields<'_>) -> Result<UnixNanos, ParseError> {
    match d.tx_time {
        Val::Missing | Val::Null => millis(&d.event_time, "E"),
        ref t => millis(t, "T"),
    }
}

fn millis(v: &Val<'_>, field: &'static str) -> Result<UnixNanos, ParseError> {
    let ms = match *v {
        Val::UInt(ms) => i64::try_from(ms).map_err(|_| ParseError::OutOfRange(field))?,
        Val::Int(ms) => ms,
        Val::Missing | Val::Null => return Err(ParseError::MissingField(field)),
        _ => {
            return Err(ParseError::WrongType {
                field,
                expected: "an integer",
            })
        }
    };
    ms.checked_mul(NANOS_PER_MILLI)
        .ok_or(ParseError::OutOfRange(field))
}

fn id(v: &Val<'_>, field: &'static str) -> Result<u64, ParseError> {
    match *v {
        Val::UInt(id) => Ok(id),
        Val::Int(_) => Err(ParseError::OutOfRange(field)),
        Val::Missing | Val::Null => Err(ParseError::MissingField(field)),
        _ => Err(ParseError::WrongType {
            field,
            expected: "a non-negative integer",
        }),
    }
}

fn string<'v>(v: &'v Val<'_>, field: &'static str) -> Result<&'v str, ParseError> {
    match v {
        Val::Str(s) => Ok(s),
        Val::Missing | Val::Null => Err(ParseError::MissingField(field)),
        _ => Err(ParseError::WrongType {
            field,
            expected: "a string",
        }),
    }
}

fn symbol<'a>(v: &Val<'a>) -> Result<Cow<'a, str>, ParseError> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        Val::Missing | Val::Null => Err(ParseError::MissingField("s")),
        _ => Err(ParseError::WrongType {
            field: "s",
            expected: "a string",
        }),
    }
}

fn bad_number(field: &'static str, text: &str) -> ParseError {
    ParseError::BadNumber {
        field,
        text: text.to_owned(),
    }
}

fn fault(field: &'static str, f: LevelFault) -> ParseError {
    match f {
        LevelFault::NotPair => ParseError::WrongType {
            field,
            expected: "a list of [price, qty] string pairs",
        },
        LevelFault::BadNumber(text) => ParseError::BadNumber { field, text },
        LevelFault::Negative(text) => ParseError::Negative { field, text },
    }
}

/// A price or size string in exact 10⁻⁸ units.
fn decimal(v: &Val<'_>, field: &'static str) -> Result<i64, ParseError> {
    fields::units(string(v, field)?).map_err(|f| fault(field, f))
}

/// Takes the levels out of `v` (they were parsed while reading the JSON).
fn levels(v: &mut Val<'_>, field: &'static str) -> Result<Vec<Level>, ParseError> {
    match std::mem::take(v) {
        Val::Levels(levels) => levels.map_err(|f| fault(field, f)),
        Val::Missing | Val::Null => Err(ParseError::MissingField(field)),
        _ => Err(fault(field, LevelFault::NotPair)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::parse_decimal;
    use crate::types::SCALE;

    const MS: i64 = NANOS_PER_MILLI;

    fn tick(raw: &str) -> NativeTick<'_> {
        match parse_message(raw.as_bytes(), 7) {
            Ok(NativeEvent::Tick(t)) => t,
            other => panic!("expected a tick from {raw}, got {other:?}"),
        }
    }

    fn book(raw: &str) -> BookUpdate<'_> {
        match parse_message(raw.as_bytes(), 7) {
            Ok(NativeEvent::Book(b)) => b,
            other => panic!("expected a book update from {raw}, got {other:?}"),
        }
    }

    fn err(raw: &str) -> ParseError {
        match parse_message(raw.as_bytes(), 7) {
            Err(e) => e,
            Ok(ev) => panic!("expected an error from {raw}, got {ev:?}"),
        }
    }

    fn units(s: &str) -> i64 {
        parse_decimal(s).unwrap()
    }

    #[test]
    fn book_ticker_in_a_combined_stream() {
        let t = tick(
            r#"{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256314}}"#,
        );
        assert_eq!(
            (t.ts_event, t.ts_recv, t.symbol.as_ref()),
            (1_723_161_256_313 * MS, 7, "BTCUSDT")
        );
        assert!(
            matches!(t.symbol, Cow::Borrowed(_)),
            "symbol is borrowed from the text"
        );
        let want = TickKind::Quote {
            bid: Price(units("61800.20")),
            ask: Price(units("61800.30")),
            bid_qty: Qty(units("2.507")),
            ask_qty: Qty(units("2.510")),
        };
        assert_eq!(t.kind, want);
    }

    #[test]
    fn trades_take_the_aggressor_from_m_and_fall_back_to_event_time() {
        let sold = tick(
            r#"{"e":"trade","E":1000,"T":999,"s":"BTCUSDT","t":1,"p":"61800.30","q":"0.006","X":"MARKET","m":true}"#,
        );
        assert_eq!(sold.ts_event, 999 * MS);
        assert_eq!(
            sold.kind,
            TickKind::Trade {
                price: Price(units("61800.30")),
                qty: Qty(600_000),
                aggressor: Aggressor::Sell
            }
        );
        // aggTrade: `a` is an integer id here, not a price; no `T` means event time.
        let bought = tick(
            r#"{"e":"aggTrade","E":1000,"a":26129,"s":"ETHUSDT","p":"0.001","q":"100","f":100,"l":105,"m":false}"#,
        );
        assert_eq!(
            (bought.ts_event, bought.symbol.as_ref()),
            (1000 * MS, "ETHUSDT")
        );
        assert_eq!(
            bought.kind,
            TickKind::Trade {
                price: Price(100_000),
                qty: Qty(100 * SCALE),
                aggressor: Aggressor::Buy
            }
        );
    }

    #[test]
    fn depth_update_keeps_ids_and_levels_in_order() {
        let b = book(
            r#"{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,"pu":5123107831937,"b":[["58710.20","0.014"],["61510.90","0.000"]],"a":[]}}"#,
        );
        assert_eq!(
            (b.ts_event, b.symbol.as_deref(), b.is_snapshot),
            (1_723_161_256_298 * MS, Some("BTCUSDT"), false)
        );
        assert_eq!(
            (b.first_id, b.last_id, b.prev_id),
            (
                5_123_107_832_006,
                5_123_107_837_557,
                Some(5_123_107_831_937)
            )
        );
        assert_eq!(
            b.bids,
            vec![
                Level::parse("58710.20", "0.014").unwrap(),
                Level::parse("61510.90", "0").unwrap()
            ]
        );
        assert!(b.asks.is_empty());
        assert_eq!(b.depth_update().prev_id, 5_123_107_831_937);
    }

    #[test]
    fn rest_snapshot_uses_last_update_id_and_its_own_clock() {
        let b = book(
            r#"{"lastUpdateId":42,"E":11,"T":10,"bids":[["100.5","1"]],"asks":[["100.6","2"],["100.7","3"]]}"#,
        );
        assert_eq!(
            (b.symbol, b.is_snapshot, b.first_id, b.last_id, b.prev_id),
            (None, true, 42, 42, None)
        );
        assert_eq!((b.ts_event, b.bids.len(), b.asks.len()), (10 * MS, 1, 2));
        assert_eq!(
            book(r#"{"lastUpdateId":42,"E":11,"bids":[],"asks":[]}"#).ts_event,
            11 * MS
        );
        assert_eq!(
            book(r#"{"lastUpdateId":42,"bids":[],"asks":[]}"#).ts_event,
            7,
            "no clock: ts_recv"
        );
    }

    #[test]
    fn mark_price_is_a_funding_tick_at_event_time() {
        let t = tick(
            r#"{"e":"markPriceUpdate","E":5,"s":"BTCUSDT","p":"28000.1","i":"28001","P":"28002","r":"0.00010000","T":1680681600000}"#,
        );
        assert_eq!(
            (t.ts_event, t.kind),
            (5 * MS, TickKind::Funding { rate: 0.0001 })
        );
    }

    #[test]
    fn force_order_sides_and_fallbacks() {
        let longs = tick(
            r#"{"e":"forceOrder","E":9,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910.5","X":"FILLED","l":"0.014","z":"0.010","T":8}}"#,
        );
        assert_eq!((longs.ts_event, longs.symbol.as_ref()), (8 * MS, "BTCUSDT"));
        assert_eq!(
            longs.kind,
            TickKind::Liquidation {
                price: Price(units("9910.5")),
                qty: Qty(1_000_000),
                side: 1
            }
        );
        let shorts = tick(
            r#"{"e":"forceOrder","E":9,"o":{"s":"BTCUSDT","S":"BUY","q":"0.014","p":"9910","ap":"0.00","z":"0","T":8}}"#,
        );
        assert_eq!(
            shorts.kind,
            TickKind::Liquidation {
                price: Price(units("9910")),
                qty: Qty(1_400_000),
                side: -1
            }
        );
        let t = shorts.to_tick(0);
        assert_eq!((t.price, t.liq_volume, t.liq_side), (9910.0, 0.014, -1));
        assert!(
            t.volume.is_nan(),
            "a liquidation is not counted as traded volume"
        );
    }

    #[test]
    fn streams_without_core_events_are_ignored() {
        for raw in [
            r#"{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":1,"o":"1","c":"2","x":false}}"#,
            r#"{"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":1,"s":"BTCUSDT","o":"1","q":"5"}}"#,
        ] {
            assert_eq!(
                parse_message(raw.as_bytes(), 0),
                Ok(NativeEvent::Ignored),
                "{raw}"
            );
        }
    }

    #[test]
    fn escaped_strings_are_decoded() {
        let t = tick(r#"{"e":"trade","E":1,"s":"BTC\u0055SDT","p":"1","q":"2","m":false}"#);
        assert_eq!(t.symbol, "BTCUSDT");
    }

    #[test]
    fn malformed_messages_are_typed_errors() {
        let trade = |fields: &str| format!(r#"{{"e":"trade","E":1,"s":"BTCUSDT",{fields}}}"#);
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "json"),
            ("{\"e\":\"trade\"".into(), "json"),
            ("{} x".into(), "json"),
            ("[1,2]".into(), "not_an_object"),
            (r#"{"stream":"x","data":[1]}"#.into(), "not_an_object"),
            (r#"{"s":"BTCUSDT"}"#.into(), "missing_field"),
            (r#"{"e":7}"#.into(), "wrong_type"),
            (r#"{"e":"depthUpdateX","E":1}"#.into(), "unknown_kind"),
            (trade(r#""p":"1","q":"2""#), "missing_field"),
            (trade(r#""p":"1","q":"2","m":"true""#), "wrong_type"),
            (trade(r#""p":1.5,"q":"2","m":true"#), "wrong_type"),
            (trade(r#""p":"1e5","q":"2","m":true"#), "bad_number"),
            (trade(r#""p":"abc","q":"2","m":true"#), "bad_number"),
            (trade(r#""p":"0.000000001","q":"2","m":true"#), "bad_number"),
            (trade(r#""p":"1","q":"-2","m":true"#), "negative"),
            (r#"{"e":"trade","E":"1","s":"BTCUSDT","p":"1","q":"2","m":true}"#.into(), "wrong_type"),
            (r#"{"e":"trade","E":9223372036855,"s":"BTCUSDT","p":"1","q":"2","m":true}"#.into(), "out_of_range"),
            (r#"{"e":"trade","T":-1,"E":18446744073709551615,"s":"B","p":"1","q":"2","m":true}"#.into(), "ok"),
            (r#"{"e":"bookTicker","E":1,"s":"BTCUSDT","b":"1","a":"2","B":"3"}"#.into(), "missing_field"),
            (r#"{"e":"depthUpdate","E":1,"s":"X","U":"1","u":2,"pu":0,"b":[],"a":[]}"#.into(), "wrong_type"),
            (r#"{"e":"depthUpdate","E":1,"s":"X","U":-1,"u":2,"pu":0,"b":[],"a":[]}"#.into(), "out_of_range"),
            (r#"{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"pu":0,"b":[["1","2","3"]],"a":[]}"#.into(), "wrong_type"),
            (r#"{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"pu":0,"b":[[1,2]],"a":[]}"#.into(), "wrong_type"),
            (r#"{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"pu":0,"b":[],"a":"1"}"#.into(), "wrong_type"),
            (r#"{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[],"a":[]}"#.into(), "missing_field"),
            (r#"{"e":"forceOrder","E":1,"o":{"s":"X","S":"HOLD","q":"1","p":"1","ap":"1","z":"1","T":1}}"#.into(), "bad_side"),
            (r#"{"e":"forceOrder","E":1,"o":"x"}"#.into(), "wrong_type"),
            (r#"{"e":"markPriceUpdate","E":1,"s":"X","r":""}"#.into(), "bad_number"),
            (r#"{"e":"markPriceUpdate","E":1,"s":"X","r":"NaN"}"#.into(), "bad_number"),
            (r#"{"lastUpdateId":1,"bids":[["1","1"]]}"#.into(), "missing_field"),
        ];
        for (raw, reason) in cases {
            let got = parse_message(raw.as_bytes(), 0);
            match reason {
                "ok" => assert!(got.is_ok(), "{raw}: {got:?}"),
                _ => assert_eq!(got.map_err(|e| e.reason()).err(), Some(reason), "{raw}"),
            }
        }
        assert_eq!(err("[1]"), ParseError::NotAnObject);
        assert_eq!(
            err(r#"{"e":"bookTicker","E":1,"s":"X","b":"1","a":"2","B":"3"}"#),
            ParseError::MissingField("A")
        );
        let e = err(r#"{"e":"trade","E":1,"s":"X","p":"6e4","q":"2","m":true}"#);
        assert_eq!(e.to_string(), r#"field 'p' is not a valid number: "6e4""#);
    }

    #[test]
    fn deep_nesting_and_huge_input_never_panic() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            err(&deep),
            ParseError::NotAnObject,
            "skipped without recursion"
        );
        let deep_obj = format!("{}1{}", r#"{"o":"#.repeat(1_000), "}".repeat(1_000));
        assert_eq!(err(&deep_obj).reason(), "json");
        assert!(parse_message(&[0xff, 0xfe, b'{'], 0).is_err());
    }
}
