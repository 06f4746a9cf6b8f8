//! One mapping from the core's error enums to the Python hierarchy in `quantum.errors`.
//!
//! The classes are defined in Python (so they carry docstrings and attributes like `column`) and
//! looked up here by name; Rust code never formats errors into strings for Python to parse.

use pyo3::prelude::*;
use pyo3::types::PyType;

/// Builds an instance of `quantum.errors.<class>` with `args`; falls back to the import error.
pub(crate) fn quantum_error<A>(class: &str, args: A) -> PyErr
where
    A: for<'py> pyo3::IntoPyObject<'py> + Send + Sync + 'static,
{
    Python::attach(|py| {
        let ty = py
            .import("quantum.errors")
            .and_then(|m| m.getattr(class))
            .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
        match ty {
            Ok(ty) => PyErr::from_type(ty, args),
            Err(e) => e,
        }
    })
}
