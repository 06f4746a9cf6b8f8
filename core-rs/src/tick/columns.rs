//! A batch of ticks as columns (struct of arrays): how ticks cross from NumPy without copies.

use std::mem::{align_of, offset_of, size_of};

use thiserror::Error;

use super::Tick;
use crate::types::{SymbolId, UnixNanos};

/// Every column name a batch may carry, in the order of [`Tick`]'s fields.
pub const COLUMN_NAMES: [&str; 19] = [
    "ts_event",
    "ts_recv",
    "symbol",
    "liq_side",
    "price",
    "bid",
    "ask",
    "bid_qty",
    "ask_qty",
    "volume",
    "buy_volume",
    "sell_volume",
    "open",
    "high",
    "low",
    "close",
    "liq_volume",
    "funding_rate",
    "open_interest",
];

/// A column does not fit the batch.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ColumnsError {
    /// A column's length differs from `ts_event`'s.
    #[error("column '{column}' has {len} rows, expected {expected}")]
    Length {
        /// The offending column.
        column: &'static str,
        /// Its length.
        len: usize,
        /// The batch length.
        expected: usize,
    },
}

/// Borrowed columns of a tick batch. Optional columns that are absent read as unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct TickColumns<'a> {
    /// Exchange time, ns.
    pub ts_event: &'a [UnixNanos],
    /// Local receive time, ns; absent → equal to `ts_event` (historical data).
    pub ts_recv: Option<&'a [UnixNanos]>,
    /// Symbol ids; absent → symbol 0.
    pub symbol: Option<&'a [SymbolId]>,
    /// Liquidation side; absent → 0.
    pub liq_side: Option<&'a [i8]>,
    /// See [`Tick`] for each float column's meaning.
    pub price: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub bid: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub ask: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub bid_qty: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub ask_qty: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub volume: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub buy_volume: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub sell_volume: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub open: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub high: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub low: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub close: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub liq_volume: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub funding_rate: Option<&'a [f64]>,
    #[allow(missing_docs)]
    pub open_interest: Option<&'a [f64]>,
}

/// `out[k].<field at offset> = col[k]`: one small loop shared by every float column (a loop per
/// field, each unrolled and vectorised, made the batch path's code overflow the instruction cache).
#[inline(never)]
fn scatter_f64(out: &mut [Tick], col: &[f64], offset: usize) {
    assert!(offset + size_of::<f64>() <= size_of::<Tick>() && offset % align_of::<f64>() == 0);
    for (t, &x) in out.iter_mut().zip(col) {
        // SAFETY: `offset` is the `offset_of!` of an `f64` field of `Tick` (checked in bounds and
        // aligned above), so the pointer is a valid, aligned `f64` inside the exclusive `t`.
        unsafe {
            std::ptr::from_mut(t)
                .cast::<u8>()
                .add(offset)
                .cast::<f64>()
                .write(x)
        }
    }
}

#[inline(always)]
fn f(col: Option<&[f64]>, i: usize) -> f64 {
    match col {
        // SAFETY: `validate` checked every present column has `len()` rows and callers index < len.
        Some(c) => unsafe { *c.get_unchecked(i) },
        None => f64::NAN,
    }
}

impl<'a> TickColumns<'a> {
    /// Number of ticks.
    #[inline]
    pub fn len(&self) -> usize {
        self.ts_event.len()
    }

