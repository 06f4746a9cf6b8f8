//! A fast reader for the compact JSON Binance sends, in front of the general serde_json reader.
//!
//! It reads a strict subset of JSON — objects, strings without escapes, integers, `true` /
//! `false` / `null`, and arrays of `[price, qty]` string pairs — straight into the same
//! [`Fields`] the general reader fills, and gives up (`None`) on anything else: escapes, floats,
//! other arrays, objects under keys no parser reads, deep nesting, or any syntax error. Giving up
//! says nothing about the message; the caller then reads it again with the general reader, which
//! accepts or rejects it. So on every input the result is the general reader's, only sooner.

use std::borrow::Cow;

use super::fields::{units, Data, Fields, Key, Shape, Val};
use crate::book::Level;
use crate::types::{Price, Qty};

/// Objects nest at most this deep (a combined message's `data`, a `forceOrder`'s `o`).
const MAX_DEPTH: u8 = 3;

/// Reads `raw` into `top` (and a combined message's `data` into `data`), or `None` when the
/// message needs the general reader. On `None` the fields may be partly filled.
pub(super) fn read<'a>(
    raw: &'a [u8],
    top: &mut Fields<'a>,
    data: &mut Fields<'a>,
) -> Option<Shape> {
    // One UTF-8 check of the whole text; strings are then slices of it, cut at ASCII quotes.
    let text = std::str::from_utf8(raw).ok()?;
    let mut s = Scan { text, b: raw, i: 0 };
    if s.peek()? != b'{' {
        return None;
    }
    let shape = s.object(top, Some(data), 0)?;
    s.ws();
    (s.i == raw.len()).then_some(Shape::Object(shape))
}

