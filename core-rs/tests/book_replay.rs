//! Replays of real exchange captures through the L2 book (`../shared/data`, see its SOURCES.md).
//!
//! The data directory is `$QUANTUM_SHARED_DATA`, else `<repo>/../shared/data`. A missing file is a
//! test failure, never a skip.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use flate2::read::GzDecoder;
use quantum_core::book::{Applied, BookError, DepthUpdate, Level, OrderBook, SequenceRule};
use serde_json::Value;

fn data_dir() -> PathBuf {
    match std::env::var_os("QUANTUM_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    }
}

fn gz_lines(relative: &str) -> Vec<String> {
    let path = data_dir().join(relative);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        panic!(
            "capture {} is missing ({e}); set QUANTUM_SHARED_DATA",
            path.display()
        )
    });
    BufReader::new(GzDecoder::new(file))
        .lines()
        .map(|l| l.expect("gzip text line"))
        .collect()
}

fn levels(v: &Value) -> Vec<Level> {
    v.as_array()
        .expect("level array")
        .iter()
        .map(|l| {
            Level::parse(
                l[0].as_str().expect("price string"),
                l[1].as_str().expect("size string"),
            )
            .expect("level")
        })
        .collect()
}

fn id(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("missing id {key} in {v}"))
}

// ---------------------------------------------------------------------------------------------
// Binance (hftbacktest collector format: `<recv ns> <json>`)

struct Snapshot {
    last_update_id: u64,
    bids: Vec<Level>,
    asks: Vec<Level>,
}

struct Msg {
    ts_event: i64,
    ts_recv: i64,
    first_id: u64,
    last_id: u64,
    prev_id: u64,
    bids: Vec<Level>,
    asks: Vec<Level>,
}

impl Msg {
    fn update(&self) -> DepthUpdate<'_> {
        DepthUpdate {
            ts_event: self.ts_event,
            ts_recv: self.ts_recv,
            first_id: self.first_id,
            last_id: self.last_id,
            prev_id: self.prev_id,
            bids: &self.bids,
            asks: &self.asks,
            checksum: None,
        }
    }
}

/// The REST snapshot (if the file has one) and every `depthUpdate`, in file order.
fn binance_capture(files: &[&str]) -> (Option<Snapshot>, Vec<Msg>) {
    let mut snapshot = None;
    let mut msgs = Vec::new();
    for file in files {
        for line in gz_lines(file) {
            let (recv, json) = line.split_once(' ').expect("`<ts> <json>` line");
            let v: Value = serde_json::from_str(json).expect("json");
            if v.get("lastUpdateId").is_some() && v.get("stream").is_none() {
                assert!(snapshot.is_none(), "one REST snapshot per capture");
                snapshot = Some(Snapshot {
                    last_update_id: id(&v, "lastUpdateId"),
                    bids: levels(&v["bids"]),
                    asks: levels(&v["asks"]),
                });
            } else if v["data"]["e"] == "depthUpdate" {
                let d = &v["data"];
                msgs.push(Msg {
                    ts_event: d["E"].as_i64().expect("E") * 1_000_000,
                    ts_recv: recv.parse().expect("recv ns"),
                    first_id: id(d, "U"),
                    last_id: id(d, "u"),
                    prev_id: d["pu"].as_u64().unwrap_or(0),
                    bids: levels(&d["b"]),
                    asks: levels(&d["a"]),
                });
            }
        }
    }
    (snapshot, msgs)
}

/// Replays `msgs` after the snapshot, skipping message `drop` if given. Returns the book, the
/// number applied, and the first error with the index of the message that raised it.
fn replay_binance(
    rule: SequenceRule,
    snap: &Snapshot,
    msgs: &[Msg],
    drop: Option<usize>,
) -> (OrderBook, usize, Option<(usize, BookError)>) {
    let mut book = OrderBook::new(rule);
    book.apply_snapshot(snap.last_update_id, &snap.bids, &snap.asks, None)
        .expect("snapshot applies");
    let mut applied = 0;
    for (i, m) in msgs.iter().enumerate() {
        if Some(i) == drop {
            continue;
        }
        match book.apply_update(&m.update()) {
            Ok(Applied::Applied) => {
                applied += 1;
                let (b, a) = (
                    book.best_bid().expect("bid side"),
                    book.best_ask().expect("ask side"),
                );
                assert!(
                    b.price < a.price,
                    "crossed after message {i}: {} >= {}",
                    b.price,
                    a.price
                );
                assert!(book.is_valid());
            }
            Ok(Applied::Stale) => {
                assert_eq!(applied, 0, "stale message {i} after the book started")
            }
            Err(e) => return (book, applied, Some((i, e))),
        }
    }
    (book, applied, None)
}

