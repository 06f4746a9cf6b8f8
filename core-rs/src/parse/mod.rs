//! Venue-native market-data messages (raw JSON text) into the core's events, without Python.
//!
//! A parser turns one message into a [`NativeEvent`]: a [`NativeTick`] (quote, trade, funding,
//! liquidation), a [`BookUpdate`] (L2 snapshot or delta with the venue's sequence ids) or nothing
//! ([`NativeEvent::Ignored`], streams that carry nothing for the core). Prices and quantities are
//! parsed from the venue's decimal strings straight into the core's 10⁻⁸ fixed point, with no float
//! on the way; a malformed message is a typed [`ParseError`], never a panic.
//!
//! [`NativeBatch`] runs a parser over many messages and keeps its output as columns (ticks in the
//! core's tick layout, depth in CSR form), counting every rejected line with its reason, which is
//! how the Python side hands whole captures or feed buffers to the core in one call.

mod batch;
pub mod binance_usdm;
mod error;
mod event;

pub use batch::{DepthRows, NativeBatch, Reject, TickRows};
pub use error::ParseError;
pub use event::{units_to_f64, Aggressor, BookUpdate, NativeEvent, NativeTick, TickKind};
