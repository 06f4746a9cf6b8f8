//! The fields of a Binance message, read in one pass of serde_json without building a tree.
//!
//! Binance reuses short keys with different types across streams (`a` is the ask price string in
//! `bookTicker`, the ask levels array in `depthUpdate`, the aggregate trade id in `aggTrade`), so
//! every field is read as a small lenient [`Val`] and checked by the message kind's own parser.
//! Strings are borrowed from the input; only a string with JSON escapes is copied. Keys this
//! parser has no use for are skipped without being decoded.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::book::{parse_decimal, Level};
use crate::types::{Price, Qty};

/// Why an element of a levels array is not a valid level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LevelFault {
    /// Not a `[price, qty]` pair of strings.
    NotPair,
    /// A price or size that is not a decimal with at most 8 places.
    BadNumber(String),
    /// A negative price or size.
    Negative(String),
}

/// A price or size string in exact 10⁻⁸ units; negative values are malformed.
pub(super) fn units(text: &str) -> Result<i64, LevelFault> {
    if text.starts_with('-') {
        return Err(LevelFault::Negative(text.to_owned()));
    }
    match plain_units(text.as_bytes()) {
        Some(units) => Ok(units),
        None => parse_decimal(text).map_err(|_| LevelFault::BadNumber(text.to_owned())),
    }
}

/// The common shape of a venue decimal — at most 10 integer digits, optionally a point and at
/// most 8 decimals, so the result stays below 10¹⁸ and cannot overflow — in 10⁻⁸ units without
/// per-digit checks.
/// `None` for anything else, which [`parse_decimal`] then decides; both agree where this answers.
#[inline]
fn plain_units(text: &[u8]) -> Option<i64> {
    if text.is_empty() || text.len() > 19 {
        return None;
    }
    let (mut units, mut i) = (0_i64, 0);
    while let Some(&d @ b'0'..=b'9') = text.get(i) {
        units = units * 10 + i64::from(d - b'0');
        i += 1;
    }
    let int_digits = i;
    let mut frac = 0_u32;
    if text.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&d @ b'0'..=b'9') = text.get(i) {
            units = units * 10 + i64::from(d - b'0');
            frac += 1;
            i += 1;
        }
    }
    let shape_ok =
        i == text.len() && int_digits <= 10 && frac <= 8 && int_digits + frac as usize > 0;
    shape_ok.then(|| units * 10_i64.pow(8 - frac))
}

/// One JSON value, as much of it as the parsers need.
#[derive(Debug, Default, PartialEq)]
pub(super) enum Val<'a> {
    /// The key was not in the object.
    #[default]
    Missing,
    /// JSON `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A non-negative integer.
    UInt(u64),
    /// A negative integer.
    Int(i64),
    /// A number with a fraction or exponent.
    Float,
    /// A string.
    Str(Cow<'a, str>),
    /// An array whose elements are all `[price, qty]` pairs: the levels in fixed point, or the
    /// first element that is not a valid level.
    Levels(Result<Vec<Level>, LevelFault>),
    /// An object.
    Object(Box<Fields<'a>>),
}

/// The keys the Binance parsers read; everything else is skipped.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Fields<'a> {
    /// `e` event type.
    pub e: Val<'a>,
    /// `E` event time, ms.
    pub event_time: Val<'a>,
    /// `T` transaction time, ms.
    pub tx_time: Val<'a>,
    /// `s` symbol.
    pub s: Val<'a>,
    /// `S` order side (forceOrder).
    pub side: Val<'a>,
    /// `U` first update id.
    pub first_id: Val<'a>,
    /// `u` last update id.
    pub last_id: Val<'a>,
    /// `pu` previous update id.
    pub prev_id: Val<'a>,
    /// `b` bid levels (depthUpdate) or best bid price (bookTicker).
    pub b: Val<'a>,
    /// `a` ask levels (depthUpdate) or best ask price (bookTicker).
    pub a: Val<'a>,
    /// `B` best bid size.
    pub bid_qty: Val<'a>,
    /// `A` best ask size.
    pub ask_qty: Val<'a>,
    /// `p` price.
    pub p: Val<'a>,
    /// `q` quantity.
    pub q: Val<'a>,
    /// `m` buyer is maker.
    pub m: Val<'a>,
    /// `r` funding rate.
    pub r: Val<'a>,
    /// `ap` average price (forceOrder).
    pub ap: Val<'a>,
    /// `z` filled quantity (forceOrder).
    pub z: Val<'a>,
    /// `o` order (forceOrder).
    pub o: Val<'a>,
    /// `lastUpdateId` of a REST depth snapshot.
    pub last_update_id: Val<'a>,
    /// `bids` of a REST depth snapshot.
    pub bids: Val<'a>,
    /// `asks` of a REST depth snapshot.
    pub asks: Val<'a>,
}