fn check_binance(rule: SequenceRule, files: &[&str], continuation: &[&str]) {
    let (snap, msgs) = binance_capture(files);
    let snap = snap.expect("capture has a REST snapshot");
    let (book, applied, err) = replay_binance(rule, &snap, &msgs, None);
    assert!(err.is_none(), "unexpected error {err:?}");
    assert!(book.is_valid());
    let stats = book.stats();
    assert_eq!(stats.gaps, 0);
    // Exactly the updates wholly older than the snapshot are skipped (the 2024 captures start
    // before their snapshot; the 2023 one's first update already straddles it).
    // (Futures: u < lastUpdateId; spot: u <= lastUpdateId.)
    let spot = rule == SequenceRule::BinanceSpot;
    let older = msgs
        .iter()
        .filter(|m| m.last_id < snap.last_update_id + u64::from(spot))
        .count();
    assert_eq!(stats.stale_skipped, older as u64);
    assert_eq!(stats.updates_applied as usize, applied);
    assert_eq!(applied as u64 + stats.stale_skipped, msgs.len() as u64);
    assert!(applied > 1000, "only {applied} updates applied");
    let mid = book.mid().expect("mid");
    assert!(book.microprice().expect("microprice") > book.best_bid().unwrap().price.to_f64());
    assert!(mid > 10_000.0 && mid < 200_000.0, "BTCUSDT mid {mid}");
    let (bid_depth, ask_depth) = book.depth_within_bps(10.0);
    assert!(bid_depth > 0.0 && ask_depth > 0.0);
    assert!(book
        .imbalance(10.0)
        .is_some_and(|x| (-1.0..=1.0).contains(&x)));

    // Drop one message from the middle (well after the first applied one): the next one must
    // reveal the gap, and the book must refuse everything after it.
    let middle = msgs.len() / 2;
    let (book, _, err) = replay_binance(rule, &snap, &msgs, Some(middle));
    let (at, e) = err.expect("the dropped message is detected");
    assert_eq!(
        at,
        middle + 1,
        "gap detected at the message right after the dropped one"
    );
    assert!(matches!(e, BookError::Gap { .. }), "{e:?}");
    assert!(!book.is_valid());
    assert_eq!(book.stats().gaps, 1);
    assert_eq!(book.mid(), None);

    // The next day's file continues the same stream without a new snapshot.
    if !continuation.is_empty() {
        let (none, more) = binance_capture(continuation);
        assert!(none.is_none());
        let mut all = msgs;
        all.extend(more);
        let (book, applied, err) = replay_binance(rule, &snap, &all, None);
        assert!(err.is_none(), "continuation error {err:?}");
        assert!(book.is_valid());
        assert!(applied as u64 + book.stats().stale_skipped == all.len() as u64);
    }
}

#[test]
fn binance_usdm_20240808_replays_without_gaps() {
    check_binance(
        SequenceRule::BinanceFutures,
        &["l2_book/binance_usdm_btcusdt_20240808.jsonl.gz"],
        &[],
    );
}

#[test]
fn binance_usdm_20230404_replays_without_gaps() {
    // Older collector format (receive times in µs, markPrice stream mixed in); same rule.
    check_binance(
        SequenceRule::BinanceFutures,
        &["l2_book/binance_usdm_btcusdt_20230404.jsonl.gz"],
        &[],
    );
}

#[test]
fn binance_usdm_20240718_replays_without_gaps_into_the_next_day() {
    check_binance(
        SequenceRule::BinanceFutures,
        &["l2_book/binance_usdm_btcusdt_20240718.jsonl.gz"],
        &["l2_book/binance_usdm_btcusdt_20240719.jsonl.gz"],
    );
}

#[test]
fn binance_spot_20240808_replays_without_gaps_into_the_next_day() {
    check_binance(
        SequenceRule::BinanceSpot,
        &["l2_book/binance_spot_btcusdt_20240808.jsonl.gz"],
        &["l2_book/binance_spot_btcusdt_20240809.jsonl.gz"],
    );
}

#[test]
fn binance_spot_stream_fails_the_futures_rule() {
    // Spot messages carry no `pu`: the futures rule must refuse them, not pass them silently.
    let (snap, msgs) = binance_capture(&["l2_book/binance_spot_btcusdt_20240808.jsonl.gz"]);
    let (book, applied, err) =
        replay_binance(SequenceRule::BinanceFutures, &snap.unwrap(), &msgs, None);
    assert!(matches!(err, Some((_, BookError::Gap { .. }))));
    assert_eq!(applied, 1, "only the straddling first update applies");
    assert!(!book.is_valid());
}

