//! Value types shared by every component: fixed-point money, clocks, sides and ids.

mod fixed;
mod side;
mod time;

pub use fixed::{
    fits_units, round_product, units_from_f64, FixedError, Money, Price, Qty, DECIMALS, SCALE,
};
pub use side::{OrderSide, Side};
pub use time::{utc_day, UnixNanos, NANOS_PER_DAY, NANOS_PER_MILLI, NANOS_PER_SECOND};

/// A symbol's small integer id; names live in a table beside the data (`symbol_names`).
pub type SymbolId = u32;
