//! Binance USDⓈ-M captures in the hftbacktest collector format (`<local recv ns> <json>` a
//! line, see `../shared/data/SOURCES.md`), read as the market events a venue replays: the REST
//! snapshot, then every depth update the book takes after it (the stale ones before it dropped,
//! by the futures rule `u < lastUpdateId`), trades and best bid / ask updates, in file order.
//!
//! The data directory is `$QUANTUM_SHARED_DATA`, else `<repo>/../shared/data`. A missing file
//! is a test failure, never a skip.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use flate2::read::GzDecoder;
use quantum_core::book::Level;
use quantum_core::types::UnixNanos;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

const MS: UnixNanos = 1_000_000;

/// One market event of a capture. Times are the exchange's (`E`), ns.
#[derive(Debug, Clone)]
pub enum Event {
    /// A depth update: `(U, u, pu)` and the changed levels (absolute sizes, 0 deletes).
    Depth {
        /// Exchange time, ns.
        ts: UnixNanos,
        /// First, last and previous update ids.
        ids: (u64, u64, u64),
        /// Changed bids.
        bids: Vec<Level>,
        /// Changed asks.
        asks: Vec<Level>,
    },
    /// A trade print.
    Trade {
        /// Exchange time, ns.
        ts: UnixNanos,
        /// Price.
        price: f64,
        /// Quantity.
        qty: f64,
        /// Binance's `m`: the buyer was the maker (a seller took).
        buyer_maker: bool,
    },
    /// A best bid / ask update.
    Quote {
        /// Exchange time, ns.
        ts: UnixNanos,
        /// Best bid.
        bid: f64,
        /// Best ask.
        ask: f64,
        /// Size at the bid.
        bid_qty: f64,
        /// Size at the ask.
        ask_qty: f64,
    },
}

/// A capture: its REST snapshot and the events after it.
pub struct Capture {
    /// `lastUpdateId` of the snapshot.
    pub last_update_id: u64,
    /// Exchange time of the snapshot (`E`), ns.
    pub snapshot_ts: UnixNanos,
    /// Snapshot bids.
    pub bids: Vec<Level>,
    /// Snapshot asks.
    pub asks: Vec<Level>,
    /// The events after the snapshot.
    pub events: Vec<Event>,
    /// Lines read (all of the file's, before the snapshot included).
    pub lines: usize,
}

/// The shared data directory.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("QUANTUM_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    }
}

/// One line's JSON: a combined-stream message (`stream`, `data`) or the REST snapshot.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    data: Option<Data<'a>>,
    stream: Option<&'a str>,
    #[serde(rename = "lastUpdateId")]
    last_update_id: Option<u64>,
    #[serde(rename = "E")]
    time_ms: Option<i64>,
    #[serde(borrow, default)]
    bids: Vec<(&'a str, &'a str)>,
    #[serde(borrow, default)]
    asks: Vec<(&'a str, &'a str)>,
}

/// A stream message's `data`: the fields of `depthUpdate`, `trade` and `bookTicker`.
#[derive(Deserialize)]
struct Data<'a> {
    e: &'a str,
    #[serde(rename = "E")]
    time_ms: i64,
    #[serde(rename = "U")]
    first_id: Option<u64>,
    u: Option<u64>,
    pu: Option<u64>,
    #[serde(borrow)]
    b: Option<Field<'a>>,
    #[serde(borrow)]
    a: Option<Field<'a>>,
    #[serde(rename = "B")]
    bid_qty: Option<&'a str>,
    #[serde(rename = "A")]
    ask_qty: Option<&'a str>,
    p: Option<&'a str>,
    q: Option<&'a str>,
    m: Option<bool>,
}

/// `b` and `a`: levels in a depth update, a price in a book ticker.
enum Field<'a> {
    Levels(Vec<Level>),
    Price(&'a str),
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldVisitor<'a>(PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for FieldVisitor<'a> {
            type Value = Field<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a price string or an array of [price, size] pairs")
            }

            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Field<'a>, E> {
                Ok(Field::Price(s))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field<'a>, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(8));
                while let Some((p, q)) = seq.next_element::<(&'de str, &'de str)>()? {
                    v.push(Level::parse(p, q).map_err(de::Error::custom)?);
                }
                Ok(Field::Levels(v))
            }
        }

        d.deserialize_any(FieldVisitor(PhantomData))
    }
}