pub(super) enum Key {
    E,
    EventTime,
    TxTime,
    S,
    Side,
    FirstId,
    LastId,
    PrevId,
    B,
    A,
    BidQty,
    AskQty,
    P,
    Q,
    M,
    R,
    Ap,
    Z,
    O,
    Data,
    LastUpdateId,
    Bids,
    Asks,
    Other,
}

impl Key {
    /// The key named `k` (`Other` for keys no parser reads).
    pub(super) fn of(k: &[u8]) -> Key {
        match k {
            b"e" => Key::E,
            b"E" => Key::EventTime,
            b"T" => Key::TxTime,
            b"s" => Key::S,
            b"S" => Key::Side,
            b"U" => Key::FirstId,
            b"u" => Key::LastId,
            b"pu" => Key::PrevId,
            b"b" => Key::B,
            b"a" => Key::A,
            b"B" => Key::BidQty,
            b"A" => Key::AskQty,
            b"p" => Key::P,
            b"q" => Key::Q,
            b"m" => Key::M,
            b"r" => Key::R,
            b"ap" => Key::Ap,
            b"z" => Key::Z,
            b"o" => Key::O,
            b"data" => Key::Data,
            b"lastUpdateId" => Key::LastUpdateId,
            b"bids" => Key::Bids,
            b"asks" => Key::Asks,
            _ => Key::Other,
        }
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: de::Error>(self, k: &str) -> Result<Key, E> {
                Ok(Key::of(k.as_bytes()))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// What the `data` member of a top-level message was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Data {
    /// No `data` key: a raw stream message or a REST response.
    Missing,
    /// An object (a combined-stream message), read into the caller's second [`Fields`].
    Object,
    /// Something other than an object.
    NotObject,
}

/// What the top-level value of a message was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// An object, with its `data` member as described.
    Object(Data),
    /// Not an object.
    NotObject,
}

impl<'a> Fields<'a> {
    /// Where the value of `key` goes; `None` for `data` (handled by the reader) and `Other`.
    pub(super) fn slot(&mut self, key: Key) -> Option<&mut Val<'a>> {
        Some(match key {
            Key::E => &mut self.e,
            Key::EventTime => &mut self.event_time,
            Key::TxTime => &mut self.tx_time,
            Key::S => &mut self.s,
            Key::Side => &mut self.side,
            Key::FirstId => &mut self.first_id,
            Key::LastId => &mut self.last_id,
            Key::PrevId => &mut self.prev_id,
            Key::B => &mut self.b,
            Key::A => &mut self.a,
            Key::BidQty => &mut self.bid_qty,
            Key::AskQty => &mut self.ask_qty,
            Key::P => &mut self.p,
            Key::Q => &mut self.q,
            Key::M => &mut self.m,
            Key::R => &mut self.r,
            Key::Ap => &mut self.ap,
            Key::Z => &mut self.z,
            Key::O => &mut self.o,
            Key::LastUpdateId => &mut self.last_update_id,
            Key::Bids => &mut self.bids,
            Key::Asks => &mut self.asks,
            Key::Data | Key::Other => return None,
        })
    }

    /// Reads an object's entries into `f`; `data` (top level only) receives the `data` member.
    fn from_map<A: MapAccess<'a>>(
        f: &mut Fields<'a>,
        mut map: A,
        mut data: Option<&mut Fields<'a>>,
    ) -> Result<Data, A::Error> {
        let mut shape = Data::Missing;
        while let Some(key) = map.next_key::<Key>()? {
            // A repeated key keeps its last value, as Python's JSON decoders do.
            let slot = match key {
                Key::Data => {
                    match data.as_deref_mut() {
                        Some(inner) => {
                            *inner = Fields::default();
                            shape = map.next_value_seed(ObjectSeed {
                                fields: inner,
                                data: None,
                            })?;
                        }
                        None => map.next_value::<IgnoredAny>().map(drop)?,
                    }
                    continue;
                }
                key => match f.slot(key) {
                    Some(slot) => slot,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                },
            };
            *slot = map.next_value::<Val<'a>>()?;
        }
        Ok(shape)
    }
}

impl<'de> Deserialize<'de> for Val<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(Val::UInt(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(if v >= 0 {
            Val::UInt(v as u64)
        } else {
            Val::Int(v)
        })
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Val<'de>, E> {
        Ok(Val::Float)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        let mut levels = Vec::new();
        let mut fault = None;
        while let Some(pair) = seq.next_element::<Pair>()? {
            match pair.0 {
                Ok(level) if fault.is_none() => levels.push(level),
                Err(e) if fault.is_none() => fault = Some(e),
                _ => {}
            }
        }
        Ok(Val::Levels(match fault {
            None => Ok(levels),
            Some(e) => Err(e),
        }))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Val<'de>, A::Error> {
        let mut f = Box::<Fields<'de>>::default();
        Fields::from_map(&mut f, map, None)?;
        Ok(Val::Object(f))
    }
}

