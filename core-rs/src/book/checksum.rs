//! CRC32 checksums of the top of the book, as OKX and Kraken compute them.
//!
//! Both hash the decimal text of prices and sizes, so the text has to be rebuilt from the fixed-point
//! values exactly the way the exchange prints it.

use std::io::Write;

use crate::types::SCALE;

use super::Level;

/// Levels per side in the OKX `books` checksum.
pub(crate) const OKX_DEPTH: usize = 25;
/// Levels per side in the Kraken spot checksum.
pub(crate) const KRAKEN_DEPTH: usize = 10;

/// OKX v5 `books` checksum of best-first `bids` and `asks`: CRC32 of the top 25 levels interleaved
/// as `bidPx:bidSz:askPx:askSz:...` (a side that runs out is skipped), with numbers printed as OKX
/// sends them (no trailing zeros, no trailing dot). OKX sends the value as a signed `i32`; compare
/// it as `value as u32`.
pub fn okx_checksum(bids: &[Level], asks: &[Level]) -> u32 {
    okx_checksum_into(&mut Vec::new(), bids.iter().copied(), asks.iter().copied())
}

/// Kraken spot (WS v1) checksum of best-first `bids` and `asks`: CRC32 of the top 10 asks then the
/// top 10 bids, each as price then volume printed with the pair's decimals, the '.' removed and
/// leading zeros stripped.
pub fn kraken_checksum(
    bids: &[Level],
    asks: &[Level],
    price_decimals: u8,
    qty_decimals: u8,
) -> u32 {
    kraken_checksum_into(
        &mut Vec::new(),
        bids.iter().copied(),
        asks.iter().copied(),
        price_decimals,
        qty_decimals,
    )
}

pub(crate) fn okx_checksum_into(
    buf: &mut Vec<u8>,
    bids: impl Iterator<Item = Level>,
    asks: impl Iterator<Item = Level>,
) -> u32 {
    buf.clear();
    let mut bids = bids.take(OKX_DEPTH);
    let mut asks = asks.take(OKX_DEPTH);
    loop {
        let (b, a) = (bids.next(), asks.next());
        if b.is_none() && a.is_none() {
            break;
        }
        for l in [b, a].into_iter().flatten() {
            if !buf.is_empty() {
                buf.push(b':');
            }
            write_trimmed(buf, l.price.units());
            buf.push(b':');
            write_trimmed(buf, l.qty.units());
        }
    }
    crc32fast::hash(buf)
}

pub(crate) fn kraken_checksum_into(
    buf: &mut Vec<u8>,
    bids: impl Iterator<Item = Level>,
    asks: impl Iterator<Item = Level>,
    price_decimals: u8,
    qty_decimals: u8,
) -> u32 {
    buf.clear();
    for l in asks.take(KRAKEN_DEPTH).chain(bids.take(KRAKEN_DEPTH)) {
        write_scaled(buf, l.price.units(), price_decimals);
        write_scaled(buf, l.qty.units(), qty_decimals);
    }
    crc32fast::hash(buf)
}

/// `units` (10⁻⁸) as the shortest decimal: `30316`, `5.16`, `0.00047612`.
fn write_trimmed(buf: &mut Vec<u8>, units: i64) {
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    let scale = SCALE as u64;
    let (int, mut frac) = (abs / scale, abs % scale);
    // Writing into a Vec cannot fail.
    let _ = write!(buf, "{sign}{int}");
    if frac != 0 {
        let mut width = 8;
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        let _ = write!(buf, ".{frac:0width$}");
    }
}

/// `units` (10⁻⁸) printed with `decimals` places, the dot removed and leading zeros stripped: the
/// integer `units × 10^(decimals − 8)`.
fn write_scaled(buf: &mut Vec<u8>, units: i64, decimals: u8) {
    let decimals = u32::from(decimals);
    let v = i128::from(units);
    let scaled = if decimals >= 8 {
        v * 10_i128.pow(decimals - 8)
    } else {
        v / 10_i128.pow(8 - decimals)
    };
    let _ = write!(buf, "{scaled}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::parse_decimal;
    use crate::types::{Price, Qty};

    fn lv(p: &str, q: &str) -> Level {
        Level::parse(p, q).unwrap()
    }

    fn text(units: i64, f: fn(&mut Vec<u8>, i64)) -> String {
        let mut b = Vec::new();
        f(&mut b, units);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn trimmed_text_matches_okx_strings() {
        for s in [
            "30316",
            "5.16",
            "0.00047612",
            "30243.5",
            "1.44679",
            "0.1",
            "-2.5",
        ] {
            assert_eq!(text(parse_decimal(s).unwrap(), write_trimmed), s);
        }
    }

    #[test]
    fn okx_interleaves_bids_and_asks_and_skips_an_exhausted_side() {
        // CRC32 values computed independently with Python's zlib.crc32 on the expected text.
        let bids = [lv("3366.1", "7"), lv("3366", "6")];
        let asks = [lv("3366.8", "9"), lv("3368", "8")];
        // "3366.1:7:3366.8:9:3366:6:3368:8"
        assert_eq!(okx_checksum(&bids, &asks), 2_413_953_002);
        // "3366.1:7:3366.8:9:3366:6"
        assert_eq!(
            okx_checksum(&bids, &asks[..1]),
            crc32fast::hash(b"3366.1:7:3366.8:9:3366:6")
        );
    }

    #[test]
    fn kraken_text_removes_dot_and_leading_zeros() {
        let mut b = Vec::new();
        write_scaled(&mut b, parse_decimal("0.05005").unwrap(), 5);
        write_scaled(&mut b, parse_decimal("0.00000500").unwrap(), 8);
        write_scaled(&mut b, parse_decimal("0.000022900").unwrap(), 9);
        assert_eq!(String::from_utf8(b).unwrap(), "500550022900");
    }

    #[test]
    fn kraken_checksum_is_asks_then_bids() {
        let bids = [Level::new(Price(150_000_000), Qty(200_000_000))];
        let asks = [Level::new(Price(160_000_000), Qty(100_000_000))];
        // ask 1.60/1.00 at 2 and 8 decimals, then bid 1.50/2.00
        let expected = crc32fast::hash(b"160100000000150200000000");
        assert_eq!(kraken_checksum(&bids, &asks, 2, 8), expected);
    }
}
