//! Many native messages into columns: ticks in the core's layout, depth messages in CSR form.

use std::collections::BTreeMap;

use super::{units_to_f64, BookUpdate, NativeEvent, NativeTick, ParseError};
use crate::types::{SymbolId, UnixNanos};

/// Ticks as columns; every float column is NaN where the tick does not carry the field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TickRows {
    /// Index of the input message each tick came from.
    pub line: Vec<i64>,
    /// Exchange time, ns.
    pub ts_event: Vec<UnixNanos>,
    /// Local receive time, ns.
    pub ts_recv: Vec<UnixNanos>,
    /// Symbol id (index into [`NativeBatch::symbols`]).
    pub symbol: Vec<SymbolId>,
    /// Trade (or liquidation) price.
    pub price: Vec<f64>,
    /// Best bid price.
    pub bid: Vec<f64>,
    /// Best ask price.
    pub ask: Vec<f64>,
    /// Size at the best bid, base units.
    pub bid_qty: Vec<f64>,
    /// Size at the best ask, base units.
    pub ask_qty: Vec<f64>,
    /// Traded quantity, base units.
    pub volume: Vec<f64>,
    /// Traded quantity when the aggressor bought.
    pub buy_volume: Vec<f64>,
    /// Traded quantity when the aggressor sold.
    pub sell_volume: Vec<f64>,
    /// Liquidated quantity, base units.
    pub liq_volume: Vec<f64>,
    /// Funding rate per funding interval.
    pub funding_rate: Vec<f64>,
    /// Open interest, base units (no WebSocket message carries it: NaN).
    pub open_interest: Vec<f64>,
    /// +1 longs liquidated, −1 shorts liquidated, 0 not a liquidation.
    pub liq_side: Vec<i8>,
}

impl TickRows {
    /// Number of ticks.
    pub fn len(&self) -> usize {
        self.ts_event.len()
    }

    /// True when there are no ticks.
    pub fn is_empty(&self) -> bool {
        self.ts_event.is_empty()
    }

    fn push(&mut self, line: i64, tick: &NativeTick<'_>, symbol: SymbolId) {
        let t = tick.to_tick(symbol);
        self.line.push(line);
        self.ts_event.push(t.ts_event);
        self.ts_recv.push(t.ts_recv);
        self.symbol.push(t.symbol);
        self.price.push(t.price);
        self.bid.push(t.bid);
        self.ask.push(t.ask);
        self.bid_qty.push(t.bid_qty);
        self.ask_qty.push(t.ask_qty);
        self.volume.push(t.volume);
        self.buy_volume.push(t.buy_volume);
        self.sell_volume.push(t.sell_volume);
        self.liq_volume.push(t.liq_volume);
        self.funding_rate.push(t.funding_rate);
        self.open_interest.push(t.open_interest);
        self.liq_side.push(t.liq_side);
    }
}

/// Depth messages in CSR form: message `i` owns levels `level_offsets[i]..level_offsets[i + 1]`,
/// its bids first, then its asks, each in the venue's order.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthRows {
    /// Index of the input message each depth message came from.
    pub line: Vec<i64>,
    /// Exchange time, ns.
    pub ts_event: Vec<UnixNanos>,
    /// Local receive time, ns.
    pub ts_recv: Vec<UnixNanos>,
    /// Symbol id (index into [`NativeBatch::symbols`]).
    pub symbol: Vec<SymbolId>,
    /// First update id (Binance `U`; a snapshot's `lastUpdateId`).
    pub first_id: Vec<u64>,
    /// Last update id (Binance `u`; a snapshot's `lastUpdateId`).
    pub last_id: Vec<u64>,
    /// Previous update id (Binance `pu`); 0 for a snapshot.
    pub prev_id: Vec<u64>,
    /// True for a snapshot.
    pub is_snapshot: Vec<bool>,
    /// One more entry than messages; starts at 0.
    pub level_offsets: Vec<i64>,
    /// +1 bid, −1 ask, per level.
    pub side: Vec<i8>,
    /// Level price, 10⁻⁸ units.
    pub price_units: Vec<i64>,
    /// Level quantity (absolute; 0 deletes), 10⁻⁸ units.
    pub qty_units: Vec<i64>,
}

impl Default for DepthRows {
    fn default() -> Self {
        DepthRows {
            line: Vec::new(),
            ts_event: Vec::new(),
            ts_recv: Vec::new(),
            symbol: Vec::new(),
            first_id: Vec::new(),
            last_id: Vec::new(),
            prev_id: Vec::new(),
            is_snapshot: Vec::new(),
            level_offsets: vec![0],
            side: Vec::new(),
            price_units: Vec::new(),
            qty_units: Vec::new(),
        }
    }
}

