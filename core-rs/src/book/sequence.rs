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
    pub(crate) fn check(
        self,
        last: u64,
        first: bool,
        u: &DepthUpdate<'_>,
    ) -> Result<SeqCheck, BookError> {
        match self {
            SequenceRule::None | SequenceRule::Kraken { .. } => Ok(SeqCheck::Apply(u.last_id)),
            SequenceRule::BinanceFutures => {
                if first {
                    if u.last_id < last {
                        Ok(SeqCheck::Stale)
                    } else if u.first_id > last {
                        Err(BookError::Gap {
                            expected: last,
                            got: u.first_id,
                        })
                    } else {
                        Ok(SeqCheck::Apply(u.last_id))
                    }
                } else if u.prev_id == last {
                    Ok(SeqCheck::Apply(u.last_id))
                } else {
                    Err(BookError::Gap {
                        expected: last,
                        got: u.prev_id,
                    })
                }
            }
            SequenceRule::BinanceSpot => {
                let next = last + 1;
                if u.last_id <= last {
                    Ok(SeqCheck::Stale)
                } else if (first && u.first_id <= next) || u.first_id == next {
                    Ok(SeqCheck::Apply(u.last_id))
                } else {
                    Err(BookError::Gap {
                        expected: next,
                        got: u.first_id,
                    })
                }
            }
            SequenceRule::Bybit => {
                if u.last_id == last + 1 {
                    Ok(SeqCheck::Apply(u.last_id))
                } else {
                    Err(BookError::Gap {
                        expected: last + 1,
                        got: u.last_id,
                    })
                }
            }
            SequenceRule::Okx => {
                if u.last_id == 0 && u.prev_id == 0 {
                    Ok(SeqCheck::Apply(last))
                } else if last == 0 || u.prev_id == last {
                    Ok(SeqCheck::Apply(u.last_id))
                } else {
                    Err(BookError::Gap {
                        expected: last,
                        got: u.prev_id,
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(first_id: u64, last_id: u64, prev_id: u64) -> DepthUpdate<'static> {
        DepthUpdate {
            ts_event: 0,
            ts_recv: 0,
            first_id,
            last_id,
            prev_id,
            bids: &[],
            asks: &[],
            checksum: None,
        }
    }

    fn gap(expected: u64, got: u64) -> Result<SeqCheck, BookError> {
        Err(BookError::Gap { expected, got })
    }

    #[test]
    fn binance_futures() {
        let r = SequenceRule::BinanceFutures;
        // Before the first applied update, against snapshot id 100.
        assert_eq!(r.check(100, true, &u(90, 99, 0)), Ok(SeqCheck::Stale));
        assert_eq!(
            r.check(100, true, &u(100, 100, 0)),
            Ok(SeqCheck::Apply(100))
        );
        assert_eq!(r.check(100, true, &u(95, 120, 0)), Ok(SeqCheck::Apply(120)));
        assert_eq!(r.check(100, true, &u(101, 120, 0)), gap(100, 101));
        // Afterwards, only `pu` matters.
        assert_eq!(
            r.check(120, false, &u(125, 130, 120)),
            Ok(SeqCheck::Apply(130))
        );
        assert_eq!(r.check(120, false, &u(125, 130, 119)), gap(120, 119));
        assert_eq!(r.check(120, false, &u(90, 99, 80)), gap(120, 80));
    }

    #[test]
    fn binance_spot() {
        let r = SequenceRule::BinanceSpot;
        assert_eq!(r.check(100, true, &u(90, 100, 0)), Ok(SeqCheck::Stale));
        assert_eq!(r.check(100, true, &u(95, 101, 0)), Ok(SeqCheck::Apply(101)));
        assert_eq!(
            r.check(100, true, &u(101, 105, 0)),
            Ok(SeqCheck::Apply(105))
        );
        assert_eq!(r.check(100, true, &u(102, 105, 0)), gap(101, 102));
        assert_eq!(
            r.check(105, false, &u(106, 110, 0)),
            Ok(SeqCheck::Apply(110))
        );
        // Overlapping after the first update is not the exchange's continuous stream: a gap.
        assert_eq!(r.check(105, false, &u(104, 110, 0)), gap(106, 104));
        assert_eq!(r.check(105, false, &u(100, 105, 0)), Ok(SeqCheck::Stale));
    }

    #[test]
    fn bybit() {
        let r = SequenceRule::Bybit;
        assert_eq!(r.check(7, true, &u(8, 8, 0)), Ok(SeqCheck::Apply(8)));
        assert_eq!(r.check(7, false, &u(9, 9, 0)), gap(8, 9));
        assert_eq!(r.check(7, false, &u(7, 7, 0)), gap(8, 7));
    }

    #[test]
    fn okx() {
        let r = SequenceRule::Okx;
        assert_eq!(r.check(10, false, &u(11, 11, 10)), Ok(SeqCheck::Apply(11)));
        assert_eq!(r.check(10, false, &u(10, 10, 10)), Ok(SeqCheck::Apply(10)));
        assert_eq!(r.check(10, false, &u(13, 13, 12)), gap(10, 12));
        // Captures from before OKX added seqId: checksum only, the id stays.
        assert_eq!(r.check(10, false, &u(0, 0, 0)), Ok(SeqCheck::Apply(10)));
    }

    #[test]
    fn none_and_kraken_accept_everything() {
        for r in [
            SequenceRule::None,
            SequenceRule::Kraken {
                price_decimals: 1,
                qty_decimals: 8,
            },
        ] {
            assert_eq!(r.check(10, false, &u(3, 3, 0)), Ok(SeqCheck::Apply(3)));
        }
    }
}
