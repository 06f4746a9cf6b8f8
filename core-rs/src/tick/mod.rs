//! The market event every component consumes, and the columnar batch it arrives in.

pub mod columns;

pub use columns::{TickColumns, COLUMN_NAMES};

use crate::types::{SymbolId, UnixNanos};

/// Which side was liquidated on a tick.
pub type LiqSide = i8;

/// One market event for one symbol. Floats are NaN when the source does not provide the field;
/// NaN means "unknown", never zero. The hot fields of the batch path are laid out first.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct Tick {
    /// Exchange time of the event, ns since the epoch.
    pub ts_event: UnixNanos,
    /// Local receive time, ns since the epoch (recorded or simulated in a backtest).
    pub ts_recv: UnixNanos,
    /// Symbol id (index into the symbol name table).
    pub symbol: SymbolId,
    /// +1: longs were liquidated (forced sells); −1: shorts were; 0: none or unknown.
    pub liq_side: LiqSide,
    // The fields every tick of the batch path reads (`TickColumns::write_hot`) come first, in
    // one cache line: the clocks, symbol, liquidation side, and these three.
    /// Bar high.
    pub high: f64,
    /// Bar low.
    pub low: f64,
    /// Current funding rate per funding interval (decimal, 0.0001 = 1 bp).
    pub funding_rate: f64,
    /// Last traded price (or bar close).
    pub price: f64,
    /// Best bid price.
    pub bid: f64,
    /// Best ask price.
    pub ask: f64,
    /// Size at the best bid, or depth near the touch on the bid side (base units).
    pub bid_qty: f64,
    /// Size at the best ask, or depth near the touch on the ask side (base units).
    pub ask_qty: f64,
    /// Traded volume since the previous tick (base units).
    pub volume: f64,
    /// Buy-initiated (taker buy) part of `volume`.
    pub buy_volume: f64,
    /// Sell-initiated (taker sell) part of `volume`.
    pub sell_volume: f64,
    /// Bar open.
    pub open: f64,
    /// Bar close.
    pub close: f64,
    /// Liquidated volume in this tick (base units).
    pub liq_volume: f64,
    /// Open interest (base units).
    pub open_interest: f64,
}

impl Tick {
    /// A tick with only the clocks and symbol set; every optional field unknown.
    pub const fn empty(ts_event: UnixNanos, ts_recv: UnixNanos, symbol: SymbolId) -> Self {
        Tick {
            ts_event,
            ts_recv,
            symbol,
            liq_side: 0,
            price: f64::NAN,
            bid: f64::NAN,
            ask: f64::NAN,
            bid_qty: f64::NAN,
            ask_qty: f64::NAN,
            volume: f64::NAN,
            buy_volume: f64::NAN,
            sell_volume: f64::NAN,
            open: f64::NAN,
            high: f64::NAN,
            low: f64::NAN,
            close: f64::NAN,
            liq_volume: f64::NAN,
            funding_rate: f64::NAN,
            open_interest: f64::NAN,
        }
    }

    /// True when both sides of the quote are known.
    #[inline]
    pub fn has_quote(&self) -> bool {
        self.bid.is_finite() && self.ask.is_finite()
    }

    /// Mid of the quote, if known.
    #[inline]
    pub fn mid(&self) -> Option<f64> {
        self.has_quote().then_some(0.5 * (self.bid + self.ask))
    }

    /// The price strategies and marks use: last price, else close, else quote mid.
    #[inline]
    pub fn reference_price(&self) -> f64 {
        if self.price.is_finite() {
            self.price
        } else if self.close.is_finite() {
            self.close
        } else if self.has_quote() {
            0.5 * (self.bid + self.ask)
        } else {
            f64::NAN
        }
    }

    /// True for a bar (it has a high and a low).
    #[inline]
    pub fn is_bar(&self) -> bool {
        self.high.is_finite() && self.low.is_finite()
    }
}