fn levels(v: &[(&str, &str)]) -> Vec<Level> {
    v.iter()
        .map(|(p, q)| Level::parse(p, q).expect("level"))
        .collect()
}

fn side_levels(f: Option<Field<'_>>) -> Vec<Level> {
    match f {
        Some(Field::Levels(v)) => v,
        _ => panic!("a depth update's levels"),
    }
}

fn num(s: Option<&str>) -> f64 {
    s.and_then(|x| x.parse().ok()).expect("decimal string")
}

fn price(f: &Option<Field<'_>>) -> f64 {
    match f {
        Some(Field::Price(p)) => p.parse().expect("decimal"),
        _ => panic!("a book ticker's price"),
    }
}

/// Reads at most `max_lines` lines of `relative` (under the data directory).
pub fn load(relative: &str, max_lines: usize) -> Capture {
    let path = data_dir().join(relative);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "capture {} is missing ({e}); set QUANTUM_SHARED_DATA",
            path.display()
        )
    });
    let mut cap = Capture {
        last_update_id: 0,
        snapshot_ts: 0,
        bids: Vec::new(),
        asks: Vec::new(),
        events: Vec::new(),
        lines: 0,
    };
    let mut have_snapshot = false;
    // Depth updates received before the snapshot: the one that straddles it applies first.
    let mut early: Vec<Event> = Vec::new();
    for line in BufReader::new(GzDecoder::new(file)).lines().take(max_lines) {
        let line = line.expect("gzip text line");
        cap.lines += 1;
        let (_recv, json) = line.split_once(' ').expect("`<ts> <json>` line");
        let v: Line<'_> = serde_json::from_str(json).expect("json");
        if let (Some(id), None) = (v.last_update_id, v.stream) {
            assert!(!have_snapshot, "one REST snapshot per capture");
            have_snapshot = true;
            cap.last_update_id = id;
            cap.snapshot_ts = v.time_ms.expect("E") * MS;
            cap.bids = levels(&v.bids);
            cap.asks = levels(&v.asks);
            cap.events.extend(
                early
                    .drain(..)
                    .filter(|e| matches!(e, Event::Depth { ids, .. } if ids.1 >= id)),
            );
            continue;
        }
        let Some(d) = v.data else { continue };
        let ts = d.time_ms * MS;
        match d.e {
            "depthUpdate" => {
                let ids = (d.first_id.expect("U"), d.u.expect("u"), d.pu.unwrap_or(0));
                let e = Event::Depth {
                    ts,
                    ids,
                    bids: side_levels(d.b),
                    asks: side_levels(d.a),
                };
                if !have_snapshot {
                    early.push(e);
                } else if ids.1 >= cap.last_update_id {
                    cap.events.push(e);
                }
            }
            // Trades and quotes before the book exists are of no use to the venue.
            _ if !have_snapshot => {}
            "trade" => cap.events.push(Event::Trade {
                ts,
                price: num(d.p),
                qty: num(d.q),
                buyer_maker: d.m.expect("m"),
            }),
            "bookTicker" => cap.events.push(Event::Quote {
                ts,
                bid: price(&d.b),
                ask: price(&d.a),
                bid_qty: num(d.bid_qty),
                ask_qty: num(d.ask_qty),
            }),
            _ => {}
        }
    }
    assert!(
        have_snapshot,
        "{relative}: no REST snapshot in its first {max_lines} lines"
    );
    cap
}

impl Capture {
    /// Exchange time of the last event.
    pub fn end_ts(&self) -> UnixNanos {
        self.events
            .iter()
            .map(|e| match e {
                Event::Depth { ts, .. } | Event::Trade { ts, .. } | Event::Quote { ts, .. } => *ts,
            })
            .max()
            .unwrap_or(self.snapshot_ts)
    }
}
