//! `quantum._core.OrderBook`: the L2 book for Python callers (adapters, tests, notebooks).
//!
//! Levels come in as `(price, qty)` float pairs or an `N×2` float64 array and are rounded once to
//! the core's 10⁻⁸ fixed point; every refusal raises the matching `quantum.errors` class.

use numpy::{PyArray2, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::book::{Applied, BookError, DepthUpdate, Level, OrderBook, SequenceRule};
use crate::types::{Price, Qty};

use super::errors::quantum_error;

fn book_error(e: BookError) -> PyErr {
    let class = match e {
        BookError::Gap { .. } => "SequenceGap",
        BookError::ChecksumMismatch { .. } => "ChecksumMismatch",
        BookError::BadNumber(_) => "DataError",
        BookError::Crossed { .. } | BookError::InvalidLevel { .. } | BookError::NotSynced => {
            "BookError"
        }
    };
    quantum_error(class, (e.to_string(),))
}

fn data_error(msg: String) -> PyErr {
    quantum_error("DataError", (msg,))
}

fn level(price: f64, qty: f64) -> PyResult<Level> {
    let p = Price::from_f64(price).map_err(|e| data_error(format!("level price: {e}")))?;
    let q = Qty::from_f64(qty).map_err(|e| data_error(format!("level qty: {e}")))?;
    Ok(Level::new(p, q))
}

/// Levels from an `N×2` float64 array or any iterable of `(price, qty)` pairs.
fn levels(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Level>> {
    if let Ok(array) = obj.cast::<PyArray2<f64>>() {
        let view = array.readonly();
        let shape = view.shape();
        if shape[1] != 2 {
            return Err(data_error(format!(
                "levels array must be N×2 (price, qty), got {shape:?}"
            )));
        }
        let a = view.as_array();
        return a.rows().into_iter().map(|r| level(r[0], r[1])).collect();
    }
    let iter = obj.try_iter().map_err(|_| {
        data_error("levels must be an N×2 float64 array or (price, qty) pairs".to_owned())
    })?;
    iter.map(|item| {
        let (p, q): (f64, f64) = item?.extract().map_err(|_| {
            data_error("each level must be a (price, qty) pair of numbers".to_owned())
        })?;
        level(p, q)
    })
    .collect()
}

/// An exchange checksum as unsigned 32 bits; OKX sends it signed.
fn checksum(v: Option<i64>) -> PyResult<Option<u32>> {
    v.map(|c| {
        if (i64::from(i32::MIN)..=i64::from(u32::MAX)).contains(&c) {
            Ok(c as u32)
        } else {
            Err(data_error(format!("checksum {c} is not a 32-bit value")))
        }
    })
    .transpose()
}

fn pair(l: Option<Level>) -> Option<(f64, f64)> {
    l.map(|l| (l.price.to_f64(), l.qty.to_f64()))
}

/// `(price, qty)` floats, best first.
type Pairs = Vec<(f64, f64)>;

fn pairs(ls: Vec<Level>) -> Pairs {
    ls.into_iter()
        .map(|l| (l.price.to_f64(), l.qty.to_f64()))
        .collect()
}

/// An L2 order book with one exchange's sequence/checksum rule.
///
/// `rule` is one of "binance_futures", "binance_spot", "bybit", "okx", "kraken", "none"; Kraken
/// needs the pair's `price_decimals` and `qty_decimals`. `max_depth` keeps only that many levels a
/// side (Kraken `book-N` subscriptions).
#[pyclass(name = "OrderBook", module = "quantum._core")]
pub(crate) struct PyOrderBook {
    inner: OrderBook,
}

#[pymethods]
impl PyOrderBook {
    #[new]
    #[pyo3(signature = (rule, price_decimals=None, qty_decimals=None, max_depth=None))]
    fn new(
        rule: &str,
        price_decimals: Option<u8>,
        qty_decimals: Option<u8>,
        max_depth: Option<usize>,
    ) -> PyResult<Self> {
        let config = |msg: String| quantum_error("ConfigError", (msg,));
        let rule = match rule {
            "binance_futures" => SequenceRule::BinanceFutures,
            "binance_spot" => SequenceRule::BinanceSpot,
            "bybit" => SequenceRule::Bybit,
            "okx" => SequenceRule::Okx,
            "none" => SequenceRule::None,
            "kraken" => match (price_decimals, qty_decimals) {
                (Some(p), Some(q)) if p <= 18 && q <= 18 => SequenceRule::Kraken {
                    price_decimals: p,
                    qty_decimals: q,
                },
                _ => {
                    return Err(config(
                        "kraken needs price_decimals and qty_decimals (0..=18)".to_owned(),
                    ))
                }
            },
            other => return Err(config(format!("unknown book rule {other:?}"))),
        };
        let mut inner = OrderBook::new(rule);
        if let Some(depth) = max_depth {
            if depth == 0 {
                return Err(config("max_depth must be at least 1".to_owned()));
            }
            inner = inner.with_max_depth(depth);
        }
        Ok(Self { inner })
    }

    /// Replaces the book with a snapshot; raises BookError (crossed, bad level) or
    /// ChecksumMismatch, leaving the book invalid.
    #[pyo3(signature = (last_update_id, bids, asks, checksum=None))]
    fn apply_snapshot(
        &mut self,
        last_update_id: u64,
        bids: &Bound<'_, PyAny>,
        asks: &Bound<'_, PyAny>,
        checksum: Option<i64>,
    ) -> PyResult<()> {
        let (bids, asks, checksum) = (levels(bids)?, levels(asks)?, self::checksum(checksum)?);
        self.inner
            .apply_snapshot(last_update_id, &bids, &asks, checksum)
            .map_err(book_error)
    }

    /// Applies one update; returns False when it was stale (skipped as the exchange says).
    /// Raises SequenceGap, ChecksumMismatch or BookError, leaving the book invalid.
    #[pyo3(signature = (first_id, last_id, prev_id, bids, asks, checksum=None, ts_event=0, ts_recv=0))]
    #[allow(clippy::too_many_arguments)] // mirrors the exchange message one field per argument
    fn apply_update(
        &mut self,
        first_id: u64,
        last_id: u64,
        prev_id: u64,
        bids: &Bound<'_, PyAny>,
        asks: &Bound<'_, PyAny>,
        checksum: Option<i64>,
        ts_event: i64,
        ts_recv: i64,
    ) -> PyResult<bool> {
        let (bids, asks) = (levels(bids)?, levels(asks)?);
        let u = DepthUpdate {
            ts_event,
            ts_recv,
            first_id,
            last_id,
            prev_id,
            bids: &bids,
            asks: &asks,
            checksum: self::checksum(checksum)?,
        };
        match self.inner.apply_update(&u).map_err(book_error)? {
            Applied::Applied => Ok(true),
            Applied::Stale => Ok(false),
        }
    }

    /// Marks the book invalid; it needs a new snapshot.
    fn invalidate(&mut self) {
        self.inner.invalidate();
    }

    /// True when synced and every update since passed its checks.
    #[getter]
    fn is_valid(&self) -> bool {
        self.inner.is_valid()
    }

    /// Best bid as (price, qty), or None.
    #[getter]
    fn best_bid(&self) -> Option<(f64, f64)> {
        pair(self.inner.best_bid())
    }

    /// Best ask as (price, qty), or None.
    #[getter]
    fn best_ask(&self) -> Option<(f64, f64)> {
        pair(self.inner.best_ask())
    }

    /// Mid price; None unless valid with both sides.
    #[getter]
    fn mid(&self) -> Option<f64> {
        self.inner.mid()
    }

    /// Size-weighted mid; None unless valid with both sides.
    #[getter]
    fn microprice(&self) -> Option<f64> {
        self.inner.microprice()
    }

    /// Id of the snapshot or of the last applied update.
    #[getter]
    fn last_update_id(&self) -> u64 {
        self.inner.last_update_id()
    }

    /// Counters: updates_applied, levels_applied, gaps, checksum_failures, crossed, resyncs,
    /// stale_skipped.
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("updates_applied", s.updates_applied)?;
        d.set_item("levels_applied", s.levels_applied)?;
        d.set_item("gaps", s.gaps)?;
        d.set_item("checksum_failures", s.checksum_failures)?;
        d.set_item("crossed", s.crossed)?;
        d.set_item("resyncs", s.resyncs)?;
        d.set_item("stale_skipped", s.stale_skipped)?;
        Ok(d)
    }

    /// (bid qty, ask qty) within `bps` of mid; (0, 0) when invalid or one-sided.
    fn depth_within_bps(&self, bps: f64) -> (f64, f64) {
        self.inner.depth_within_bps(bps)
    }

    /// (bid − ask) / (bid + ask) of the depth within `bps`; None when unknown.
    fn imbalance(&self, bps: f64) -> Option<f64> {
        self.inner.imbalance(bps)
    }

    /// The best `n` levels of each side, best first: (bids, asks) as lists of (price, qty).
    fn top(&self, n: usize) -> (Pairs, Pairs) {
        let (b, a) = self.inner.top(n);
        (pairs(b), pairs(a))
    }

    fn __repr__(&self) -> String {
        let (nb, na) = self.inner.len();
        format!(
            "OrderBook(rule={:?}, valid={}, bids={nb}, asks={na}, last_update_id={})",
            self.inner.rule(),
            self.inner.is_valid(),
            self.inner.last_update_id()
        )
    }
}

/// Adds `OrderBook` to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyOrderBook>()
}