/// One element of a levels array, parsed: a level, or why it is not one.
struct Pair(Result<Level, LevelFault>);

impl<'de> Deserialize<'de> for Pair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PairVisitor)
    }
}

struct PairVisitor;

impl PairVisitor {
    const NOT_PAIR: Pair = Pair(Err(LevelFault::NotPair));
}

impl<'de> Visitor<'de> for PairVisitor {
    type Value = Pair;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a [price, qty] pair")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pair, A::Error> {
        let first = seq.next_element::<Val<'de>>()?;
        let second = seq.next_element::<Val<'de>>()?;
        let mut extra = false;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            extra = true;
        }
        Ok(match (first, second) {
            (Some(Val::Str(p)), Some(Val::Str(q))) if !extra => {
                Pair(units(&p).and_then(|p| Ok(Level::new(Price(p), Qty(units(&q)?)))))
            }
            _ => Self::NOT_PAIR,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pair, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::NOT_PAIR)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Pair, E> {
        Ok(Self::NOT_PAIR)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Pair, E> {
        Ok(Self::NOT_PAIR)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Pair, E> {
        Ok(Self::NOT_PAIR)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Pair, E> {
        Ok(Self::NOT_PAIR)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Pair, E> {
        Ok(Self::NOT_PAIR)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Pair, E> {
        Ok(Self::NOT_PAIR)
    }
}

/// Reads an object into `fields` in place (large structs are not moved around), its `data`
/// member into `data` when given. Answers [`Data::NotObject`] for any other JSON value.
struct ObjectSeed<'s, 'a> {
    fields: &'s mut Fields<'a>,
    data: Option<&'s mut Fields<'a>>,
}

impl<'de> de::DeserializeSeed<'de> for ObjectSeed<'_, 'de> {
    type Value = Data;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Data, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_, 'de> {
    type Value = Data;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Data, A::Error> {
        // Inside `data`, an object is the answer; at the top level, what `data` was.
        let top = self.data.is_some();
        let data = Fields::from_map(self.fields, map, self.data)?;
        Ok(if top { data } else { Data::Object })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Data, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Data::NotObject)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
}

/// Reads the message `raw` into `top` and, for a combined-stream message, its `data` member into
/// `data`. serde_json rejects trailing non-whitespace.
pub(super) fn read<'a>(
    raw: &'a [u8],
    top: &mut Fields<'a>,
    data: &mut Fields<'a>,
) -> Result<Shape, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(raw);
    // A top-level array or scalar is told apart from an object by a marker `data` never takes.
    let mut is_object = false;
    let shape = de::DeserializeSeed::deserialize(
        TopSeed {
            top,
            data,
            is_object: &mut is_object,
        },
        &mut de,
    )?;
    de.end()?;
    Ok(if is_object {
        Shape::Object(shape)
    } else {
        Shape::NotObject
    })
}

/// [`ObjectSeed`] at the top level, also recording whether the value was an object at all.
struct TopSeed<'s, 'a> {
    top: &'s mut Fields<'a>,
    data: &'s mut Fields<'a>,
    is_object: &'s mut bool,
}

impl<'de> de::DeserializeSeed<'de> for TopSeed<'_, 'de> {
    type Value = Data;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Data, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, 'de> {
    type Value = Data;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Data, A::Error> {
        *self.is_object = true;
        Fields::from_map(self.top, map, Some(self.data))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Data, A::Error> {
        ObjectSeed {
            fields: self.top,
            data: None,
        }
        .visit_seq(seq)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Data, E> {
        Ok(Data::NotObject)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The shortcut agrees with the general decimal parser wherever it answers.
        #[test]
        fn plain_units_agrees_with_parse_decimal(text in "[0-9]{0,12}(\\.[0-9]{0,10})?|[-+0-9.e]{0,20}|9{9,11}\\.9{0,9}") {
            if let Some(units) = plain_units(text.as_bytes()) {
                prop_assert_eq!(Ok(units), parse_decimal(&text), "{}", text);
            }
        }
    }

    #[test]
    fn plain_units_handles_the_venue_shapes_and_declines_the_rest() {
        assert_eq!(plain_units(b"61800.20"), Some(6_180_020_000_000));
        assert_eq!(plain_units(b"0.00000001"), Some(1));
        assert_eq!(plain_units(b"5."), Some(500_000_000));
        assert_eq!(plain_units(b".5"), Some(50_000_000));
        assert_eq!(
            plain_units(b"9999999999.99999999"),
            Some(999_999_999_999_999_999)
        );
        for text in [
            "",
            ".",
            "-1",
            "+1",
            "1e5",
            "0.000000001",
            "12345678901",
            "93000000000",
            "1.2.3",
        ] {
            assert_eq!(plain_units(text.as_bytes()), None, "{text}");
        }
    }
}