// ---------------------------------------------------------------------------------------------
// cryptofeed text captures (`<recv ts>: <message>`)

/// Received messages of a cryptofeed `.txt` capture, parsed as JSON.
fn cryptofeed_text(relative: &str) -> Vec<Value> {
    gz_lines(relative)
        .iter()
        .filter_map(|line| {
            let (ts, rest) = line.split_once(": ")?;
            // Connection and sent-message lines start with the url, not a timestamp.
            ts.parse::<f64>().ok()?;
            serde_json::from_str(rest).ok()
        })
        .collect()
}

/// One OKX `books` message.
struct OkxMsg {
    inst: String,
    snapshot: bool,
    bids: Vec<Level>,
    asks: Vec<Level>,
    /// OKX's signed checksum as unsigned 32 bits.
    checksum: u32,
}

/// OKX `books` messages in order.
fn okx_books() -> Vec<OkxMsg> {
    cryptofeed_text("raw_ws_captures/cryptofeed_OKX.ws.1.0.txt.gz")
        .into_iter()
        .filter(|v| v["arg"]["channel"] == "books" && v.get("action").is_some())
        .map(|v| {
            let d = &v["data"][0];
            let checksum = d["checksum"].as_i64().expect("OKX checksum") as i32 as u32;
            OkxMsg {
                inst: v["arg"]["instId"].as_str().unwrap().to_owned(),
                snapshot: v["action"] == "snapshot",
                bids: levels(&d["bids"]),
                asks: levels(&d["asks"]),
                checksum,
            }
        })
        .collect()
}

/// Replays OKX messages into one book per instrument; returns the books and the first error.
fn replay_okx(
    msgs: &[OkxMsg],
) -> (
    BTreeMap<String, OrderBook>,
    usize,
    Option<(usize, BookError)>,
) {
    let mut books: BTreeMap<String, OrderBook> = BTreeMap::new();
    let mut updates = 0;
    for (i, m) in msgs.iter().enumerate() {
        let book = books
            .entry(m.inst.clone())
            .or_insert_with(|| OrderBook::new(SequenceRule::Okx));
        let result = if m.snapshot {
            book.apply_snapshot(0, &m.bids, &m.asks, Some(m.checksum))
                .map(|()| Applied::Applied)
        } else {
            updates += 1;
            let u = DepthUpdate {
                ts_event: 0,
                ts_recv: 0,
                first_id: 0,
                last_id: 0,
                prev_id: 0,
                bids: &m.bids,
                asks: &m.asks,
                checksum: Some(m.checksum),
            };
            book.apply_update(&u)
        };
        if let Err(e) = result {
            return (books, updates, Some((i, e)));
        }
    }
    (books, updates, None)
}

#[test]
fn okx_books_every_checksum_passes() {
    let msgs = okx_books();
    assert_eq!(msgs.iter().filter(|m| m.snapshot).count(), 3);
    let (books, updates, err) = replay_okx(&msgs);
    assert!(err.is_none(), "OKX replay failed: {err:?}");
    assert!(updates >= 280, "only {updates} OKX updates");
    assert_eq!(books.len(), 3);
    for (inst, book) in &books {
        assert!(book.is_valid(), "{inst}");
        assert_eq!(book.stats().checksum_failures, 0);
        assert!(book.best_bid().unwrap().price < book.best_ask().unwrap().price);
    }
}

#[test]
fn okx_corrupted_size_fails_the_checksum() {
    let mut msgs = okx_books();
    // Corrupt the first size of an update in the middle of the capture that changes a level the
    // checksum covers (a touch-side level that is not a delete).
    let i = (msgs.len() / 2..msgs.len())
        .find(|&i| !msgs[i].snapshot && msgs[i].bids.first().is_some_and(|l| !l.qty.is_zero()))
        .expect("an update with a bid level");
    msgs[i].bids[0].qty += quantum_core::types::Qty(1);
    // Replaying only that instrument keeps the failure attributable to the corruption.
    let inst = msgs[i].inst.clone();
    let msgs: Vec<_> = msgs
        .into_iter()
        .enumerate()
        .filter(|(_, m)| m.inst == inst)
        .collect();
    let at = msgs.iter().position(|(j, _)| *j == i).unwrap();
    let msgs: Vec<_> = msgs.into_iter().map(|(_, m)| m).collect();
    let (books, _, err) = replay_okx(&msgs);
    let (err_at, e) = err.expect("corruption detected");
    let book = &books[&inst];
    // The corrupted level is within the top 25 here, so the very message that carries it fails.
    assert_eq!(err_at, at, "mismatch raised by the corrupted message");
    assert!(matches!(e, BookError::ChecksumMismatch { .. }), "{e:?}");
    assert!(!book.is_valid());
    assert_eq!(book.stats().checksum_failures, 1);
}