struct Scan<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// A string with no escapes and no control characters.
    #[inline]
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
        let text = self.text.get(start..self.i)?;
        self.i += 1;
        Some(text)
    }

    /// An integer in JSON's grammar (no leading zeros) that fits `u64`, or a negative one that
    /// fits `i64`; fractions and exponents are left to the general reader.
    fn integer(&mut self) -> Option<Val<'a>> {
        let negative = self.b.get(self.i) == Some(&b'-');
        if negative {
            self.i += 1;
        }
        let start = self.i;
        let mut v: u64 = 0;
        while let Some(&d @ b'0'..=b'9') = self.b.get(self.i) {
            v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.i += 1;
        }
        let digits = self.i - start;
        if digits == 0 || (digits > 1 && self.b[start] == b'0') {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.b.get(self.i) {
            return None;
        }
        if !negative {
            return Some(Val::UInt(v));
        }
        // -0 and i64::MIN are rare enough to leave to the general reader.
        (1..=i64::MAX as u64)
            .contains(&v)
            .then(|| Val::Int(-(v as i64)))
    }

    fn literal(&mut self, word: &[u8], v: Val<'a>) -> Option<Val<'a>> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| {
            self.i = end;
            v
        })
    }

    fn value(&mut self, depth: u8) -> Option<Val<'a>> {
        match self.peek()? {
            b'"' => Some(Val::Str(Cow::Borrowed(self.string()?))),
            b'-' | b'0'..=b'9' => self.integer(),
            b't' => self.literal(b"true", Val::Bool(true)),
            b'f' => self.literal(b"false", Val::Bool(false)),
            b'n' => self.literal(b"null", Val::Null),
            b'[' => self.levels(),
            b'{' if depth < MAX_DEPTH => {
                let mut f = Box::<Fields<'a>>::default();
                self.object(&mut f, None, depth + 1)?;
                Some(Val::Object(f))
            }
            _ => None,
        }
    }

    /// An array of `[price, qty]` string pairs, parsed to levels as the general reader does.
    fn levels(&mut self) -> Option<Val<'a>> {
        self.eat(b'[')?;
        let mut levels = Vec::new();
        let mut fault = None;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(Val::Levels(Ok(levels)));
        }
        loop {
            self.eat(b'[')?;
            let p = self.string()?;
            self.eat(b',')?;
            let q = self.string()?;
            self.eat(b']')?;
            if fault.is_none() {
                match units(p).and_then(|p| Ok(Level::new(Price(p), Qty(units(q)?)))) {
                    Ok(level) => levels.push(level),
                    Err(e) => fault = Some(e),
                }
            }
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        Some(Val::Levels(match fault {
            None => Ok(levels),
            Some(e) => Err(e),
        }))
    }

    /// An object into `f`; at the top level (`data` given) its `data` member goes to `data`.
    fn object(
        &mut self,
        f: &mut Fields<'a>,
        mut data: Option<&mut Fields<'a>>,
        depth: u8,
    ) -> Option<Data> {
        self.eat(b'{')?;
        let mut shape = Data::Missing;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(shape);
        }
        loop {
            let key = Key::of(self.string()?.as_bytes());
            self.eat(b':')?;
            match (key, data.as_deref_mut()) {
                (Key::Data, Some(inner)) => {
                    *inner = Fields::default();
                    shape = if self.peek()? == b'{' && depth < MAX_DEPTH {
                        self.object(inner, None, depth + 1)?;
                        Data::Object
                    } else {
                        self.value(depth)?;
                        Data::NotObject
                    };
                }
                (key, _) => {
                    let v = self.value(depth)?;
                    match f.slot(key) {
                        Some(slot) => *slot = v,
                        // A key no parser reads: an object or array under it is left to the
                        // general reader, which skips it without decoding.
                        None if matches!(v, Val::Object(_) | Val::Levels(_)) => return None,
                        None => {}
                    }
                }
            }
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(shape);
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};

    use proptest::prelude::*;

    use super::super::fields;
    use super::*;

    /// The fast reader's answer, checked against the general reader's whenever it has one.
    fn agree(raw: &[u8]) -> bool {
        let (mut top, mut data) = (Fields::default(), Fields::default());
        let Some(shape) = read(raw, &mut top, &mut data) else {
            return false;
        };
        let (mut top2, mut data2) = (Fields::default(), Fields::default());
        let general = fields::read(raw, &mut top2, &mut data2);
        let text = String::from_utf8_lossy(raw);
        assert_eq!(general.ok(), Some(shape), "{text}");
        assert_eq!(top, top2, "{text}");
        assert_eq!(data, data2, "{text}");
        true
    }

    const SAMPLES: [&str; 6] = [
        r#"{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}}"#,
        r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false}}"#,
        r#"{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,"pu":5123107831937,"b":[["58710.20","0.014"],["61510.90","0.000"]],"a":[["61800.30","1.5"]]}}"#,
        r#"{"lastUpdateId":5123107852948,"E":1723161256501,"T":1723161256493,"bids":[["61800.20","2.909"]],"asks":[["61800.30","0.5"]]}"#,
        r#"{"e":"forceOrder","E":9,"o":{"s":"BTCUSDT","S":"SELL","q":"0.014","p":"9910","ap":"9910.5","z":"0.010","T":8}}"#,
        r#"{"e":"markPriceUpdate","E":5,"s":"BTCUSDT","p":"28000.1","r":"-0.00010000","T":-16}"#,
    ];

    #[test]
    fn takes_the_fast_path_on_what_binance_sends_and_agrees() {
        for raw in SAMPLES {
            assert!(agree(raw.as_bytes()), "fast path not taken: {raw}");
        }
        let spaced = r#" { "e" : "trade" , "E" : 1 , "s" : "X" , "p" : "1" , "q" : "2" , "m" : true , "k" : null } "#;
        assert!(agree(spaced.as_bytes()));
    }

    #[test]
    fn leaves_everything_else_to_the_general_reader() {
        for raw in [
            r#"{"e":"trade","s":"B\u0041"}"#,
            r#"{"e":"trade","x":1.5}"#,
            r#"{"e":"trade","E":01}"#,
            r#"{"e":"trade","E":-0}"#,
            r#"{"e":"trade","E":18446744073709551616}"#,
            r#"{"e":"kline","k":{"t":1}}"#,
            r#"{"e":"x","b":[1,2]}"#,
            r#"{"e":"x","b":[["1","2"],]}"#,
            r#"{"e":"x",}"#,
            r#"{"e":"x"} x"#,
            r#"{"e":"x""E":1}"#,
            r#"{"o":{"o":{"o":{"o":{}}}}}"#,
            "{\"e\":\"a\tb\"}",
            "[1]",
            "",
        ] {
            assert!(!agree(raw.as_bytes()), "fast path taken: {raw}");
        }
    }

    #[test]
    fn agrees_on_every_line_of_the_recorded_captures() {
        let dir = match std::env::var_os("QUANTUM_SHARED_DATA") {
            Some(dir) => std::path::PathBuf::from(dir),
            None => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
        };
        for name in [
            "binance_usdm_btcusdt_20230404.jsonl.gz",
            "binance_usdm_btcusdt_20240808.jsonl.gz",
        ] {
            let path = dir.join("l2_book").join(name);
            let file =
                std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for line in BufReader::new(flate2::read::GzDecoder::new(file)).split(b'\n') {
                let line = line.expect("gzip line");
                let space = line.iter().position(|&b| b == b' ').expect("`<ts> <json>`");
                assert!(agree(&line[space + 1..]), "fast path not taken in {name}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Damaged messages: whatever the fast reader accepts, the general reader reads the same.
        #[test]
        fn damaged_messages_never_disagree(
            which in 0..SAMPLES.len(),
            edits in prop::collection::vec((0.0..1.0_f64, 0..3_u8, any::<u8>()), 1..4),
        ) {
            let mut raw = SAMPLES[which].as_bytes().to_vec();
            for (at, op, byte) in edits {
                let i = ((raw.len() as f64) * at) as usize;
                // Bytes that matter to JSON syntax, most of the time.
                const SYNTAX: &[u8] = b"{}[]\":,0-9e.\\ atfn";
                let byte = SYNTAX[usize::from(byte) % SYNTAX.len()];
                match op {
                    0 if i < raw.len() => { raw.remove(i); }
                    1 => raw.insert(i, byte),
                    _ if i < raw.len() => raw[i] = byte,
                    _ => {}
                }
            }
            agree(&raw);
        }
    }
}