impl DepthRows {
    /// Number of depth messages.
    pub fn len(&self) -> usize {
        self.ts_event.len()
    }

    /// True when there are no depth messages.
    pub fn is_empty(&self) -> bool {
        self.ts_event.is_empty()
    }

    /// Level prices as floats (each the double nearest the venue's decimal).
    pub fn price_f64(&self) -> Vec<f64> {
        self.price_units.iter().map(|&u| units_to_f64(u)).collect()
    }

    /// Level quantities as floats (each the double nearest the venue's decimal).
    pub fn qty_f64(&self) -> Vec<f64> {
        self.qty_units.iter().map(|&u| units_to_f64(u)).collect()
    }

    fn push(&mut self, line: i64, b: &BookUpdate<'_>, symbol: SymbolId) {
        self.line.push(line);
        self.ts_event.push(b.ts_event);
        self.ts_recv.push(b.ts_recv);
        self.symbol.push(symbol);
        self.first_id.push(b.first_id);
        self.last_id.push(b.last_id);
        self.prev_id.push(b.prev_id.unwrap_or(0));
        self.is_snapshot.push(b.is_snapshot);
        for (side, levels) in [(1_i8, &b.bids), (-1_i8, &b.asks)] {
            for l in levels {
                self.side.push(side);
                self.price_units.push(l.price.units());
                self.qty_units.push(l.qty.units());
            }
        }
        self.level_offsets.push(self.side.len() as i64);
    }
}

/// A message a batch rejected: its index in the input and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Index of the message in the input.
    pub line: i64,
    /// Why it was rejected.
    pub error: ParseError,
}

/// The columns of a batch of native messages, in input order within each kind.
///
/// Every input message ends up in exactly one place: a tick, a depth message, the `ignored`
/// count, or `rejects` (with its reason) — nothing is dropped silently.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NativeBatch {
    /// Symbol names; a symbol id is an index into this table, in order of first appearance.
    pub symbols: Vec<String>,
    /// The ticks.
    pub ticks: TickRows,
    /// The depth messages.
    pub depth: DepthRows,
    /// Messages of streams that carry nothing for the core.
    pub ignored: u64,
    /// Rejected messages, in input order.
    pub rejects: Vec<Reject>,
    /// The symbol of the last message that named one (names the next snapshot).
    last_symbol: Option<SymbolId>,
}

impl NativeBatch {
    /// Runs `parse` over `messages` (`(raw JSON, ts_recv)` pairs). A REST snapshot, whose body
    /// names no symbol, is named `snapshot_symbol` when given, else by the last message before it
    /// that named one; with neither it is rejected ([`ParseError::NoSymbol`]).
    pub fn parse<'m, I, F>(messages: I, snapshot_symbol: Option<&str>, parse: F) -> Self
    where
        I: IntoIterator<Item = (&'m [u8], UnixNanos)>,
        F: for<'x> Fn(&'x [u8], UnixNanos) -> Result<NativeEvent<'x>, ParseError>,
    {
        let mut batch = NativeBatch::default();
        for (line, (raw, ts_recv)) in messages.into_iter().enumerate() {
            batch.push(line as i64, parse(raw, ts_recv), snapshot_symbol);
        }
        batch
    }

    /// Adds one parsed message (`line` is its index in the input); see [`Self::parse`] for
    /// `snapshot_symbol`.
    pub fn push(
        &mut self,
        line: i64,
        parsed: Result<NativeEvent<'_>, ParseError>,
        snapshot_symbol: Option<&str>,
    ) {
        match parsed {
            Ok(NativeEvent::Tick(t)) => {
                let sid = self.intern(&t.symbol);
                self.last_symbol = Some(sid);
                self.ticks.push(line, &t, sid);
            }
            Ok(NativeEvent::Book(b)) => {
                let sid = match &b.symbol {
                    Some(name) => self.intern(name),
                    None => match (snapshot_symbol, self.last_symbol) {
                        (Some(name), _) => self.intern(name),
                        (None, Some(sid)) => sid,
                        (None, None) => {
                            return self.rejects.push(Reject {
                                line,
                                error: ParseError::NoSymbol,
                            })
                        }
                    },
                };
                self.last_symbol = Some(sid);
                self.depth.push(line, &b, sid);
            }
            Ok(NativeEvent::Ignored) => self.ignored += 1,
            Err(error) => self.rejects.push(Reject { line, error }),
        }
    }

