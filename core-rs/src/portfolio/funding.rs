//! Funding payments on perpetuals: charged only at the funding times a position is open through.

use crate::types::{Money, Price, Qty, SymbolId, UnixNanos};

/// The first funding time strictly after `ts` (funding times are the multiples of `interval`
/// since the epoch, UTC-aligned like the venues' 00:00/08:00/16:00).
#[inline]
pub fn next_funding_time(ts: UnixNanos, interval: UnixNanos) -> UnixNanos {
    (ts.div_euclid(interval) + 1).saturating_mul(interval)
}

/// One funding payment of one position.
#[derive(Debug, Clone, PartialEq)]
pub struct FundingCharge {
    /// The funding time it settles.
    pub funding_time: UnixNanos,
    /// Exchange time of the tick it was charged on: the symbol's first accepted tick at or
    /// after the funding time.
    pub ts_event: UnixNanos,
    /// Arrival number of that tick.
    pub seq: u64,
    /// Symbol id.
    pub symbol: SymbolId,
    /// The rate in force at the funding time: the latest known at or before it.
    pub rate: f64,
    /// The position's mark when charged (its last mark before the tick).
    pub mark: Price,
    /// Signed size (positive long).
    pub qty: Qty,
    /// Amount paid: `qty × mark × rate`, rounded once (negative: received).
    pub amount: Money,
    /// Charged to a shadow position (never in equity).
    pub shadow: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_funding_time_is_strictly_later() {
        let h8 = 8 * 3_600 * 1_000_000_000;
        assert_eq!(next_funding_time(0, h8), h8);
        assert_eq!(next_funding_time(h8 - 1, h8), h8);
        assert_eq!(
            next_funding_time(h8, h8),
            2 * h8,
            "a position opened at a funding time does not pay it"
        );
    }
}
