//! Why a tick was rejected, and a counter per reason.

/// Why the sanitizer rejected a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RejectReason {
    /// A field is ±infinity.
    NonFinite = 0,
    /// No last price, close or quote to price the tick.
    MissingPrice,
    /// A price is zero or negative.
    NonPositivePrice,
    /// A size or volume is negative.
    NegativeVolume,
    /// `liq_side` is not −1, 0 or +1.
    BadLiquidationSide,
    /// Receive latency above the limit.
    Latency,
    /// Bid above ask.
    CrossedQuote,
    /// Spread wider than the limit.
    WideSpread,
    /// A bar whose high is below its low, or whose open or close is outside them.
    InconsistentBar,
    /// Exchange time earlier than the symbol's previous accepted tick.
    TimeBackwards,
    /// Price moved beyond the configured multiple of recent volatility.
    PriceJump,
    /// The symbol's order book is invalid (sequence gap or checksum failure) until resynced.
    BookInvalid,
}

impl RejectReason {
    /// Every reason, in counter order.
    pub const ALL: [RejectReason; 12] = [
        RejectReason::NonFinite,
        RejectReason::MissingPrice,
        RejectReason::NonPositivePrice,
        RejectReason::NegativeVolume,
        RejectReason::BadLiquidationSide,
        RejectReason::Latency,
        RejectReason::CrossedQuote,
        RejectReason::WideSpread,
        RejectReason::InconsistentBar,
        RejectReason::TimeBackwards,
        RejectReason::PriceJump,
        RejectReason::BookInvalid,
    ];

    /// Stable snake_case name used in reports, the store and the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            RejectReason::NonFinite => "non_finite",
            RejectReason::MissingPrice => "missing_price",
            RejectReason::NonPositivePrice => "non_positive_price",
            RejectReason::NegativeVolume => "negative_volume",
            RejectReason::BadLiquidationSide => "bad_liquidation_side",
            RejectReason::Latency => "latency",
            RejectReason::CrossedQuote => "crossed_quote",
            RejectReason::WideSpread => "wide_spread",
            RejectReason::InconsistentBar => "inconsistent_bar",
            RejectReason::TimeBackwards => "time_backwards",
            RejectReason::PriceJump => "price_jump",
            RejectReason::BookInvalid => "book_invalid",
        }
    }
}

/// One counter per [`RejectReason`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RejectCounts([u64; RejectReason::ALL.len()]);

impl RejectCounts {
    /// Counts one rejection.
    #[inline]
    pub fn add(&mut self, reason: RejectReason) {
        self.0[reason as usize] += 1;
    }

    /// The count for one reason.
    pub fn get(&self, reason: RejectReason) -> u64 {
        self.0[reason as usize]
    }

    /// Total rejections.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// Non-zero counts with their names.
    pub fn nonzero(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        RejectReason::ALL
            .iter()
            .map(|r| (r.as_str(), self.0[*r as usize]))
            .filter(|(_, n)| *n > 0)
    }
}