// ---------------------------------------------------------------------------------------------
// Bybit v5 (cryptofeed format-2 JSONL)

struct BybitMsg {
    stream: String,
    snapshot: bool,
    u: u64,
    bids: Vec<Level>,
    asks: Vec<Level>,
}

fn bybit_orderbook() -> Vec<BybitMsg> {
    gz_lines("raw_ws_captures/cryptofeed_BYBIT_v5_linear_spot_20260809.jsonl.gz")
        .iter()
        .filter_map(|line| {
            let rec: Value = serde_json::from_str(line).expect("jsonl record");
            if rec["t"] != "recv" {
                return None;
            }
            let v: Value = serde_json::from_str(rec["data"].as_str()?).ok()?;
            let topic = v["topic"].as_str()?;
            if !topic.starts_with("orderbook.") {
                return None;
            }
            let d = &v["data"];
            // Linear and spot share topic names; the connection tells them apart.
            Some(BybitMsg {
                stream: format!("{}/{topic}", rec["conn"].as_str().expect("conn")),
                snapshot: v["type"] == "snapshot",
                u: id(d, "u"),
                bids: levels(&d["b"]),
                asks: levels(&d["a"]),
            })
        })
        .collect()
}

fn replay_bybit(
    msgs: &[BybitMsg],
) -> (
    BTreeMap<String, OrderBook>,
    usize,
    Option<(usize, BookError)>,
) {
    let mut books: BTreeMap<String, OrderBook> = BTreeMap::new();
    let mut deltas = 0;
    for (i, m) in msgs.iter().enumerate() {
        let book = books
            .entry(m.stream.clone())
            .or_insert_with(|| OrderBook::new(SequenceRule::Bybit));
        let result = if m.snapshot {
            book.apply_snapshot(m.u, &m.bids, &m.asks, None)
                .map(|()| Applied::Applied)
        } else {
            deltas += 1;
            let u = DepthUpdate {
                ts_event: 0,
                ts_recv: 0,
                first_id: m.u,
                last_id: m.u,
                prev_id: 0,
                bids: &m.bids,
                asks: &m.asks,
                checksum: None,
            };
            book.apply_update(&u)
        };
        if let Err(e) = result {
            return (books, deltas, Some((i, e)));
        }
    }
    (books, deltas, None)
}

#[test]
fn bybit_orderbook_deltas_have_no_gaps() {
    let msgs = bybit_orderbook();
    let (books, deltas, err) = replay_bybit(&msgs);
    assert!(err.is_none(), "Bybit replay failed: {err:?}");
    assert!(deltas > 2000, "only {deltas} deltas");
    assert!(
        books.len() >= 6,
        "books: {:?}",
        books.keys().collect::<Vec<_>>()
    );
    for (stream, book) in &books {
        assert!(book.is_valid(), "{stream}");
        assert_eq!(book.stats().gaps, 0);
        assert!(book.best_bid().unwrap().price < book.best_ask().unwrap().price);
    }
}

#[test]
fn bybit_dropped_delta_is_detected() {
    let msgs = bybit_orderbook();
    let victim = (msgs.len() / 2..msgs.len())
        .find(|&i| !msgs[i].snapshot)
        .expect("a delta");
    let stream = msgs[victim].stream.clone();
    let mut kept: Vec<BybitMsg> = Vec::new();
    for (i, m) in msgs.into_iter().enumerate() {
        if i != victim {
            kept.push(m);
        }
    }
    let (books, _, err) = replay_bybit(&kept);
    let (at, e) = err.expect("gap detected");
    assert_eq!(kept[at].stream, stream);
    assert!(matches!(e, BookError::Gap { .. }), "{e:?}");
    assert!(!books[&stream].is_valid());
}

// ---------------------------------------------------------------------------------------------
// Kraken spot WS v1 (`book-1000`)

fn decimals(s: &str) -> u8 {
    s.split_once('.').map_or(0, |(_, f)| f.len() as u8)
}

