//! Why a book refused a snapshot or an update.

use thiserror::Error;

use crate::types::Price;

/// A snapshot or an update the book could not apply. Every variant except [`BookError::NotSynced`]
/// and [`BookError::BadNumber`] leaves the book invalid until the next snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BookError {
    /// An update's sequence id does not follow the last applied one (a message was lost).
    #[error("sequence gap: expected id {expected}, got {got}")]
    Gap {
        /// The id the exchange's rule required.
        expected: u64,
        /// The id the update carried.
        got: u64,
    },
    /// The exchange's CRC32 disagrees with the book after the update (both as unsigned 32 bits).
    #[error("checksum mismatch: exchange sent {expected}, book gives {computed}")]
    ChecksumMismatch {
        /// The checksum the exchange sent.
        expected: u32,
        /// The checksum of the local book.
        computed: u32,
    },
    /// The best bid is at or above the best ask.
    #[error("crossed book: best bid {bid} >= best ask {ask}")]
    Crossed {
        /// Best bid price.
        bid: Price,
        /// Best ask price.
        ask: Price,
    },
    /// A level with a non-positive price, a negative quantity, or a price repeated in a snapshot.
    #[error("invalid level: price {price}, qty units {qty_units}: {reason}")]
    InvalidLevel {
        /// The level's price.
        price: Price,
        /// The level's quantity in 10⁻⁸ units.
        qty_units: i64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An update arrived while the book has no valid snapshot (never synced, or invalidated).
    #[error("book is not synced: apply a snapshot first")]
    NotSynced,
    /// A decimal string is not a number with at most 8 significant decimals.
    #[error("not a 1e-8 fixed-point decimal: {0:?}")]
    BadNumber(String),
}
