//! One price level and exact parsing of the decimal strings exchanges send.

use crate::types::{Price, Qty, DECIMALS};

use super::BookError;

/// One price level of one side: the total quantity resting at `price`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Level {
    /// Price in quote currency, 10⁻⁸ units.
    pub price: Price,
    /// Total quantity at that price in base units (contracts for venues that quote in contracts),
    /// 10⁻⁸ units; 0 in an update deletes the level.
    pub qty: Qty,
}

impl Level {
    /// A level from a price and a quantity.
    #[inline]
    pub const fn new(price: Price, qty: Qty) -> Self {
        Self { price, qty }
    }

    /// A level from the exchange's decimal strings, exactly (no float on the way).
    pub fn parse(price: &str, qty: &str) -> Result<Self, BookError> {
        Ok(Self {
            price: Price(parse_decimal(price)?),
            qty: Qty(parse_decimal(qty)?),
        })
    }
}

/// Parses a plain decimal string (`"61800.20"`, `"-0.5"`, `"30316"`) into exact 10⁻⁸ units.
///
/// Digits beyond the 8th decimal are accepted only when they are zeros (Kraken pads some pairs to
/// 9 or 10 places); anything that would lose precision, or overflow an `i64`, is an error.
pub fn parse_decimal(s: &str) -> Result<i64, BookError> {
    let bad = || BookError::BadNumber(s.to_owned());
    let bytes = s.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() {
        return Err(bad());
    }
    let mut units: i64 = 0;
    let mut frac_digits: Option<u32> = None;
    let mut any_digit = false;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                any_digit = true;
                let d = i64::from(b - b'0');
                match frac_digits {
                    Some(n) if n >= DECIMALS => {
                        if d != 0 {
                            return Err(bad());
                        }
                    }
                    Some(n) => {
                        units = units
                            .checked_mul(10)
                            .and_then(|u| u.checked_add(d))
                            .ok_or_else(bad)?;
                        frac_digits = Some(n + 1);
                    }
                    None => {
                        units = units
                            .checked_mul(10)
                            .and_then(|u| u.checked_add(d))
                            .ok_or_else(bad)?;
                    }
                }
            }
            b'.' if frac_digits.is_none() => frac_digits = Some(0),
            _ => return Err(bad()),
        }
    }
    if !any_digit {
        return Err(bad());
    }
    let scale_left = DECIMALS - frac_digits.unwrap_or(0).min(DECIMALS);
    units = units.checked_mul(10_i64.pow(scale_left)).ok_or_else(bad)?;
    Ok(if negative { -units } else { units })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exchange_strings_exactly() {
        assert_eq!(parse_decimal("61800.20").unwrap(), 6_180_020_000_000);
        assert_eq!(parse_decimal("30316").unwrap(), 3_031_600_000_000);
        assert_eq!(parse_decimal("0.00047612").unwrap(), 47_612);
        assert_eq!(parse_decimal("0.000022900").unwrap(), 2_290);
        assert_eq!(parse_decimal("-1.5").unwrap(), -150_000_000);
        assert_eq!(parse_decimal(".5").unwrap(), 50_000_000);
        assert_eq!(parse_decimal("0").unwrap(), 0);
    }

    #[test]
    fn rejects_lossy_or_malformed_strings() {
        for s in [
            "",
            "-",
            ".",
            "1.2.3",
            "1e5",
            "abc",
            " 1",
            "0.000000001",
            "99999999999999999999",
        ] {
            assert!(
                matches!(parse_decimal(s), Err(BookError::BadNumber(_))),
                "{s:?} should fail"
            );
        }
    }

    #[test]
    fn level_parse_builds_fixed_point_values() {
        let l = Level::parse("65114.20", "6.054").unwrap();
        assert_eq!(l.price.to_string(), "65114.20000000");
        assert_eq!(l.qty.to_string(), "6.05400000");
    }
}