    /// The id of `name`, added to [`Self::symbols`] on first sight.
    pub fn intern(&mut self, name: &str) -> SymbolId {
        // Feeds carry a handful of symbols, so a scan beats hashing.
        match self.symbols.iter().position(|s| s == name) {
            Some(i) => i as SymbolId,
            None => {
                self.symbols.push(name.to_owned());
                (self.symbols.len() - 1) as SymbolId
            }
        }
    }

    /// Rejects counted by [`ParseError::reason`].
    pub fn reject_counts(&self) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for r in &self.rejects {
            *counts.entry(r.error.reason()).or_insert(0) += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::binance_usdm::parse_message;

    const LINES: [&str; 7] = [
        r#"{"lastUpdateId":10,"bids":[],"asks":[]}"#,
        r#"{"e":"bookTicker","E":1,"s":"BTCUSDT","b":"1.5","a":"2","B":"3","A":"4"}"#,
        r#"{"e":"depthUpdate","E":2,"s":"ETHUSDT","U":9,"u":11,"pu":8,"b":[["1","2"]],"a":[["3","0"],["4","5"]]}"#,
        r#"{"lastUpdateId":12,"E":3,"bids":[["1","1"]],"asks":[]}"#,
        r#"{"e":"kline","E":4,"s":"BTCUSDT","k":{}}"#,
        r#"not json"#,
        r#"{"e":"trade","E":5,"s":"BTCUSDT","p":"7","q":"0.5","m":true}"#,
    ];

    fn run(snapshot_symbol: Option<&str>) -> NativeBatch {
        NativeBatch::parse(
            LINES.iter().zip(100..).map(|(l, ts)| (l.as_bytes(), ts)),
            snapshot_symbol,
            parse_message,
        )
    }

    #[test]
    fn every_message_lands_in_one_place() {
        let b = run(None);
        assert_eq!(b.symbols, ["BTCUSDT", "ETHUSDT"]);
        // The first snapshot has no symbol before it; the second takes ETHUSDT's (the last seen).
        assert_eq!(
            b.rejects
                .iter()
                .map(|r| (r.line, r.error.reason()))
                .collect::<Vec<_>>(),
            [(0, "no_symbol"), (5, "json")]
        );
        assert_eq!(
            b.reject_counts().into_iter().collect::<Vec<_>>(),
            [("json", 1), ("no_symbol", 1)]
        );
        assert_eq!(b.ignored, 1);
        assert_eq!(
            (b.ticks.line.as_slice(), b.ticks.symbol.as_slice()),
            ([1, 6].as_slice(), [0, 0].as_slice())
        );
        assert_eq!(b.ticks.ts_recv, [101, 106]);
        assert_eq!(
            (b.ticks.bid[0], b.ticks.ask_qty[0], b.ticks.sell_volume[1]),
            (1.5, 4.0, 0.5)
        );
        assert!(
            b.ticks.price[0].is_nan()
                && b.ticks.buy_volume[1].is_nan()
                && b.ticks.liq_side == [0, 0]
        );
        let d = &b.depth;
        assert_eq!(
            (d.line.as_slice(), d.symbol.as_slice()),
            ([2, 3].as_slice(), [1, 1].as_slice())
        );
        assert_eq!(
            (
                d.first_id.as_slice(),
                d.last_id.as_slice(),
                d.prev_id.as_slice()
            ),
            ([9, 12].as_slice(), [11, 12].as_slice(), [8, 0].as_slice())
        );
        assert_eq!(d.is_snapshot, [false, true]);
        assert_eq!(d.level_offsets, [0, 3, 4]);
        assert_eq!(d.side, [1, -1, -1, 1]);
        assert_eq!(d.price_f64(), [1.0, 3.0, 4.0, 1.0]);
        assert_eq!(d.qty_f64(), [2.0, 0.0, 5.0, 1.0]);
    }

    #[test]
    fn a_given_snapshot_symbol_names_every_snapshot() {
        let b = run(Some("BTCUSDT"));
        assert_eq!(b.rejects.len(), 1);
        assert_eq!(b.depth.symbol, [0, 1, 0]);
        let none = NativeBatch::parse([(LINES[2].as_bytes(), 0)], Some("XRPUSDT"), parse_message);
        assert_eq!(
            none.symbols,
            ["ETHUSDT"],
            "the snapshot symbol is named only when a snapshot needs it"
        );
        assert_eq!(b.depth.level_offsets, [0, 0, 3, 4]);
    }
}
