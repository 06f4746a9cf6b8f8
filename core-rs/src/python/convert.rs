//! Conversions at the boundary: exact money to `decimal.Decimal`, enums to their names.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::types::{Money, Price, Qty, Side};

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// An exact `decimal.Decimal` from a 10⁻⁸ fixed-point value.
pub(crate) fn decimal<'py>(py: Python<'py>, text: String) -> PyResult<Bound<'py, PyAny>> {
    DECIMAL.import(py, "decimal", "Decimal")?.call1((text,))
}

/// `Money` as `Decimal`.
pub(crate) fn money(py: Python<'_>, m: Money) -> PyResult<Bound<'_, PyAny>> {
    decimal(py, m.to_string())
}

/// `Price` as `Decimal`.
pub(crate) fn price(py: Python<'_>, p: Price) -> PyResult<Bound<'_, PyAny>> {
    decimal(py, p.to_string())
}

/// `Qty` as `Decimal`.
pub(crate) fn qty(py: Python<'_>, q: Qty) -> PyResult<Bound<'_, PyAny>> {
    decimal(py, q.to_string())
}

/// Parses `"LONG"` / `"SHORT"` (case-insensitive).
pub(crate) fn parse_side(s: &str) -> PyResult<Side> {
    match s.to_ascii_uppercase().as_str() {
        "LONG" | "BUY" => Ok(Side::Long),
        "SHORT" | "SELL" => Ok(Side::Short),
        _ => Err(crate::python::errors::quantum_error(
            "OrderError",
            (format!("side must be LONG or SHORT, got {s:?}"),),
        )),
    }
}

/// Parses `"LONG"`, `"SHORT"` or `"FLAT"` (case-insensitive), a strategy's target.
pub(crate) fn parse_target(s: &str) -> PyResult<crate::strategy::Target> {
    if s.eq_ignore_ascii_case("FLAT") {
        return Ok(crate::strategy::Target::Flat);
    }
    parse_side(s).map(Into::into)
}

/// Parses an exact decimal string (as `str(Decimal)`) into 10⁻⁸ units; rejects finer precision.
pub(crate) fn parse_units(text: &str, field: &str) -> PyResult<i64> {
    let err = || {
        crate::python::errors::quantum_error(
            "DataError",
            (format!(
                "field '{field}' is not a decimal with at most 8 places: {text:?}"
            ),),
        )
    };
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let frac = frac.trim_end_matches('0');
    if int.is_empty() && frac.is_empty() || frac.len() > 8 {
        return Err(err());
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    let int: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| err())?
    };
    let frac_units: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<8}").parse().map_err(|_| err())?
    };
    let units = int
        .checked_mul(100_000_000)
        .and_then(|v| v.checked_add(frac_units))
        .ok_or_else(err)?;
    Ok(if neg { -units } else { units })
}