/// What a Kraken replay saw: the books, the updates checked, and the first error with the index of
/// the update and its pair.
struct KrakenReplay {
    books: BTreeMap<String, OrderBook>,
    checked: usize,
    corrupted_at: Option<usize>,
    error: Option<(usize, String, BookError)>,
}

/// Replays the Kraken capture; with `corrupt_from`, bumps by 10⁻⁸ the size of the first level of
/// the first update from that index on whose level lies within the top 10 (where the checksum
/// sees it).
fn replay_kraken(corrupt_from: Option<usize>) -> KrakenReplay {
    let mut r = KrakenReplay {
        books: BTreeMap::new(),
        checked: 0,
        corrupted_at: None,
        error: None,
    };
    for v in cryptofeed_text("raw_ws_captures/cryptofeed_KRAKEN.ws.50.0.txt.gz") {
        let Some(arr) = v.as_array() else { continue };
        if arr.len() < 4 || arr[arr.len() - 2].as_str() != Some("book-1000") {
            continue;
        }
        let pair = arr[arr.len() - 1].as_str().unwrap().to_owned();
        let parts = &arr[1..arr.len() - 2];
        if let Some(snap) = parts[0].get("as") {
            // The pair's decimals, as its AssetPairs entry would give them: Kraken pads every
            // price and volume string to them.
            let rule = SequenceRule::Kraken {
                price_decimals: decimals(snap[0][0].as_str().unwrap()),
                qty_decimals: decimals(snap[0][1].as_str().unwrap()),
            };
            let mut book = OrderBook::new(rule).with_max_depth(1000);
            book.apply_snapshot(0, &levels(&parts[0]["bs"]), &levels(snap), None)
                .expect("kraken snapshot");
            r.books.insert(pair, book);
            continue;
        }
        let mut bids = Vec::new();
        let mut asks = Vec::new();
        let mut checksum = None;
        for p in parts {
            if let Some(a) = p.get("a") {
                asks.extend(levels(a));
            }
            if let Some(b) = p.get("b") {
                bids.extend(levels(b));
            }
            if let Some(c) = p.get("c") {
                checksum = Some(c.as_str().unwrap().parse::<u32>().unwrap());
            }
        }
        let book = r.books.get_mut(&pair).expect("update after snapshot");
        if corrupt_from.is_some_and(|from| r.checked >= from) && r.corrupted_at.is_none() {
            let (top_bids, top_asks) = book.top(10);
            let visible = |l: &Level, top: &[Level], better: fn(&Level, &Level) -> bool| {
                !l.qty.is_zero() && top.len() == 10 && !better(&top[9], l)
            };
            if let Some(l) = bids
                .first_mut()
                .filter(|l| visible(l, &top_bids, |t, l| t.price > l.price))
            {
                l.qty += quantum_core::types::Qty(1);
                r.corrupted_at = Some(r.checked);
            } else if let Some(l) = asks
                .first_mut()
                .filter(|l| visible(l, &top_asks, |t, l| t.price < l.price))
            {
                l.qty += quantum_core::types::Qty(1);
                r.corrupted_at = Some(r.checked);
            }
        }
        let u = DepthUpdate {
            ts_event: 0,
            ts_recv: 0,
            first_id: 0,
            last_id: 0,
            prev_id: 0,
            bids: &bids,
            asks: &asks,
            checksum: Some(checksum.expect("kraken update checksum")),
        };
        if let Err(e) = book.apply_update(&u) {
            r.error = Some((r.checked, pair, e));
            return r;
        }
        r.checked += 1;
    }
    r
}

#[test]
fn kraken_book_checksums_pass() {
    let r = replay_kraken(None);
    assert!(r.error.is_none(), "Kraken replay failed: {:?}", r.error);
    assert!(
        r.checked > 3000,
        "only {} Kraken checksums checked",
        r.checked
    );
    assert_eq!(r.books.len(), 10);
    for (pair, book) in &r.books {
        assert!(book.is_valid(), "{pair}");
        assert_eq!(book.stats().checksum_failures, 0);
    }
}

#[test]
fn kraken_corrupted_size_fails_the_checksum() {
    let r = replay_kraken(Some(2000));
    let at = r
        .corrupted_at
        .expect("an update touching the top 10 was corrupted");
    let (err_at, pair, e) = r.error.expect("corruption detected");
    assert_eq!(err_at, at);
    assert!(matches!(e, BookError::ChecksumMismatch { .. }), "{e:?}");
    assert!(!r.books[&pair].is_valid());
}
