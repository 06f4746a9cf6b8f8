//! `quantum._core.parse_binance_usdm`: many raw Binance USDⓈ-M messages into NumPy columns in
//! one call, with the GIL released while parsing.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use super::errors::quantum_error;
use crate::parse::{binance_usdm, NativeBatch};

/// Parses `lines` (each one message's raw JSON text, as bytes) received at `ts_recv` (int64 ns,
/// one per line) and returns a dict of columns: `symbols` (id → name), `ticks` (the core's tick
/// columns plus `line`, the input index), `depth` (CSR depth columns plus `line`), `ignored`
/// (messages of streams the core does not use) and `rejects` (`(line, reason, message)` per
/// malformed line). A REST snapshot is named `snapshot_symbol`, else by the last symbol seen.
#[pyfunction]
#[pyo3(signature = (lines, ts_recv, snapshot_symbol=None))]
fn parse_binance_usdm<'py>(
    py: Python<'py>,
    lines: &Bound<'py, PyAny>,
    ts_recv: PyReadonlyArray1<'py, i64>,
    snapshot_symbol: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let data_error = |msg: &str| quantum_error("DataError", (msg.to_owned(),));
    let lines: Vec<Bound<'py, PyBytes>> = lines
        .extract()
        .map_err(|_| data_error("lines must be a sequence of bytes objects"))?;
    let ts = ts_recv
        .as_slice()
        .map_err(|_| data_error("ts_recv must be a contiguous int64 array"))?;
    if ts.len() != lines.len() {
        let msg = format!("ts_recv has {} entries for {} lines", ts.len(), lines.len());
        return Err(quantum_error("ColumnError", (msg, "ts_recv")));
    }
    // Borrowed views of the bytes objects, which `lines` keeps alive (and bytes are immutable).
    let raw: Vec<&[u8]> = lines.iter().map(|b| b.as_bytes()).collect();
    let batch = py.detach(|| {
        NativeBatch::parse(
            raw.iter().copied().zip(ts.iter().copied()),
            snapshot_symbol,
            binance_usdm::parse_message,
        )
    });
    batch_dict(py, batch)
}

fn batch_dict(py: Python<'_>, b: NativeBatch) -> PyResult<Bound<'_, PyDict>> {
    let rejects = PyList::empty(py);
    for r in &b.rejects {
        rejects.append((r.line, r.error.reason(), r.error.to_string()))?;
    }
    let t = b.ticks;
    let ticks = PyDict::new(py);
    ticks.set_item("line", PyArray1::from_vec(py, t.line))?;
    ticks.set_item("ts_event", PyArray1::from_vec(py, t.ts_event))?;
    ticks.set_item("ts_recv", PyArray1::from_vec(py, t.ts_recv))?;
    ticks.set_item("symbol", PyArray1::from_vec(py, t.symbol))?;
    for (name, col) in [
        ("price", t.price),
        ("bid", t.bid),
        ("ask", t.ask),
        ("bid_qty", t.bid_qty),
        ("ask_qty", t.ask_qty),
        ("volume", t.volume),
        ("buy_volume", t.buy_volume),
        ("sell_volume", t.sell_volume),
        ("liq_volume", t.liq_volume),
        ("funding_rate", t.funding_rate),
        ("open_interest", t.open_interest),
    ] {
        ticks.set_item(name, PyArray1::from_vec(py, col))?;
    }
    ticks.set_item("liq_side", PyArray1::from_vec(py, t.liq_side))?;
    let d = b.depth;
    let (price, qty) = (d.price_f64(), d.qty_f64());
    let depth = PyDict::new(py);
    depth.set_item("line", PyArray1::from_vec(py, d.line))?;
    depth.set_item("ts_event", PyArray1::from_vec(py, d.ts_event))?;
    depth.set_item("ts_recv", PyArray1::from_vec(py, d.ts_recv))?;
    depth.set_item("symbol", PyArray1::from_vec(py, d.symbol))?;
    depth.set_item("first_id", PyArray1::from_vec(py, d.first_id))?;
    depth.set_item("last_id", PyArray1::from_vec(py, d.last_id))?;
    depth.set_item("prev_id", PyArray1::from_vec(py, d.prev_id))?;
    depth.set_item("is_snapshot", PyArray1::from_vec(py, d.is_snapshot))?;
    depth.set_item("level_offsets", PyArray1::from_vec(py, d.level_offsets))?;
    depth.set_item("side", PyArray1::from_vec(py, d.side))?;
    depth.set_item("price", PyArray1::from_vec(py, price))?;
    depth.set_item("qty", PyArray1::from_vec(py, qty))?;
    let out = PyDict::new(py);
    out.set_item("symbols", b.symbols)?;
    out.set_item("ticks", ticks)?;
    out.set_item("depth", depth)?;
    out.set_item("ignored", b.ignored)?;
    out.set_item("rejects", rejects)?;
    Ok(out)
}

/// Adds the native parsers to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse_binance_usdm, m)?)
}
