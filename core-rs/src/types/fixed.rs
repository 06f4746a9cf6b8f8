//! Fixed-point decimals at 10⁻⁸, the scale of the database's DECIMAL(20,8) columns, so the core,
//! the store and the API agree to the last unit. Floats appear only in signal math.

use std::fmt;

use thiserror::Error;

/// Units per whole: every fixed-point value is an integer count of 10⁻⁸.
pub const SCALE: i64 = 100_000_000;
/// Decimal places of [`SCALE`].
pub const DECIMALS: u32 = 8;

/// A float could not become a fixed-point value.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum FixedError {
    /// NaN or ±infinity.
    #[error("value is not finite: {0}")]
    NotFinite(f64),
    /// Outside what an `i64` of 10⁻⁸ units can hold (about ±9.2·10¹⁰).
    #[error("value out of range for 1e-8 fixed point: {0}")]
    OutOfRange(f64),
}

/// Converts a float to 10⁻⁸ units, rounding half away from zero; checked.
#[inline]
pub fn units_from_f64(x: f64) -> Result<i64, FixedError> {
    if !x.is_finite() {
        return Err(FixedError::NotFinite(x));
    }
    let scaled = (x * SCALE as f64).round();
    // i64::MAX as f64 rounds up to 2^63, so compare with a strict bound.
    if !(-9.223_372_036_854_775e18..9.223_372_036_854_775e18).contains(&scaled) {
        return Err(FixedError::OutOfRange(x));
    }
    Ok(scaled as i64)
}

/// Whether [`units_from_f64`] accepts `x`, without rounding: below 2⁵² in magnitude the rounded
/// value stays far inside the range, and from 2⁵² on every float is already an integer.
#[inline]
pub fn fits_units(x: f64) -> bool {
    x.is_finite()
        && (-9.223_372_036_854_775e18..9.223_372_036_854_775e18).contains(&(x * SCALE as f64))
}

/// Rounds an `i128` product at 10⁻¹⁶ back to 10⁻⁸, half away from zero. Products that fit an
/// `i64` (every size × price of a position up to about 10⁸ quote units of notional) take `i64`
/// arithmetic, which divides by the constant with a multiply; wider ones the `i128` division.
#[inline]
pub fn round_product(raw: i128) -> i64 {
    if let Ok(r) = i64::try_from(raw) {
        if let Some(q) = round_small(r) {
            return q;
        }
    }
    let s = SCALE as i128;
    let half = s / 2;
    let q = if raw >= 0 {
        (raw + half) / s
    } else {
        (raw - half) / s
    };
    q as i64
}

/// [`round_product`] of a product that fits an `i64` with room for the half: `None` otherwise.
#[inline(always)]
fn round_small(r: i64) -> Option<i64> {
    const HALF: i64 = SCALE / 2;
    (r.unsigned_abs() < (i64::MAX - HALF) as u64).then(|| {
        if r >= 0 {
            (r + HALF) / SCALE
        } else {
            (r - HALF) / SCALE
        }
    })
}

macro_rules! fixed_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// Zero.
            pub const ZERO: Self = Self(0);

            /// From raw 10⁻⁸ units.
            #[inline]
            pub const fn from_units(units: i64) -> Self {
                Self(units)
            }

            /// Raw 10⁻⁸ units.
            #[inline]
            pub const fn units(self) -> i64 {
                self.0
            }

            /// From a float, rounded to 10⁻⁸; fails on NaN, infinity or overflow.
            #[inline]
            pub fn from_f64(x: f64) -> Result<Self, FixedError> {
                units_from_f64(x).map(Self)
            }

            /// Nearest float (for signal math and display only).
            #[inline]
            pub fn to_f64(self) -> f64 {
                self.0 as f64 / SCALE as f64
            }

            /// True when exactly zero.
            #[inline]
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            /// Absolute value.
            #[inline]
            pub const fn abs(self) -> Self {
                Self(self.0.abs())
            }
        }

        impl std::ops::Add for $name {
            type Output = Self;
            #[inline]
            fn add(self, rhs: Self) -> Self {
                Self(self.0 + rhs.0)
            }
        }

        impl std::ops::Sub for $name {
            type Output = Self;
            #[inline]
            fn sub(self, rhs: Self) -> Self {
                Self(self.0 - rhs.0)
            }
        }

        impl std::ops::Neg for $name {
            type Output = Self;
            #[inline]
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }

        impl std::ops::AddAssign for $name {
            #[inline]
            fn add_assign(&mut self, rhs: Self) {
                self.0 += rhs.0;
            }
        }

        impl std::ops::SubAssign for $name {
            #[inline]
            fn sub_assign(&mut self, rhs: Self) {
                self.0 -= rhs.0;
            }
        }

        impl fmt::Display for $name {
            /// Exact decimal text, e.g. `-12.50000000`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let sign = if self.0 < 0 { "-" } else { "" };
                let abs = self.0.unsigned_abs();
                let s = SCALE as u64;
                write!(f, "{sign}{}.{:08}", abs / s, abs % s)
            }
        }
    };
}

