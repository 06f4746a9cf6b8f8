//! How each exchange numbers its depth messages, and what counts as a gap or a stale message.

use super::{BookError, DepthUpdate};

/// The exchange's rule for sequencing (and, for OKX and Kraken, checksumming) depth updates.
///
/// How the adapter fills [`DepthUpdate`]'s ids for each rule:
///
/// | rule | `first_id` | `last_id` | `prev_id` | snapshot id |
/// |---|---|---|---|---|
/// | `BinanceFutures` | `U` | `u` | `pu` | REST `lastUpdateId` |
/// | `BinanceSpot` | `U` | `u` | unused | REST `lastUpdateId` |
/// | `Bybit` | `u` | `u` | unused | snapshot message `u` |
/// | `Okx` | `seqId` | `seqId` | `prevSeqId` | snapshot `seqId` (0 if absent) |
/// | `Kraken`, `None` | any | any | unused | any |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceRule {
    /// No sequence check: every update applies (synthetic feeds, tests).
    None,
    /// Binance USDⓈ-M futures diff depth: drop updates with `u` < the snapshot's `lastUpdateId`
    /// (stale); the first applied one must have `U` <= `lastUpdateId` <= `u`; each later one's `pu`
    /// must equal the previous update's `u`.
    BinanceFutures,
    /// Binance spot diff depth: drop updates with `u` <= the last applied id (stale); the first
    /// applied one must have `U` <= `lastUpdateId` + 1 <= `u`; each later `U` must equal the
    /// previous `u` + 1.
    BinanceSpot,
    /// Bybit v5 `orderbook.N`: each delta's `u` is the previous `u` + 1. A `snapshot` message
    /// (including the `u = 1` snapshot Bybit sends after a restart of its service) goes to
    /// [`OrderBook::apply_snapshot`](super::OrderBook::apply_snapshot), which resets the book.
    Bybit,
    /// OKX v5 `books`: CRC32 of the top 25 levels after every message; when the message carries
    /// `seqId`/`prevSeqId` (since 2023), `prevSeqId` must equal the last `seqId` (a heartbeat
    /// repeats it). Messages without them (`last_id == 0 && prev_id == 0`) are checked by the
    /// checksum alone.
    Okx,
    /// Kraken spot WS v1 `book`: no sequence ids; CRC32 of the top 10 asks and bids, printed with
    /// the pair's decimals (`pair_decimals`, `lot_decimals` of the AssetPairs endpoint).
    Kraken {
        /// Decimal places of the pair's prices.
        price_decimals: u8,
        /// Decimal places of the pair's volumes.
        qty_decimals: u8,
    },
}

/// What the sequence check decided for one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeqCheck {
    /// Apply it; afterwards the book's last id is this.
    Apply(u64),
    /// Older than the book; skip it as the exchange says.
    Stale,
}

impl SequenceRule {
    /// Checks `u` against the book's `last` id; `first` is true until an update has been applied
    /// on top of the current snapshot.
    #[inline]
    pub(crate) fn check(self, last: u64, first: bool, u: &DepthUpdate<'_>) -> Result<SeqCheck, BookError> {
        match self {
            SequenceRule::None | SequenceRule::Kraken { .. } => Ok(SeqCheck::Apply(u.last_id)),
            SequenceRule::BinanceFutures => {
                if first {
                    if u.last_id < last {
                        Ok(SeqCheck::Stale)
                    } else if u.first_id > last {
                        Err(BookError::Gap { expected: last, got: u.first_id })
                    } else {
                        Ok(SeqCheck::Apply(u.last_id))
                    }
                } else if u.prev_id == last {
                    Ok(SeqCheck::Apply(u.last_id))
                } else {
                    Err(BookError::Gap { expected: last, got: u.prev_id })
                }
            }
            SequenceRule::BinanceSpot => {
                let next = last + 1;
                if u.last_id <= last {
                    Ok(SeqCheck::Stale)
                } else if (first && u.first_id <= next) || u.first_id == next {
                    Ok(SeqCheck::Apply(u.last_id))
                } else {
                    Err(BookError::Gap { expected: next, got: u.first_id })
                }
            }
            SequenceRule::Bybit => {
                if u.last_id == last + 1 {
                    Ok(SeqCheck::Apply(u.last_id))
                } else {
                    Err(BookError::Gap { expected: last + 1, got: u.last_id })
                }
            }
            SequenceRule::Okx => {
                if u.last_id == 0 && u.prev_id == 0 {
                    Ok(SeqCheck::Apply(last))
                } else if last == 0 || u.prev_id == last {
                    Ok(SeqCheck::Apply(u.last_id))
                } else {
                    Err(BookError::Gap { expected: last, got: u.prev_id })
                }
            }
        }
    }
}
