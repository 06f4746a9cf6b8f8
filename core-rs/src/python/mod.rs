//! The PyO3 layer: thin wrappers over the domain types, compiled only with the `python` feature.
//! It is exposed as the private module `quantum._core`; users import from `quantum`.

use pyo3::prelude::*;

mod book;
#[allow(dead_code)] // used by the wrappers added beside it
pub(crate) mod errors;

/// The native module `quantum._core`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    book::register(m)?;
    Ok(())
}