fixed_type!(
    /// A price in quote currency per unit of base, in 10⁻⁸ units.
    Price
);
fixed_type!(
    /// A quantity of the base asset, in 10⁻⁸ units. Signed where it is a position.
    Qty
);
fixed_type!(
    /// An amount of quote currency (P&L, fees, equity), in 10⁻⁸ units.
    Money
);

impl Qty {
    /// Notional `qty × price`, rounded once to 10⁻⁸ (sign follows the quantity).
    #[inline]
    pub fn notional(self, price: Price) -> Money {
        // An i64 product (an overflow check, no i128 multiply) covers every realistic position.
        match self.0.checked_mul(price.0).and_then(round_small) {
            Some(units) => Money(units),
            None => Money(round_product(self.0 as i128 * price.0 as i128)),
        }
    }
}

impl Money {
    /// `self × bps / 10_000`, rounded once to 10⁻⁸ (fees, slippage).
    #[inline]
    pub fn mul_bps(self, bps: f64) -> Money {
        // bps are configuration with at most 4 decimals; keep them exact as 10⁻⁸ units of a bp.
        let bps_units = (bps * SCALE as f64).round() as i128;
        let raw = self.0 as i128 * bps_units / 10_000;
        Money(round_product(raw))
    }

    /// `self × rate` for a float rate (funding), rounded once to 10⁻⁸.
    #[inline]
    pub fn mul_rate(self, rate: f64) -> Money {
        let rate_units = (rate * SCALE as f64).round() as i128;
        Money(round_product(self.0 as i128 * rate_units))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_round_trip_is_exact_at_1e8() {
        let p = Price::from_f64(64_123.456_789_01).unwrap();
        assert_eq!(p.units(), 6_412_345_678_901);
        assert_eq!(p.to_string(), "64123.45678901");
    }

    #[test]
    fn non_finite_and_overflow_are_errors() {
        assert!(matches!(
            Price::from_f64(f64::NAN),
            Err(FixedError::NotFinite(_))
        ));
        assert!(matches!(
            Price::from_f64(f64::INFINITY),
            Err(FixedError::NotFinite(_))
        ));
        assert!(matches!(
            Price::from_f64(1e12),
            Err(FixedError::OutOfRange(_))
        ));
    }

    #[test]
    fn fits_units_agrees_with_the_checked_conversion() {
        let edge = 9.223_372_036_854_775e10;
        let mut xs = vec![
            0.0,
            -0.0,
            1e-9,
            4.9e-9,
            5e-9,
            64_000.5,
            1e12,
            -1e12,
            f64::NAN,
            f64::INFINITY,
        ];
        xs.extend([
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
            4_503_599.627_370_496,
            -4_503_599.627_370_496,
        ]);
        for x in [edge, -edge, 2f64.powi(52) / 1e8, 2f64.powi(63) / 1e8] {
            let mut y = x;
            for _ in 0..4 {
                xs.extend([y, -y]);
                y = f64::from_bits(y.to_bits() - 1);
            }
            y = x;
            for _ in 0..4 {
                xs.extend([y, -y]);
                y = f64::from_bits(y.to_bits() + 1);
            }
        }
        for x in xs {
            assert_eq!(fits_units(x), units_from_f64(x).is_ok(), "{x:e}");
        }
    }

    #[test]
    fn the_i64_path_rounds_as_the_i128_one() {
        let wide = |raw: i128| {
            let (s, half) = (SCALE as i128, SCALE as i128 / 2);
            (if raw >= 0 {
                (raw + half) / s
            } else {
                (raw - half) / s
            }) as i64
        };
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let raw = match i % 4 {
                0 => (x as i64 as i128) >> (x % 60),
                1 => ((x % 1_000) as i128 - 500) * SCALE as i128 / 2,
                2 => (x as i64) as i128 * 97,
                _ => i64::MAX as i128 - (x % 1_000) as i128 * if x & 1 == 0 { 1 } else { -1 },
            };
            assert_eq!(round_product(raw), wide(raw), "{raw}");
            assert_eq!(round_product(-raw), wide(-raw), "{}", -raw);
        }
    }

    #[test]
    fn notional_rounds_half_away_from_zero() {
        // 0.00000001 BTC × 0.5 = 0.000000005 → rounds to 0.00000001
        let q = Qty(1);
        assert_eq!(q.notional(Price(50_000_000)).units(), 1);
        assert_eq!(Qty(-1).notional(Price(50_000_000)).units(), -1);
        assert_eq!(
            Qty::from_f64(0.01)
                .unwrap()
                .notional(Price::from_f64(65_000.0).unwrap())
                .to_string(),
            "650.00000000"
        );
    }

    #[test]
    fn fee_in_bps_is_exact() {
        let notional = Money::from_f64(650.0).unwrap();
        assert_eq!(notional.mul_bps(5.0).to_string(), "0.32500000");
        assert_eq!(notional.mul_rate(0.0001).to_string(), "0.06500000");
    }

    #[test]
    fn display_of_negative_values() {
        assert_eq!(Money(-150_000_000).to_string(), "-1.50000000");
        assert_eq!(Money(-5).to_string(), "-0.00000005");
    }
}