    /// True for an empty batch.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ts_event.is_empty()
    }

    /// Checks that every present column has the batch's length.
    pub fn validate(&self) -> Result<(), ColumnsError> {
        let n = self.len();
        let check = |column: &'static str, len: Option<usize>| match len {
            Some(len) if len != n => Err(ColumnsError::Length {
                column,
                len,
                expected: n,
            }),
            _ => Ok(()),
        };
        check("ts_recv", self.ts_recv.map(<[_]>::len))?;
        check("symbol", self.symbol.map(<[_]>::len))?;
        check("liq_side", self.liq_side.map(<[_]>::len))?;
        let floats: [(&'static str, Option<&[f64]>); 15] = [
            ("price", self.price),
            ("bid", self.bid),
            ("ask", self.ask),
            ("bid_qty", self.bid_qty),
            ("ask_qty", self.ask_qty),
            ("volume", self.volume),
            ("buy_volume", self.buy_volume),
            ("sell_volume", self.sell_volume),
            ("open", self.open),
            ("high", self.high),
            ("low", self.low),
            ("close", self.close),
            ("liq_volume", self.liq_volume),
            ("funding_rate", self.funding_rate),
            ("open_interest", self.open_interest),
        ];
        for (name, col) in floats {
            check(name, col.map(<[_]>::len))?;
        }
        Ok(())
    }

    /// Writes ticks `start..start + out.len()` into `out` column by column: the batch path's
    /// transpose, a loop per present column instead of a branch per column per tick
    /// (`ts_recv` is set to `ts_event` when absent). Fields of absent columns are left
    /// untouched, so start `out` from [`Tick::empty`] and keep it for one batch: each slot
    /// then equals [`tick`](Self::tick). Panics if the range is beyond the batch; requires a
    /// validated batch.
    #[inline(never)]
    pub fn write_rows(&self, start: usize, out: &mut [Tick]) {
        let end = start + out.len();
        for (t, &x) in out.iter_mut().zip(&self.ts_event[start..end]) {
            t.ts_event = x;
        }
        match self.ts_recv {
            Some(c) => {
                for (t, &x) in out.iter_mut().zip(&c[start..end]) {
                    t.ts_recv = x;
                }
            }
            None => {
                for t in out.iter_mut() {
                    t.ts_recv = t.ts_event;
                }
            }
        }
        if let Some(c) = self.symbol {
            for (t, &x) in out.iter_mut().zip(&c[start..end]) {
                t.symbol = x;
            }
        }
        if let Some(c) = self.liq_side {
            for (t, &x) in out.iter_mut().zip(&c[start..end]) {
                t.liq_side = x;
            }
        }
        let floats = [
            (self.price, offset_of!(Tick, price)),
            (self.bid, offset_of!(Tick, bid)),
            (self.ask, offset_of!(Tick, ask)),
            (self.bid_qty, offset_of!(Tick, bid_qty)),
            (self.ask_qty, offset_of!(Tick, ask_qty)),
            (self.volume, offset_of!(Tick, volume)),
            (self.buy_volume, offset_of!(Tick, buy_volume)),
            (self.sell_volume, offset_of!(Tick, sell_volume)),
            (self.open, offset_of!(Tick, open)),
            (self.high, offset_of!(Tick, high)),
            (self.low, offset_of!(Tick, low)),
            (self.close, offset_of!(Tick, close)),
            (self.liq_volume, offset_of!(Tick, liq_volume)),
            (self.funding_rate, offset_of!(Tick, funding_rate)),
            (self.open_interest, offset_of!(Tick, open_interest)),
        ];
        for (col, offset) in floats {
            if let Some(c) = col {
                scatter_f64(out, &c[start..end], offset);
            }
        }
    }

    /// The `i`-th tick. Panics if `i` is out of bounds; requires a validated batch.
    #[inline(always)]
    pub fn tick(&self, i: usize) -> Tick {
        let ts_event = self.ts_event[i];
        // SAFETY (all unchecked reads): `validate` proved equal lengths and `i < len` was checked
        // by the indexing of `ts_event` above.
        let ts_recv = self
            .ts_recv
            .map_or(ts_event, |c| unsafe { *c.get_unchecked(i) });
        Tick {
            ts_event,
            ts_recv,
            symbol: self.symbol.map_or(0, |c| unsafe { *c.get_unchecked(i) }),
            liq_side: self.liq_side.map_or(0, |c| unsafe { *c.get_unchecked(i) }),
            price: f(self.price, i),
            bid: f(self.bid, i),
            ask: f(self.ask, i),
            bid_qty: f(self.bid_qty, i),
            ask_qty: f(self.ask_qty, i),
            volume: f(self.volume, i),
            buy_volume: f(self.buy_volume, i),
            sell_volume: f(self.sell_volume, i),
            open: f(self.open, i),
            high: f(self.high, i),
            low: f(self.low, i),
            close: f(self.close, i),
            liq_volume: f(self.liq_volume, i),
            funding_rate: f(self.funding_rate, i),
            open_interest: f(self.open_interest, i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_columns_read_as_unknown() {
        let ts = [1, 2];
        let price = [10.0, 11.0];
        let cols = TickColumns {
            ts_event: &ts,
            price: Some(&price),
            ..Default::default()
        };
        cols.validate().unwrap();
        let t = cols.tick(1);
        assert_eq!((t.ts_event, t.ts_recv, t.symbol, t.price), (2, 2, 0, 11.0));
        assert!(t.bid.is_nan() && t.liq_volume.is_nan());
    }

    #[test]
    fn write_rows_matches_tick() {
        let ts = [1, 2, 3];
        let recv = [4, 5, 6];
        let price = [10.0, 11.0, 12.0];
        let side = [0, 1, -1];
        let with_recv = TickColumns {
            ts_event: &ts,
            ts_recv: Some(&recv),
            price: Some(&price),
            ..Default::default()
        };
        let (funding, high, low) = (
            [1e-4, f64::NAN, -2e-4],
            [11.0, 12.0, 13.0],
            [9.0, 10.0, 11.0],
        );
        let without = TickColumns {
            ts_event: &ts,
            liq_side: Some(&side),
            funding_rate: Some(&funding),
            high: Some(&high),
            low: Some(&low),
            ..Default::default()
        };
        for cols in [with_recv, without] {
            let mut out = [Tick::empty(0, 0, 0); 2];
            cols.write_rows(1, &mut out);
            for (k, t) in out.iter().enumerate() {
                // Debug text compares NaN as equal to NaN.
                assert_eq!(format!("{t:?}"), format!("{:?}", cols.tick(1 + k)));
            }
        }
    }

    #[test]
    fn length_mismatch_names_the_column() {
        let ts = [1, 2];
        let bid = [10.0];
        let cols = TickColumns {
            ts_event: &ts,
            bid: Some(&bid),
            ..Default::default()
        };
        assert_eq!(
            cols.validate(),
            Err(ColumnsError::Length {
                column: "bid",
                len: 1,
                expected: 2
            })
        );
    }
}
