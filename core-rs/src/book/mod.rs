//! The L2 order book (SPEC §5): a snapshot, then incremental updates checked the way each exchange
//! specifies (sequence ids, CRC32 checksums). A gap, a checksum mismatch or a crossed book marks the
//! book invalid; it stays invalid, and its signal queries answer `None`, until a new snapshot.
//!
//! Prices and quantities are fixed-point (10⁻⁸); the derived signals (mid, microprice, depth,
//! imbalance) are floats because they only feed signal math.

mod checksum;
mod error;
mod level;
mod order_book;
mod sequence;
mod side;

pub use checksum::{kraken_checksum, okx_checksum};
pub use error::BookError;
pub use level::{parse_decimal, Level};
pub use order_book::{Applied, BookStats, DepthUpdate, OrderBook};
pub use sequence::SequenceRule;
